#pragma once

// The GET /api/oauth/usage body (anthropic-wire.md §5.5, maxpool-behaviour.md §3.5) for an OAuth
// account's quota snapshot. Units are the body's, not the headers': percent 0-100 and ISO-8601
// resets ("2026-08-04T16:20:00.000000+00:00").
//   * legacy buckets: "five_hour" / "seven_day" {"utilization":<float percent>,"resets_at",
//     "limit_dollars":null,…}; "seven_day_opus" / "seven_day_sonnet" from a scoped weekly limit of
//     that family, else null; the other codename buckets null; "extra_usage" disabled.
//   * "limits": session (5h), weekly_all (7d), then one weekly_scoped per scoped model, each
//     {"kind","group","percent":<int, floored>,"severity","resets_at","scope","is_active"}.
//     severity: normal < 75 % <= warning < 90 % <= critical ([UNCERTAIN] thresholds); is_active:
//     the entries with the highest percent ([UNCERTAIN]: the capture marks the binding one).
// Pure; thread-safe.

#include <string>

#include "fake/fake_account.h"

namespace maxpool::fake {

std::string UsageJson(const QuotaSnapshot& quota);

// "2026-08-04T16:20:00.000000+00:00".
std::string FormatUsageTime(absl::Time t);

}  // namespace maxpool::fake
