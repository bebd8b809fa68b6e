#include "core/weekly.h"

#include <algorithm>
#include <cmath>

namespace maxpool::core {
namespace {

WeeklyTier TierOf(double u, const SchedulerSettings& s) {
  if (u >= s.weekly_critical_threshold) return WeeklyTier::kCritical;
  if (u >= s.weekly_reserve_threshold) return WeeklyTier::kReserve;
  if (u >= s.weekly_soft_threshold) return WeeklyTier::kSoft;
  return WeeklyTier::kNormal;
}

bool AtLeast(std::optional<double> v, double threshold) { return v && *v >= threshold; }

bool StatusAllowed(UnifiedStatus status) {
  return status == UnifiedStatus::kAllowed || status == UnifiedStatus::kAllowedWarning;
}

}  // namespace

std::string_view WeeklyTierName(WeeklyTier tier) {
  switch (tier) {
    case WeeklyTier::kUnknown:
      return "unknown";
    case WeeklyTier::kNormal:
      return "normal";
    case WeeklyTier::kSoft:
      return "soft";
    case WeeklyTier::kReserve:
      return "reserve";
    case WeeklyTier::kCritical:
      return "critical";
    case WeeklyTier::kExhausted:
      return "exhausted";
    case WeeklyTier::kCapped:
      return "capped";
  }
  return "unknown";
}

int TierRank(WeeklyTier tier) {
  switch (tier) {
    case WeeklyTier::kUnknown:
    case WeeklyTier::kNormal:
      return 0;
    case WeeklyTier::kSoft:
      return 1;
    case WeeklyTier::kReserve:
      return 2;
    case WeeklyTier::kCritical:
      return 3;
    case WeeklyTier::kExhausted:
    case WeeklyTier::kCapped:
      return 4;
  }
  return 0;
}

double SecondsRatio(absl::Duration num, absl::Duration den) {
  // Whole microseconds: absl::ToDoubleSeconds goes through FDivDuration and costs several times
  // more on this hot path (bench/selection_bench).
  return static_cast<double>(absl::ToInt64Microseconds(num)) /
         static_cast<double>(absl::ToInt64Microseconds(den));
}

double Clamp01(std::optional<double> x) {
  if (!x || std::isnan(*x)) return 0;
  return std::clamp(*x, 0.0, 1.0);
}

double WindowScarcity(std::optional<double> util, std::optional<absl::Time> reset,
                      absl::Duration window, absl::Time now) {
  const double used = Clamp01(util);
  if (!reset || *reset <= now) return used;
  const double elapsed = Clamp01(1 - SecondsRatio(*reset - now, window));
  return std::max(0.0, used - elapsed);
}

double Bench(const AccountSettings& account, const SchedulerSettings& settings) {
  if (account.cap_utilization && *account.cap_utilization < settings.switch_threshold) {
    return *account.cap_utilization;
  }
  return settings.switch_threshold;
}

bool SessionUnavailable(const Account& account, const SchedulerSettings& settings) {
  const double bench = Bench(account.settings, settings);
  const QuotaReading& q = account.state.quota;
  if (AtLeast(q.unified_5h, bench)) return true;
  if (q.tokens_limit && q.tokens_remaining && *q.tokens_limit > 0 &&
      1.0 - static_cast<double>(*q.tokens_remaining) / static_cast<double>(*q.tokens_limit) >=
          bench) {
    return true;
  }
  if (q.requests_limit && q.requests_remaining && *q.requests_limit > 0 &&
      1.0 - static_cast<double>(*q.requests_remaining) / static_cast<double>(*q.requests_limit) >=
          bench) {
    return true;
  }
  return account.settings.is_provider() && AtLeast(q.provider_ses, bench);
}

WeeklyTier RawWeeklyState(const Account& account, const SchedulerSettings& settings) {
  const QuotaReading& q = account.state.quota;
  const double exhausted = settings.weekly_exhausted_threshold;
  // Account-wide rejection (§2.4), counted as weekly only when the weekly window is the one used
  // up. A `rejected` with the 5-hour window at 100% and the week healthy is a 5-hour limit: the
  // session bench and the 429's own bench cover it until the 5-hour reset, which the retry oracle
  // then names and a hold can wait for. (The reference counts it as weekly exhaustion, which
  // sends the client days of retry-after for a limit that lifts within hours.)
  if (q.unified_status == UnifiedStatus::kRejected && AtLeast(q.unified_7d, exhausted)) {
    return WeeklyTier::kExhausted;
  }
  const std::optional<double>& cap = account.settings.cap_utilization;
  if (account.settings.is_provider()) {
    const double u = std::max(q.provider_ses.value_or(0), q.provider_wk.value_or(0));
    if (cap && u >= *cap) return WeeklyTier::kCapped;
    if (u >= exhausted) return WeeklyTier::kExhausted;
    return TierOf(u, settings);
  }
  if (!q.unified_7d) return WeeklyTier::kUnknown;
  const double u = Clamp01(q.unified_7d);
  if (cap && u >= *cap) return WeeklyTier::kCapped;
  // Upstream still saying "allowed" at 100% is not exhaustion (§14 item 19).
  if (u >= exhausted && !StatusAllowed(q.unified_status)) return WeeklyTier::kExhausted;
  return TierOf(u, settings);
}

double PaceEffectiveUsage(const Account& account, const SchedulerSettings& settings,
                          absl::Time now) {
  const QuotaReading& q = account.state.quota;
  if (account.settings.is_provider()) {
    return std::max(q.provider_ses.value_or(0), q.provider_wk.value_or(0));
  }
  const double used = Clamp01(q.unified_7d);
  if (!q.unified_7d_reset) return used;
  const absl::Duration left = std::max(absl::ZeroDuration(), *q.unified_7d_reset - now);
  const double elapsed = Clamp01(SecondsRatio(kWeekWindow - left, kWeekWindow));
  const double burn_debt = std::max(0.0, used - elapsed);
  return std::min(1.5, used + burn_debt * settings.weekly_burn_debt_weight);
}

WeeklyTier PaceState(const Account& account, const SchedulerSettings& settings, absl::Time now) {
  if (account.settings.is_provider()) return RawWeeklyState(account, settings);
  if (!account.state.quota.unified_7d) return WeeklyTier::kUnknown;
  const double u = PaceEffectiveUsage(account, settings, now);
  if (u >= settings.weekly_exhausted_threshold) return WeeklyTier::kExhausted;
  return TierOf(u, settings);
}

double SessionUsage(const Account& account) {
  const QuotaReading& q = account.state.quota;
  return std::max(q.unified_5h.value_or(0), q.provider_ses.value_or(0));
}

}  // namespace maxpool::core
