#include "fake/behaviour.h"

#include <array>
#include <utility>

#include "absl/status/status.h"
#include "boost/json/object.hpp"
#include "fake/str_cat.h"

namespace maxpool::fake {
namespace {

constexpr std::array<std::pair<BehaviourKind, std::string_view>, 18> kNames = {{
    {BehaviourKind::kOk, "ok"},
    {BehaviourKind::kFixed, "fixed"},
    {BehaviourKind::kQuota429, "quota_429"},
    {BehaviourKind::kThrottle429, "throttle_429"},
    {BehaviourKind::kUpstreamThrottle429, "upstream_throttle_429"},
    {BehaviourKind::kModel429, "model_429"},
    {BehaviourKind::kHeaderless429, "headerless_429"},
    {BehaviourKind::kOverloaded529, "overloaded_529"},
    {BehaviourKind::kServerError, "server_error"},
    {BehaviourKind::kUnauthorized401, "unauthorized_401"},
    {BehaviourKind::kBanned403, "banned_403"},
    {BehaviourKind::kResetBeforeHeaders, "reset_before_headers"},
    {BehaviourKind::kStall, "stall"},
    {BehaviourKind::kStallBeforeHeaders, "stall_before_headers"},
    {BehaviourKind::kSlowStream, "slow_stream"},
    {BehaviourKind::kDropMidStream, "drop_mid_stream"},
    {BehaviourKind::kDelayHeaders, "delay_headers"},
    {BehaviourKind::kStreamError, "stream_error"},
}};

std::string Str(boost::json::string_view s) { return std::string(s.data(), s.size()); }

absl::Status FieldError(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(Cat("behaviour field \"", field, "\": ", what));
}

// Reads a non-negative integer (JSON int, uint, or a double with no fraction).
absl::StatusOr<int64_t> ReadCount(const boost::json::value& v, std::string_view field,
                                  int64_t max) {
  int64_t n = 0;
  if (v.is_int64()) {
    n = v.as_int64();
  } else if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(max)) {
    n = static_cast<int64_t>(v.as_uint64());
  } else if (v.is_double() &&
             v.as_double() == static_cast<double>(static_cast<int64_t>(v.as_double()))) {
    n = static_cast<int64_t>(v.as_double());
  } else {
    return FieldError(field, "expected a non-negative integer");
  }
  if (n < 0 || n > max) {
    return FieldError(field, Cat("expected an integer in [0, ", max, "]"));
  }
  return n;
}

}  // namespace

std::string_view BehaviourKindName(BehaviourKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "ok";
}

std::optional<BehaviourKind> BehaviourKindFromName(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

bool ServesContent(BehaviourKind kind) {
  switch (kind) {
    case BehaviourKind::kOk:
    case BehaviourKind::kStall:
    case BehaviourKind::kSlowStream:
    case BehaviourKind::kDropMidStream:
    case BehaviourKind::kDelayHeaders:
    case BehaviourKind::kStreamError:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<Behaviour> ParseBehaviour(const boost::json::value& json) {
  if (json.is_string()) {
    const auto kind = BehaviourKindFromName(std::string_view(json.as_string()));
    if (!kind) return FieldError("kind", Cat("unknown kind \"", Str(json.as_string()), "\""));
    return Behaviour::Of(*kind);
  }
  if (!json.is_object()) return absl::InvalidArgumentError("behaviour: expected object or string");
  const boost::json::object& obj = json.as_object();
  const boost::json::value* kind_value = obj.if_contains("kind");
  if (kind_value == nullptr || !kind_value->is_string()) {
    return FieldError("kind", "required string");
  }
  const auto kind = BehaviourKindFromName(std::string_view(kind_value->as_string()));
  if (!kind) {
    return FieldError("kind", Cat("unknown kind \"", Str(kind_value->as_string()), "\""));
  }
  Behaviour b = Behaviour::Of(*kind);
  constexpr int64_t kMaxMs = 24LL * 3600 * 1000;
  for (const auto& [key_view, value] : obj) {
    const std::string_view key(key_view.data(), key_view.size());
    if (key == "kind") continue;
    if (key == "retry_after") {
      auto n = ReadCount(value, key, 10'000'000);
      if (!n.ok()) return n.status();
      b.retry_after = *n;
    } else if (key == "status") {
      auto n = ReadCount(value, key, 599);
      if (!n.ok()) return n.status();
      if (*n != 500 && *n != 502 && *n != 503 && *n != 504) {
        return FieldError(key, "expected 500, 502, 503 or 504");
      }
      b.status = static_cast<int>(*n);
    } else if (key == "delay_ms") {
      auto n = ReadCount(value, key, kMaxMs);
      if (!n.ok()) return n.status();
      b.delay_ms = *n;
    } else if (key == "ping_ms") {
      auto n = ReadCount(value, key, kMaxMs);
      if (!n.ok()) return n.status();
      b.ping_ms = *n;
    } else if (key == "events") {
      auto n = ReadCount(value, key, 1'000'000);
      if (!n.ok()) return n.status();
      b.events = static_cast<int>(*n);
    } else if (key == "after_events") {
      auto n = ReadCount(value, key, 1'000'000);
      if (!n.ok()) return n.status();
      b.after_events = static_cast<int>(*n);
    } else if (key == "text_bytes") {
      auto n = ReadCount(value, key, 64LL * 1024 * 1024);
      if (!n.ok()) return n.status();
      b.text_bytes = *n;
    } else if (key == "message") {
      if (!value.is_string()) return FieldError(key, "expected a string");
      b.message = Str(value.as_string());
    } else if (key == "error_type") {
      if (!value.is_string()) return FieldError(key, "expected a string");
      b.error_type = Str(value.as_string());
    } else if (key == "should_retry") {
      if (!value.is_bool()) return FieldError(key, "expected a boolean");
      b.should_retry = value.as_bool();
    } else {
      return FieldError(key, "unknown field");
    }
  }
  return b;
}

absl::StatusOr<std::vector<Behaviour>> ParseBehaviours(const boost::json::value& json) {
  if (!json.is_array()) return absl::InvalidArgumentError("behaviours: expected an array");
  std::vector<Behaviour> out;
  for (const boost::json::value& entry : json.as_array()) {
    int64_t times = 1;
    boost::json::value copy = entry;
    if (copy.is_object()) {
      if (const boost::json::value* t = copy.as_object().if_contains("times")) {
        auto n = ReadCount(*t, "times", 10'000);
        if (!n.ok()) return n.status();
        times = *n;
        copy.as_object().erase("times");
      }
    }
    auto b = ParseBehaviour(copy);
    if (!b.ok()) return b.status();
    for (int64_t i = 0; i < times; ++i) out.push_back(*b);
  }
  return out;
}

boost::json::object BehaviourToJson(const Behaviour& b) {
  boost::json::object obj;
  const std::string_view name = BehaviourKindName(b.kind);
  obj["kind"] = boost::json::string_view(name.data(), name.size());
  if (b.retry_after) obj["retry_after"] = *b.retry_after;
  if (b.status) obj["status"] = *b.status;
  if (b.delay_ms) obj["delay_ms"] = *b.delay_ms;
  if (b.ping_ms) obj["ping_ms"] = *b.ping_ms;
  if (b.events) obj["events"] = *b.events;
  if (b.after_events) obj["after_events"] = *b.after_events;
  if (b.text_bytes) obj["text_bytes"] = *b.text_bytes;
  if (b.message) obj["message"] = *b.message;
  if (b.error_type) obj["error_type"] = *b.error_type;
  if (b.should_retry) obj["should_retry"] = *b.should_retry;
  return obj;
}

}  // namespace maxpool::fake
