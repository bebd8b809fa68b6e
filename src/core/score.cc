#include "core/score.h"

#include <algorithm>

#include "core/weekly.h"

namespace maxpool::core {
namespace {

std::optional<double> UsedFraction(std::optional<int64_t> remaining, std::optional<int64_t> limit) {
  if (!remaining || !limit || *limit <= 0) return std::nullopt;
  return 1.0 - static_cast<double>(*remaining) / static_cast<double>(*limit);
}

double ScopedScarcity(const Account& account, ModelFamily family, double reserve_threshold,
                      absl::Time now) {
  if (family == ModelFamily::kNone) return 0;
  const std::optional<ScopedWeekly>& entry = account.state.quota.scoped_weekly[FamilyIndex(family)];
  if (!entry || !entry->is_active || entry->utilization < reserve_threshold) return 0;
  return WindowScarcity(entry->utilization, entry->reset_at, kWeekWindow, now);
}

}  // namespace

namespace {

// Every window's "use it or lose it" scarcity, computed once per account and score.
struct WindowTerms {
  double scarcity = 0;     // §2.5 scarcity(a)
  double utilization = 0;  // §2.5 rawUtil(a)
  double weekly_pace = 0;  // windowScarcity of the unified weekly window (reserve cost)
};

WindowTerms TermsOf(const Account& account, const SchedulerSettings& settings, absl::Time now) {
  const QuotaReading& q = account.state.quota;
  WindowTerms t;
  if (q.unified_5h) {
    t.scarcity =
        std::max(t.scarcity, WindowScarcity(q.unified_5h, q.unified_5h_reset, kSessionWindow, now));
    t.utilization = std::max(t.utilization, Clamp01(q.unified_5h));
  }
  if (q.unified_7d) {
    t.weekly_pace = WindowScarcity(q.unified_7d, q.unified_7d_reset, kWeekWindow, now);
    t.scarcity = std::max(t.scarcity, t.weekly_pace);
    if (settings.weekly_aware_scoring) t.utilization = std::max(t.utilization, t.weekly_pace);
  }
  if (auto used = UsedFraction(q.tokens_remaining, q.tokens_limit)) {
    t.scarcity = std::max(t.scarcity, *used);
    t.utilization = std::max(t.utilization, *used);
  }
  if (auto used = UsedFraction(q.requests_remaining, q.requests_limit)) {
    t.scarcity = std::max(t.scarcity, *used);
  }
  if (q.provider_ses) {
    t.scarcity = std::max(
        t.scarcity, WindowScarcity(q.provider_ses, q.provider_ses_reset, kSessionWindow, now));
    t.utilization = std::max(t.utilization, Clamp01(q.provider_ses));
  }
  if (q.provider_wk) {
    const double pace = WindowScarcity(q.provider_wk, q.provider_wk_reset, kWeekWindow, now);
    t.scarcity = std::max(t.scarcity, pace);
    if (settings.weekly_aware_scoring) t.utilization = std::max(t.utilization, pace);
  }
  return t;
}

}  // namespace

double Scarcity(const Account& account, absl::Time now) {
  return TermsOf(account, SchedulerSettings{}, now).scarcity;
}

double RawUtilization(const Account& account, const SchedulerSettings& settings, absl::Time now) {
  return TermsOf(account, settings, now).utilization;
}

double FastRefillMultiplier(const Account& account, const SchedulerSettings& settings) {
  if (!account.settings.is_provider() || !account.state.quota.weekly_absent) return 1;
  const double ses = Clamp01(account.state.quota.provider_ses);
  const double fade = settings.fast_refill_fade_util;
  if (fade <= 0 || ses >= fade) return 1;
  return 1 - settings.fast_refill_discount * (1 - ses / fade);
}

ScoreBreakdown Score(const Account& account, const RequestInfo& request,
                     const SchedulerSettings& settings, const ScoreInputs& inputs) {
  const AccountState& st = account.state;
  const WeeklyTier raw = inputs.raw_weekly ? *inputs.raw_weekly : RawWeeklyState(account, settings);
  const double m = FastRefillMultiplier(account, settings);
  const WindowTerms terms = TermsOf(account, settings, inputs.now);
  const double inflight = st.active_weight + st.fleet_in_flight + std::max(1, request.weight);
  const bool narrow_target =
      raw == WeeklyTier::kReserve || (raw == WeeklyTier::kCritical && inputs.critical_unlock_cost);
  const double target =
      narrow_target ? settings.reserve_concurrency_target : settings.per_account_concurrency_target;

  ScoreBreakdown b;
  b.concurrency = inflight * settings.concurrency_weight * m;
  b.cap_penalty = settings.cap_penalty_weight * std::max(0.0, inflight - target) * m;
  b.pace = terms.scarcity * settings.pace_cost_weight * m;
  b.utilization = terms.utilization * settings.utilization_weight * m;
  b.scoped_pace =
      ScopedScarcity(account, request.family, settings.weekly_reserve_threshold, inputs.now) *
      settings.pace_cost_weight;
  b.spread = inputs.share * settings.spread_share_weight * m;
  if (st.recovered_at) {
    const absl::Duration age = inputs.now - *st.recovered_at;
    if (age >= absl::ZeroDuration() && age < settings.recovery_ramp) {
      b.recovery_ramp =
          settings.recovery_ramp_weight * (1 - SecondsRatio(age, settings.recovery_ramp));
    }
  }
  if (raw == WeeklyTier::kReserve) {
    const double u = Clamp01(st.quota.unified_7d);
    const double span =
        std::max(1e-6, settings.weekly_critical_threshold - settings.weekly_reserve_threshold);
    const double band = Clamp01((u - settings.weekly_reserve_threshold) / span);
    b.reserve = settings.reserve_floor_cost + settings.reserve_band_weight * band +
                settings.reserve_scarcity_weight * terms.weekly_pace;
  }
  if (raw == WeeklyTier::kCritical && inputs.critical_unlock_cost) {
    b.critical = *inputs.critical_unlock_cost;
  }
  b.failures = st.consecutive_failures * settings.failure_penalty_weight;
  return b;
}

}  // namespace maxpool::core
