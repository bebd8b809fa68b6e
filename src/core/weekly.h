#pragma once

// Quota tiers of one account (spec §2.3, §2.4): the session bench, the raw weekly state that gates
// eligibility, and the pace ("burn-debt") state used for hot-session tests and display.
// Pure functions of the account, the settings and the time.

#include <optional>

#include "absl/time/time.h"
#include "core/account.h"
#include "core/settings.h"

namespace maxpool::core {

enum class WeeklyTier { kUnknown, kNormal, kSoft, kReserve, kCritical, kExhausted, kCapped };

// "unknown", "normal", "soft", "reserve", "critical", "exhausted", "capped".
std::string_view WeeklyTierName(WeeklyTier tier);

// Order for comparisons: unknown = normal = 0, soft 1, reserve 2, critical 3, exhausted and
// capped 4.
int TierRank(WeeklyTier tier);

// num / den as a double. Unlike absl::FDivDuration (exact 128-bit division) it is cheap enough
// for the per-account hot path of selection; the precision is not needed there.
double SecondsRatio(absl::Duration num, absl::Duration den);

// x limited to [0, 1]; nullopt and NaN give 0.
double Clamp01(std::optional<double> x);

// "Use it or lose it" (§2.5): the part of `util` that exceeds the elapsed share of the window.
// With an unknown or past reset the utilisation counts at face value.
double WindowScarcity(std::optional<double> util, std::optional<absl::Time> reset,
                      absl::Duration window, absl::Time now);

// The session-window utilisation at which the account is benched: its usage cap when set and
// lower than the switch threshold, else the switch threshold.
double Bench(const AccountSettings& account, const SchedulerSettings& settings);

// True when any session-window signal (5h, API-key tokens or requests, provider session) is at or
// above the bench (§2.3).
bool SessionUnavailable(const Account& account, const SchedulerSettings& settings);

// The raw weekly state used by every eligibility gate (§2.4).
WeeklyTier RawWeeklyState(const Account& account, const SchedulerSettings& settings);

// Weekly usage adjusted for pace (§2.4): used + burn debt x weight, at most 1.5. Claude accounts
// only; providers and accounts without a weekly reading return their raw usage.
double PaceEffectiveUsage(const Account& account, const SchedulerSettings& settings,
                          absl::Time now);

// Tiers applied to the pace-adjusted usage; kUnknown without a weekly reading; providers use the
// raw state. Never an eligibility gate.
WeeklyTier PaceState(const Account& account, const SchedulerSettings& settings, absl::Time now);

// Session-window usage for hot-session tests: max(unified 5h, provider session), unknown = 0.
double SessionUsage(const Account& account);

}  // namespace maxpool::core
