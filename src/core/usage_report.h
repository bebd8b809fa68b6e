#pragma once

// What a zero-spend usage probe read (spec §3.5): an OAuth account's GET /api/oauth/usage, or a
// z.ai account's quota monitor. Parsing turns the body's units (percent 0-100, ISO-8601 or epoch
// resets) into the header units the core keeps (fractions 0..1, absl::Time); applying writes
// the reading into a QuotaReading. Pure functions; safe from any thread.

#include <array>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/quota.h"

namespace maxpool::core {

struct UsageWindow {
  double utilization = 0;  // clamped to 0..1
  double raw = 0;          // as read, unclamped
  std::optional<absl::Time> reset;
};

struct UsageReport {
  std::optional<UsageWindow> session;  // OAuth: the 5-hour window; provider: its session
  std::optional<UsageWindow> weekly;   // OAuth: the 7-day window; provider: its week
  // Per model family (FamilyIndex()); meaningful only when `scoped_known` (a `limits[]` body).
  std::array<std::optional<ScopedWeekly>, 4> scoped;
  bool scoped_known = false;
  bool weekly_absent = false;  // the body has no weekly window at all
};

// GET /api/oauth/usage (anthropic-wire.md §5.5). Prefers `limits[]`: kind "session" -> session,
// "weekly_all" -> weekly, "weekly_scoped" with scope.model.display_name -> that model family's
// scoped limit (unknown families are skipped); `percent` / 100, `resets_at` (or `resetsAt`) as
// epoch seconds (< 1e12), epoch milliseconds, a numeric string of either, or an ISO-8601 date.
// Without `limits[]`, the legacy `five_hour` / `seven_day` buckets: `utilization` (else
// `used_percentage`, `usedPercentage`) is always percent, as the wire documents it. A bucket
// whose value is not a finite number is skipped.
// Errors: InvalidArgument, saying what is wrong, for a body that is not a JSON object.
[[nodiscard]] absl::StatusOr<UsageReport> ParseOAuthUsage(std::string_view body);

// z.ai's GET /api/monitor/usage/quota/limit (spec §3.5): requires {"code":200,"data":{...}};
// each `data.limits[]` entry of type TOKENS_LIMIT or CREDIT_LIMIT gives percentage / 100 and
// `nextResetTime` (epoch ms, when > 0). unit 3 -> session, unit 6 -> weekly; other units: a
// CREDIT_LIMIT is ignored, a TOKENS_LIMIT is the session when it resets within 12 h of `now` (or
// has no reset), else the week. TIME_LIMIT entries are ignored. Two entries for one window keep
// the higher utilization. No weekly entry -> `weekly_absent`.
// Errors: InvalidArgument for a body that is not that envelope.
[[nodiscard]] absl::StatusOr<UsageReport> ParseZaiUsage(std::string_view body, absl::Time now);

// An OAuth probe's reading into `quota` (spec §3.5 "Application"): each window read overwrites
// the unified value, its raw value and its reset (a reading without a reset leaves none: the
// window has not started); a `limits[]` body replaces the scoped limits (MergeProbedScopedWeekly
// keeps a live reactive entry); `weekly_absent` is set from the report; `last_probe_ok_at = now`.
// Windows the report does not have keep their stored values.
void ApplyOAuthUsage(QuotaReading& quota, const UsageReport& report, absl::Time now);

// A provider probe's reading into `provider_ses` / `provider_wk` and their resets. A missing
// week clears the stored week (the provider has none), a missing session keeps it;
// `last_probe_ok_at = now`.
void ApplyProviderUsage(QuotaReading& quota, const UsageReport& report, absl::Time now);

}  // namespace maxpool::core
