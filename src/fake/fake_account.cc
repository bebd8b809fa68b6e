#include "fake/fake_account.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "fake/str_cat.h"

namespace maxpool::fake {
namespace {

constexpr double kFull = 1.0 - 1e-9;  // utilization counted as exhausted (float noise)
constexpr absl::Duration k5h = absl::Hours(5);
constexpr absl::Duration k7d = absl::Hours(24 * 7);

absl::Status FieldError(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(Cat("account field \"", field, "\": ", what));
}

std::optional<double> AsNumber(const boost::json::value& v) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  return std::nullopt;
}

// Moves `reset` forward by whole `window`s until it is after `now`. Returns true if it moved.
bool RollForward(absl::Time& reset, absl::Duration window, absl::Time now) {
  if (reset > now) return false;
  absl::Duration remainder;
  const int64_t periods = absl::IDivDuration(now - reset, window, &remainder) + 1;
  reset += window * periods;
  return true;
}

std::string_view BucketStatus(double utilization, double warning) {
  if (utilization >= kFull) return "rejected";
  if (utilization >= warning) return "allowed_warning";
  return "allowed";
}

int Severity(std::string_view status) {
  return status == "rejected" ? 2 : status == "allowed_warning" ? 1 : 0;
}

std::string EpochSeconds(absl::Time t) { return Cat(absl::ToUnixSeconds(t)); }

}  // namespace

std::string_view AccountTypeName(AccountType type) {
  return type == AccountType::kOAuth ? "oauth" : "apikey";
}

std::string FormatUtilization(double value) {
  std::string s = absl::StrFormat("%.4f", value);
  while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}

std::string FormatRfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<FakeAccountSpec> ParseAccountSpec(const boost::json::value& json, absl::Time now) {
  if (!json.is_object()) return absl::InvalidArgumentError("account: expected an object");
  FakeAccountSpec spec;
  for (const auto& [key_view, value] : json.as_object()) {
    const std::string_view key(key_view.data(), key_view.size());
    const std::optional<double> number = AsNumber(value);
    auto need_number = [&]() -> absl::Status {
      return number ? absl::OkStatus() : FieldError(key, "expected a number");
    };
    auto need_count = [&]() -> absl::Status {
      if (!number || *number < 0 || *number != std::floor(*number)) {
        return FieldError(key, "expected a non-negative integer");
      }
      return absl::OkStatus();
    };
    if (key == "credential" || key == "name" || key == "type") {
      if (!value.is_string()) return FieldError(key, "expected a string");
      std::string text(value.as_string().data(), value.as_string().size());
      if (key == "credential") {
        spec.credential = std::move(text);
      } else if (key == "name") {
        spec.name = std::move(text);
      } else if (text == "oauth") {
        spec.type = AccountType::kOAuth;
      } else if (text == "apikey" || text == "api_key") {
        spec.type = AccountType::kApiKey;
      } else {
        return FieldError(key, "expected \"oauth\" or \"apikey\"");
      }
    } else if (key == "utilization_5h" || key == "utilization_7d" || key == "increment_5h" ||
               key == "increment_7d") {
      if (auto s = need_number(); !s.ok()) return s;
      if (*number < 0) return FieldError(key, "must be >= 0");
      (key == "utilization_5h"   ? spec.utilization_5h
       : key == "utilization_7d" ? spec.utilization_7d
       : key == "increment_5h"   ? spec.increment_5h
                                 : spec.increment_7d) = *number;
    } else if (key == "reset_5h" || key == "reset_7d") {
      if (auto s = need_number(); !s.ok()) return s;
      (key == "reset_5h" ? spec.reset_5h : spec.reset_7d) =
          absl::FromUnixSeconds(static_cast<int64_t>(*number));
    } else if (key == "reset_5h_in" || key == "reset_7d_in") {
      if (auto s = need_number(); !s.ok()) return s;
      (key == "reset_5h_in" ? spec.reset_5h : spec.reset_7d) = now + absl::Seconds(*number);
    } else if (key == "requests_limit" || key == "tokens_limit" || key == "input_tokens_limit" ||
               key == "output_tokens_limit") {
      if (auto s = need_count(); !s.ok()) return s;
      (key == "requests_limit"       ? spec.requests_limit
       : key == "tokens_limit"       ? spec.tokens_limit
       : key == "input_tokens_limit" ? spec.input_tokens_limit
                                     : spec.output_tokens_limit) = static_cast<int64_t>(*number);
    } else if (key == "requests_remaining" || key == "tokens_remaining") {
      if (auto s = need_count(); !s.ok()) return s;
      (key == "requests_remaining" ? spec.requests_remaining : spec.tokens_remaining) =
          static_cast<int64_t>(*number);
    } else if (key == "window_s") {
      if (auto s = need_count(); !s.ok()) return s;
      if (*number < 1) return FieldError(key, "must be >= 1");
      spec.window = absl::Seconds(*number);
    } else if (key == "scoped_7d") {
      if (!value.is_object()) return FieldError(key, "expected {\"Model\":fraction}");
      for (const auto& [model, fraction] : value.as_object()) {
        const std::optional<double> f = AsNumber(fraction);
        if (!f || *f < 0 || model.empty()) {
          return FieldError(key, "expected {\"Model\":fraction >= 0}");
        }
        spec.scoped_7d[std::string(model.data(), model.size())] = *f;
      }
    } else if (std::optional<absl::Status> oauth = ParseOAuthSpecField(key, value, spec.oauth)) {
      if (!oauth->ok()) return *oauth;
    } else if (key == "script") {
      auto script = ParseBehaviours(value);
      if (!script.ok()) return script.status();
      spec.script = *std::move(script);
    } else if (key == "default") {
      auto b = ParseBehaviour(value);
      if (!b.ok()) return b.status();
      spec.default_behaviour = *b;
    } else {
      return FieldError(key, "unknown field");
    }
  }
  if (spec.credential.empty()) return FieldError("credential", "required non-empty string");
  return spec;
}

FakeAccount::FakeAccount(FakeAccountSpec spec, absl::Time now) : spec_(std::move(spec)) {
  if (spec_.name.empty()) spec_.name = std::string(AccountTypeName(spec_.type));
  if (!spec_.reset_5h) spec_.reset_5h = now + k5h;
  if (!spec_.reset_7d) spec_.reset_7d = now + k7d;
  requests_remaining_ = spec_.requests_remaining.value_or(spec_.requests_limit);
  tokens_remaining_ = spec_.tokens_remaining.value_or(spec_.tokens_limit);
  input_tokens_remaining_ = spec_.input_tokens_limit;
  output_tokens_remaining_ = spec_.output_tokens_limit;
  api_reset_ = now + spec_.window;
}

void FakeAccount::Roll(absl::Time now) {
  if (RollForward(*spec_.reset_5h, k5h, now)) spec_.utilization_5h = 0;
  if (RollForward(*spec_.reset_7d, k7d, now)) {
    spec_.utilization_7d = 0;
    for (auto& [model, utilization] : spec_.scoped_7d) utilization = 0;
  }
  if (RollForward(api_reset_, spec_.window, now)) {
    requests_remaining_ = spec_.requests_limit;
    tokens_remaining_ = spec_.tokens_limit;
    input_tokens_remaining_ = spec_.input_tokens_limit;
    output_tokens_remaining_ = spec_.output_tokens_limit;
  }
}

ExhaustedWindow FakeAccount::Exhausted() const {
  if (spec_.type == AccountType::kOAuth) {
    if (spec_.utilization_5h >= kFull) return ExhaustedWindow::kFiveHour;
    if (spec_.utilization_7d >= kFull) return ExhaustedWindow::kSevenDay;
    return ExhaustedWindow::kNone;
  }
  if (requests_remaining_ <= 0) return ExhaustedWindow::kApiRequests;
  if (tokens_remaining_ <= 0) return ExhaustedWindow::kApiTokens;
  return ExhaustedWindow::kNone;
}

void FakeAccount::Spend(int64_t input_tokens, int64_t output_tokens) {
  auto add = [](double& u, double inc) {
    if (u >= 1.0) return;  // already above the cap (the API reports e.g. 1.02): keep it
    u = std::min(1.0, u + inc);
    if (u >= kFull) u = 1.0;
  };
  add(spec_.utilization_5h, spec_.increment_5h);
  add(spec_.utilization_7d, spec_.increment_7d);
  requests_remaining_ = std::max<int64_t>(0, requests_remaining_ - 1);
  tokens_remaining_ = std::max<int64_t>(0, tokens_remaining_ - input_tokens - output_tokens);
  input_tokens_remaining_ = std::max<int64_t>(0, input_tokens_remaining_ - input_tokens);
  output_tokens_remaining_ = std::max<int64_t>(0, output_tokens_remaining_ - output_tokens);
}

QuotaSnapshot FakeAccount::Snapshot() const {
  QuotaSnapshot s;
  s.type = spec_.type;
  s.utilization_5h = spec_.utilization_5h;
  s.utilization_7d = spec_.utilization_7d;
  s.reset_5h = *spec_.reset_5h;
  s.reset_7d = *spec_.reset_7d;
  s.scoped_7d = spec_.scoped_7d;
  s.requests_limit = spec_.requests_limit;
  s.requests_remaining = requests_remaining_;
  s.tokens_limit = spec_.tokens_limit;
  s.tokens_remaining = tokens_remaining_;
  s.input_tokens_limit = spec_.input_tokens_limit;
  s.input_tokens_remaining = input_tokens_remaining_;
  s.output_tokens_limit = spec_.output_tokens_limit;
  s.output_tokens_remaining = output_tokens_remaining_;
  s.api_reset = api_reset_;
  return s;
}

boost::json::object FakeAccount::ToJson() const {
  boost::json::object obj;
  obj["name"] = spec_.name;
  const std::string_view type = AccountTypeName(spec_.type);
  obj["type"] = boost::json::string_view(type.data(), type.size());
  if (spec_.type == AccountType::kOAuth) {
    obj["utilization_5h"] = spec_.utilization_5h;
    obj["utilization_7d"] = spec_.utilization_7d;
    obj["reset_5h"] = absl::ToUnixSeconds(*spec_.reset_5h);
    obj["reset_7d"] = absl::ToUnixSeconds(*spec_.reset_7d);
    if (!spec_.scoped_7d.empty()) {
      boost::json::object scoped;
      for (const auto& [model, utilization] : spec_.scoped_7d) scoped[model] = utilization;
      obj["scoped_7d"] = std::move(scoped);
    }
  } else {
    obj["requests_limit"] = spec_.requests_limit;
    obj["requests_remaining"] = requests_remaining_;
    obj["tokens_limit"] = spec_.tokens_limit;
    obj["tokens_remaining"] = tokens_remaining_;
    obj["reset"] = FormatRfc3339(api_reset_);
  }
  return obj;
}

void AppendQuotaHeaders(const QuotaSnapshot& s, const UnifiedOverride& o,
                        std::vector<std::pair<std::string, std::string>>& out) {
  if (s.type == AccountType::kApiKey) {
    const std::string reset = FormatRfc3339(s.api_reset);
    auto add = [&](std::string_view what, int64_t limit, int64_t remaining) {
      out.emplace_back(Cat("anthropic-ratelimit-", what, "-limit"), Cat(limit));
      out.emplace_back(Cat("anthropic-ratelimit-", what, "-remaining"), Cat(remaining));
      out.emplace_back(Cat("anthropic-ratelimit-", what, "-reset"), reset);
    };
    add("requests", s.requests_limit, s.requests_remaining);
    add("tokens", s.tokens_limit, s.tokens_remaining);
    add("input-tokens", s.input_tokens_limit, s.input_tokens_remaining);
    add("output-tokens", s.output_tokens_limit, s.output_tokens_remaining);
    return;
  }
  double u5 = o.force_5h_exhausted ? std::max(1.0, s.utilization_5h) : s.utilization_5h;
  double u7 = o.force_7d_exhausted ? std::max(1.0, s.utilization_7d) : s.utilization_7d;
  if (o.cap_below_threshold) {
    u5 = std::min(u5, 0.99);
    u7 = std::min(u7, 0.99);
  }
  const std::string_view st5 = BucketStatus(u5, 0.9);
  const std::string_view st7 = BucketStatus(u7, 0.75);
  std::string_view overall = Severity(st5) >= Severity(st7) ? st5 : st7;
  if (o.overall_rejected) overall = "rejected";
  // The representative claim is the binding window: a rejected one, else the fuller one.
  bool claim_7d = false;
  if (st5 != "rejected" && st7 == "rejected") {
    claim_7d = true;
  } else if (st5 != "rejected" && u7 > u5) {
    claim_7d = true;
  }
  std::string_view claim = claim_7d ? "seven_day" : "five_hour";
  if (!o.representative_claim.empty()) claim = o.representative_claim;
  out.emplace_back("anthropic-ratelimit-unified-status", std::string(overall));
  out.emplace_back("anthropic-ratelimit-unified-5h-status", std::string(st5));
  out.emplace_back("anthropic-ratelimit-unified-5h-reset", EpochSeconds(s.reset_5h));
  out.emplace_back("anthropic-ratelimit-unified-5h-utilization", FormatUtilization(u5));
  out.emplace_back("anthropic-ratelimit-unified-7d-status", std::string(st7));
  out.emplace_back("anthropic-ratelimit-unified-7d-reset", EpochSeconds(s.reset_7d));
  out.emplace_back("anthropic-ratelimit-unified-7d-utilization", FormatUtilization(u7));
  out.emplace_back("anthropic-ratelimit-unified-representative-claim", std::string(claim));
  out.emplace_back("anthropic-ratelimit-unified-reset",
                   EpochSeconds(o.unified_reset.value_or(claim_7d ? s.reset_7d : s.reset_5h)));
  out.emplace_back("anthropic-ratelimit-unified-fallback-percentage", "0.5");
  out.emplace_back("anthropic-ratelimit-unified-overage-status", "rejected");
  out.emplace_back("anthropic-ratelimit-unified-overage-disabled-reason", "out_of_credits");
}

}  // namespace maxpool::fake
