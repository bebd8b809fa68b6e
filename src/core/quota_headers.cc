#include "core/quota_headers.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "core/absl_view.h"
#include "core/retry_after.h"

namespace maxpool::core {
namespace {

std::string_view Trim(std::string_view s) {
  return StdView(absl::StripAsciiWhitespace(AbslView(s)));
}

std::optional<double> ParseFloat(std::string_view value) {
  double v = 0;
  if (!absl::SimpleAtod(AbslView(Trim(value)), &v) || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

// ECMAScript parseInt(text, 10): optional sign and the leading digits; the rest is ignored
// ("100;w=60" -> 100). nullopt without digits or on overflow.
std::optional<int64_t> ParseLeadingInt(std::string_view value) {
  const std::string_view text = StdView(absl::StripLeadingAsciiWhitespace(AbslView(value)));
  size_t end = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  const size_t digits_start = end;
  while (end < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[end]))) ++end;
  if (end == digits_start) return std::nullopt;
  int64_t v = 0;
  if (!absl::SimpleAtoi(AbslView(text.substr(0, end)), &v)) return std::nullopt;
  return v;
}

std::optional<UnifiedStatus> ParseUnifiedStatus(std::string_view value) {
  const absl::string_view text = absl::StripAsciiWhitespace(AbslView(value));
  if (absl::EqualsIgnoreCase(text, "allowed")) return UnifiedStatus::kAllowed;
  if (absl::EqualsIgnoreCase(text, "allowed_warning")) return UnifiedStatus::kAllowedWarning;
  if (absl::EqualsIgnoreCase(text, "rejected")) return UnifiedStatus::kRejected;
  return std::nullopt;
}

// Reads `name` into `field` with `parse`; an unparseable value keeps the field. Returns whether
// the header was present.
template <typename T, typename Parse>
bool Read(const HeaderSource& headers, std::string_view name, std::optional<T>& field,
          Parse parse) {
  const std::optional<std::string_view> value = headers.Find(name);
  if (!value.has_value()) return false;
  if (std::optional<T> parsed = parse(*value)) field = *parsed;
  return true;
}

// The first header of `names` that is present, if any.
std::optional<std::string_view> FirstPresent(const HeaderSource& headers,
                                             std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (std::optional<std::string_view> value = headers.Find(name)) return value;
  }
  return std::nullopt;
}

// Generic provider counters: the first comma-separated element as an int (§3.1).
bool ReadGenericInt(const HeaderSource& headers, std::initializer_list<std::string_view> names,
                    std::optional<int64_t>& field) {
  const std::optional<std::string_view> value = FirstPresent(headers, names);
  if (!value.has_value()) return false;
  if (std::optional<int64_t> parsed = ParseLeadingInt(value->substr(0, value->find(',')))) {
    field = *parsed;
  }
  return true;
}

// A unified utilization: `raw` as sent, `clamped` = clamp01(raw) (§3.1). Returns presence.
bool ReadUtilization(const HeaderSource& headers, std::string_view name,
                     std::optional<double>& clamped, std::optional<double>& raw) {
  const std::optional<std::string_view> value = headers.Find(name);
  if (!value.has_value()) return false;
  if (const std::optional<double> parsed = ParseFloat(*value)) {
    raw = *parsed;
    clamped = std::clamp(*parsed, 0.0, 1.0);
  }
  return true;
}

bool AtLeastExhausted(const std::optional<double>& utilization) {
  return utilization.has_value() && *utilization >= kExhaustedUtilization;
}

}  // namespace

bool ApplyResponseHeaders(QuotaReading& quota, const HeaderSource& headers, absl::Time now) {
  bool any = false;

  // Unified (subscription) windows.
  any |= ReadUtilization(headers, "anthropic-ratelimit-unified-5h-utilization", quota.unified_5h,
                         quota.unified_5h_raw);
  any |= ReadUtilization(headers, "anthropic-ratelimit-unified-7d-utilization", quota.unified_7d,
                         quota.unified_7d_raw);
  auto reset = [now](std::string_view v) { return ParseReset(v, now); };
  Read(headers, "anthropic-ratelimit-unified-5h-reset", quota.unified_5h_reset, reset);
  Read(headers, "anthropic-ratelimit-unified-7d-reset", quota.unified_7d_reset, reset);
  if (std::optional<std::string_view> value = headers.Find("anthropic-ratelimit-unified-status")) {
    if (std::optional<UnifiedStatus> status = ParseUnifiedStatus(*value)) {
      // A bare `rejected` with healthy buckets is a per-model sub-limit (§3.1, §14 item 18).
      if (*status == UnifiedStatus::kRejected && !AtLeastExhausted(quota.unified_5h) &&
          !AtLeastExhausted(quota.unified_7d)) {
        status = UnifiedStatus::kAllowed;
      }
      quota.unified_status = *status;
    }
  }

  // Standard API-key limits.
  any |= Read(headers, "anthropic-ratelimit-tokens-limit", quota.tokens_limit, ParseLeadingInt);
  any |= Read(headers, "anthropic-ratelimit-tokens-remaining", quota.tokens_remaining,
              ParseLeadingInt);
  any |= Read(headers, "anthropic-ratelimit-requests-limit", quota.requests_limit, ParseLeadingInt);
  any |= Read(headers, "anthropic-ratelimit-requests-remaining", quota.requests_remaining,
              ParseLeadingInt);
  for (std::string_view name :
       {"anthropic-ratelimit-tokens-reset", "anthropic-ratelimit-requests-reset"}) {
    std::optional<std::string_view> value = headers.Find(name);
    if (!value.has_value()) continue;
    if (std::optional<absl::Time> at = ParseReset(*value, now)) {
      quota.resets_at = *at;
      break;
    }
  }

  // Generic provider limits.
  any |= ReadGenericInt(headers,
                        {"x-ratelimit-limit", "x-rate-limit-limit", "ratelimit-limit",
                         "x-ratelimit-limit-requests", "x-ratelimit-requests-limit"},
                        quota.generic_limit);
  any |= ReadGenericInt(headers,
                        {"x-ratelimit-remaining", "x-rate-limit-remaining", "ratelimit-remaining",
                         "x-ratelimit-remaining-requests", "x-ratelimit-requests-remaining"},
                        quota.generic_remaining);
  if (std::optional<std::string_view> value =
          FirstPresent(headers, {"x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset",
                                 "x-ratelimit-reset-requests", "x-ratelimit-requests-reset"})) {
    if (std::optional<absl::Time> at = ParseReset(*value, now)) quota.generic_reset = *at;
  }

  if (any) quota.last_header_quota_at = now;
  return any;
}

ClearedWindows ClearExpiredWindows(QuotaReading& quota, absl::Time now) {
  ClearedWindows cleared;
  if (quota.unified_5h.has_value() && quota.unified_5h_reset.has_value() &&
      now >= *quota.unified_5h_reset) {
    quota.unified_5h.reset();
    quota.unified_5h_raw.reset();
    quota.unified_5h_reset.reset();
    cleared.session = true;
  }
  if (quota.unified_7d.has_value() && quota.unified_7d_reset.has_value() &&
      now >= *quota.unified_7d_reset) {
    quota.unified_7d.reset();
    quota.unified_7d_raw.reset();
    quota.unified_7d_reset.reset();
    quota.unified_status = UnifiedStatus::kUnknown;
    cleared.weekly = true;
  }
  for (size_t i = 0; i < quota.scoped_weekly.size(); ++i) {
    std::optional<ScopedWeekly>& entry = quota.scoped_weekly[i];
    if (entry.has_value() && entry->reset_at.has_value() && *entry->reset_at <= now) {
      entry.reset();
      cleared.scoped[i] = true;
    }
  }
  if (quota.resets_at.has_value() && now >= *quota.resets_at) {
    quota.tokens_limit.reset();
    quota.tokens_remaining.reset();
    quota.requests_limit.reset();
    quota.requests_remaining.reset();
    quota.resets_at.reset();
    cleared.api_key = true;
  }
  return cleared;
}

void RecordModelScopedLimit(QuotaReading& quota, ModelFamily family, absl::Duration retry_after,
                            absl::Time now) {
  if (family == ModelFamily::kNone) return;
  quota.scoped_weekly[FamilyIndex(family)] = ScopedWeekly{
      .utilization = 1.0,
      .reset_at = now + retry_after,
      .severity = "critical",
      .is_active = true,
      .reactive = true,
  };
}

bool ScopedWeeklyExhausted(const QuotaReading& quota, ModelFamily family, double threshold) {
  if (family == ModelFamily::kNone) return false;
  const std::optional<ScopedWeekly>& entry = quota.scoped_weekly[FamilyIndex(family)];
  return entry.has_value() && entry->is_active && entry->utilization >= threshold;
}

void MergeProbedScopedWeekly(QuotaReading& quota,
                             const std::array<std::optional<ScopedWeekly>, 4>& probed,
                             absl::Time now) {
  for (size_t i = 0; i < quota.scoped_weekly.size(); ++i) {
    const std::optional<ScopedWeekly>& current = quota.scoped_weekly[i];
    const bool keep_reactive =
        current.has_value() && current->reactive && current->reset_at.has_value() &&
        *current->reset_at > now &&
        (!probed[i].has_value() || probed[i]->utilization < current->utilization);
    if (!keep_reactive) quota.scoped_weekly[i] = probed[i];
  }
}

}  // namespace maxpool::core
