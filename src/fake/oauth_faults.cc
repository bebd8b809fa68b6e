#include "fake/oauth_faults.h"

#include <array>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "fake/str_cat.h"

namespace maxpool::fake {
namespace {

constexpr std::array<std::pair<TokenFaultKind, std::string_view>, 5> kNames = {{
    {TokenFaultKind::kOk, "ok"},
    {TokenFaultKind::kReset, "reset"},
    {TokenFaultKind::kStall, "stall"},
    {TokenFaultKind::kStatus, "status"},
    {TokenFaultKind::kInvalidGrant, "invalid_grant"},
}};

absl::Status FieldError(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(Cat("token fault field \"", field, "\": ", what));
}

std::optional<TokenFaultKind> KindFromName(std::string_view name) {
  for (const auto& [kind, n] : kNames) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

// A JSON integer (or an integral double) in [lo, hi].
std::optional<int64_t> Integer(const boost::json::value& v, int64_t lo, int64_t hi) {
  double d = 0;
  if (v.is_int64()) {
    d = static_cast<double>(v.as_int64());
  } else if (v.is_uint64()) {
    d = static_cast<double>(v.as_uint64());
  } else if (v.is_double()) {
    d = v.as_double();
  } else {
    return std::nullopt;
  }
  if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}

}  // namespace

std::string_view TokenFaultKindName(TokenFaultKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "ok";
}

absl::StatusOr<TokenFault> ParseTokenFault(const boost::json::value& json) {
  TokenFault fault;
  if (json.is_string()) {
    const std::string_view name(json.get_string().data(), json.get_string().size());
    const std::optional<TokenFaultKind> kind = KindFromName(name);
    if (!kind) return FieldError("kind", Cat("unknown kind \"", name, "\""));
    fault.kind = *kind;
    return fault;
  }
  if (!json.is_object())
    return absl::InvalidArgumentError("token fault: expected a string or object");
  const boost::json::value* kind_value = json.get_object().if_contains("kind");
  if (kind_value == nullptr || !kind_value->is_string()) {
    return FieldError("kind", "required string");
  }
  bool have_status = false;
  for (const auto& [key_view, value] : json.get_object()) {
    const std::string_view key(key_view.data(), key_view.size());
    if (key == "kind") {
      const std::string_view name(value.get_string().data(), value.get_string().size());
      const std::optional<TokenFaultKind> kind = KindFromName(name);
      if (!kind) return FieldError("kind", Cat("unknown kind \"", name, "\""));
      fault.kind = *kind;
    } else if (key == "consume") {
      if (!value.is_bool()) return FieldError(key, "expected a boolean");
      fault.consume = value.get_bool();
    } else if (key == "status") {
      const std::optional<int64_t> n = Integer(value, 400, 599);
      if (!n) return FieldError(key, "expected an integer in [400, 599]");
      fault.status = static_cast<int>(*n);
      have_status = true;
    } else if (key == "body") {
      if (!value.is_string()) return FieldError(key, "expected a string");
      fault.body = std::string(value.get_string().data(), value.get_string().size());
    } else if (key == "retry_after") {
      const std::optional<int64_t> n = Integer(value, 0, 86400 * 30);
      if (!n) return FieldError(key, "expected a non-negative integer");
      fault.retry_after = *n;
    } else {
      return FieldError(key, "unknown field");
    }
  }
  const bool status_kind = fault.kind == TokenFaultKind::kStatus;
  if (!status_kind && (have_status || fault.body || fault.retry_after)) {
    return FieldError("status", "status, body and retry_after need kind \"status\"");
  }
  if (fault.consume &&
      (fault.kind == TokenFaultKind::kOk || fault.kind == TokenFaultKind::kInvalidGrant)) {
    return FieldError("consume", "only for reset, stall and status");
  }
  return fault;
}

absl::StatusOr<std::vector<TokenFault>> ParseTokenFaults(const boost::json::value& json) {
  if (!json.is_array()) return absl::InvalidArgumentError("token faults: expected an array");
  std::vector<TokenFault> out;
  for (const boost::json::value& entry : json.get_array()) {
    int64_t times = 1;
    boost::json::value copy = entry;
    if (copy.is_object()) {
      if (const boost::json::value* t = copy.get_object().if_contains("times")) {
        const std::optional<int64_t> n = Integer(*t, 1, 10'000);
        if (!n) return FieldError("times", "expected an integer in [1, 10000]");
        times = *n;
        copy.get_object().erase("times");
      }
    }
    absl::StatusOr<TokenFault> fault = ParseTokenFault(copy);
    if (!fault.ok()) return fault.status();
    for (int64_t i = 0; i < times; ++i) out.push_back(*fault);
  }
  return out;
}

boost::json::object TokenFaultToJson(const TokenFault& fault) {
  boost::json::object obj;
  const std::string_view name = TokenFaultKindName(fault.kind);
  obj["kind"] = boost::json::string_view(name.data(), name.size());
  if (fault.consume) obj["consume"] = true;
  if (fault.kind == TokenFaultKind::kStatus) obj["status"] = fault.status;
  if (fault.body) obj["body"] = *fault.body;
  if (fault.retry_after) obj["retry_after"] = *fault.retry_after;
  return obj;
}

}  // namespace maxpool::fake
