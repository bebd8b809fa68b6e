// The retry oracle (spec §2.8): when can this request be served, and why not now.

#include <algorithm>

#include "core/quota_headers.h"
#include "core/router.h"
#include "core/weekly.h"

namespace maxpool::core {
namespace {

constexpr absl::Duration kBoundedHold = absl::Seconds(60);

using AccountRetry = Router::AccountRetry;

AccountRetry Retry(RetryCause cause, std::optional<absl::Time> at = std::nullopt,
                   bool queueable = false, bool terminal = false, bool critical = false) {
  AccountRetry r;
  r.cause = cause;
  r.at = at;
  r.queueable = queueable;
  r.terminal = terminal;
  r.critical = critical;
  return r;
}

bool LimitReached(std::optional<int64_t> remaining, std::optional<int64_t> limit, double bench) {
  if (!remaining || !limit || *limit <= 0) return false;
  return 1.0 - static_cast<double>(*remaining) / static_cast<double>(*limit) >= bench;
}

std::optional<AccountRetry> ShortTermBlocker(const Account& account,
                                             const SchedulerSettings& settings, absl::Time now) {
  const AccountState& st = account.state;
  const QuotaReading& q = st.quota;
  if (st.status == AccountStatus::kThrottled && st.rate_limited_until &&
      *st.rate_limited_until > now) {
    return Retry(RetryCause::kRateLimited, st.rate_limited_until, true);
  }
  if (st.cooldown_until && *st.cooldown_until > now) {
    return Retry(RetryCause::kCooldown, st.cooldown_until, true);
  }
  if (st.provisional_upstream_until && *st.provisional_upstream_until > now) {
    return Retry(RetryCause::kUpstreamFailure, st.provisional_upstream_until, true);
  }
  const double bench = Bench(account.settings, settings);
  if (q.unified_5h && *q.unified_5h >= bench) {
    return Retry(RetryCause::kSessionLimit, q.unified_5h_reset, q.unified_5h_reset.has_value());
  }
  if (LimitReached(q.tokens_remaining, q.tokens_limit, bench)) {
    return Retry(RetryCause::kTokenLimit, q.resets_at, q.resets_at.has_value());
  }
  if (LimitReached(q.requests_remaining, q.requests_limit, bench)) {
    return Retry(RetryCause::kRequestLimit, q.resets_at, q.resets_at.has_value());
  }
  if (account.settings.is_provider() && q.provider_ses && *q.provider_ses >= bench) {
    return Retry(RetryCause::kSessionLimit, q.provider_ses_reset, q.provider_ses_reset.has_value());
  }
  if (q.generic_remaining && *q.generic_remaining <= 0) {
    return Retry(RetryCause::kProviderLimit, q.generic_reset, q.generic_reset.has_value());
  }
  return std::nullopt;
}

}  // namespace

// Per-account retry info, in precedence order (§2.8).
Router::AccountRetry Router::RetryInfoFor(Account& a, const RequestInfo& request, absl::Time now) {
  AccountRetry info;
  const AccountState& st = a.state;
  const bool claude = !a.settings.is_provider();
  const WeeklyTier raw = RawWeeklyState(a, settings_);
  if (!a.settings.enabled) {
    info = Retry(RetryCause::kDisabled, std::nullopt, false, true);
  } else if (st.status == AccountStatus::kError) {
    info = Retry(RetryCause::kError, std::nullopt, false, true);
  } else if (st.status == AccountStatus::kExhausted) {
    info = Retry(RetryCause::kExhausted, std::nullopt, false, true);
  } else if (request.family != ModelFamily::kNone &&
             ScopedWeeklyExhausted(st.quota, request.family,
                                   settings_.weekly_exhausted_threshold)) {
    info = Retry(RetryCause::kWeeklyExhausted,
                 st.quota.scoped_weekly[FamilyIndex(request.family)]->reset_at, false);
  } else if (const ProviderPeak* peak = PeakOf(a);
             peak != nullptr && PeakBarred(*peak, EvaluatePeak(*peak, now))) {
    // §2.8 step 4: barred until its peak ends, or later when something else holds it longer.
    const absl::Time peak_end = EvaluatePeak(*peak, now).ends_at;
    absl::Time at = peak_end;
    if (std::optional<AccountRetry> blocker = ShortTermBlocker(a, settings_, now);
        blocker && blocker->at) {
      at = std::max(at, *blocker->at);
    }
    std::optional<absl::Time> weekly_reset;
    if (raw == WeeklyTier::kExhausted || raw == WeeklyTier::kCapped) {
      weekly_reset = st.quota.provider_wk_reset;
      if (weekly_reset) at = std::max(at, *weekly_reset);
    }
    const bool weekly = weekly_reset && *weekly_reset >= peak_end;
    info = Retry(weekly ? RetryCause::kWeeklyExhausted : RetryCause::kPeakWindow, at, true);
  } else {
    std::optional<AccountRetry> blocker = ShortTermBlocker(a, settings_, now);
    if (raw == WeeklyTier::kExhausted || raw == WeeklyTier::kCapped) {
      std::optional<absl::Time> reset =
          claude ? st.quota.unified_7d_reset : st.quota.provider_wk_reset;
      if (!reset) reset = st.quota.provider_wk_reset;
      info = Retry(RetryCause::kWeeklyExhausted, reset, false);
    } else if (raw == WeeklyTier::kCritical) {
      if (Available(a, {true, true, request.family}, now)) {
        info = Retry(RetryCause::kWeeklyCriticalLastResort);
      } else if (blocker) {
        info = *blocker;
        info.critical = true;
      } else {
        info = Retry(RetryCause::kWeeklyCritical, std::nullopt, false, false, true);
      }
    } else if (blocker) {
      info = *blocker;
    } else if (InFlightEverywhere(st) >= settings_.safety_max_active_per_account ||
               global_in_flight_ >= settings_.safety_max_global_active) {
      info = Retry(RetryCause::kConcurrencyCap);
    } else {
      info = Retry(RetryCause::kUnavailable);
    }
  }
  return info;
}

UnavailabilityCensus Router::Census(const RequestInfo& request) {
  const absl::Time now = clock_.Now();
  UnavailabilityCensus census;
  for (Account& a : accounts_) {
    if (a.settings.is_provider()) continue;
    if (!a.settings.enabled) {
      ++census.disabled;
      continue;
    }
    const AccountRetry info = RetryInfoFor(a, request, now);
    switch (info.cause) {
      case RetryCause::kError:
        ++census.errored;
        break;
      case RetryCause::kExhausted:
      case RetryCause::kWeeklyExhausted:
      case RetryCause::kSessionLimit:
      case RetryCause::kTokenLimit:
      case RetryCause::kRequestLimit:
      case RetryCause::kRateLimited:
        ++census.quota;
        ++census.eligible;
        break;
      case RetryCause::kCooldown:
        if (info.at && *info.at - now <= settings_.network_cooldown) ++census.network;
        [[fallthrough]];
      case RetryCause::kUpstreamFailure:
      case RetryCause::kConcurrencyCap:
      case RetryCause::kWeeklyCritical:
        ++census.transient;
        ++census.eligible;
        break;
      default:
        ++census.other;
        ++census.eligible;
        break;
    }
    census.outages.push_back({a.settings.name, info.cause, info.at});
  }
  using Dominant = UnavailabilityCensus::Dominant;
  if (census.eligible == 0) {
    census.dominant = Dominant::kNone;
  } else if (census.quota >= std::max(1, (census.eligible + 1) / 2)) {
    census.dominant = Dominant::kQuota;
  } else if (census.transient > 0) {
    census.dominant = Dominant::kTransient;
  } else {
    census.dominant = Dominant::kOther;
  }
  return census;
}

std::string_view RetryCauseName(RetryCause cause) {
  switch (cause) {
    case RetryCause::kAvailable:
      return "available";
    case RetryCause::kUpstreamThrottle:
      return "upstream_throttle";
    case RetryCause::kUpstreamProbe:
      return "upstream_probe";
    case RetryCause::kQueuedBehindFairness:
      return "queued_behind_fairness";
    case RetryCause::kWeeklyCriticalLastResort:
      return "weekly_critical_last_resort";
    case RetryCause::kRateLimited:
      return "rate_limited";
    case RetryCause::kCooldown:
      return "cooldown";
    case RetryCause::kUpstreamFailure:
      return "upstream_failure";
    case RetryCause::kSessionLimit:
      return "session_limit";
    case RetryCause::kTokenLimit:
      return "token_limit";
    case RetryCause::kRequestLimit:
      return "request_limit";
    case RetryCause::kProviderLimit:
      return "provider_limit";
    case RetryCause::kPeakWindow:
      return "peak_window";
    case RetryCause::kWeeklyExhausted:
      return "weekly_exhausted";
    case RetryCause::kWeeklyCritical:
      return "weekly_critical";
    case RetryCause::kConcurrencyCap:
      return "concurrency_cap";
    case RetryCause::kWeeklyResetUnknown:
      return "weekly_reset_unknown";
    case RetryCause::kUnavailable:
      return "unavailable";
    case RetryCause::kNoEligibleRoute:
      return "no_eligible_route";
    case RetryCause::kDisabled:
      return "disabled";
    case RetryCause::kError:
      return "error";
    case RetryCause::kExhausted:
      return "exhausted";
  }
  return "unavailable";
}

bool Router::HasAvailableRoute(const RequestInfo& request, const RouteState& route) {
  const absl::Time now = clock_.Now();
  // As selection does: what ends a block (and whether a recovery ramp follows) never depends on
  // which call noticed the expiry first.
  ClearExpiredQuotas();
  for (size_t i = 0; i < accounts_.size(); ++i) {
    Account& a = accounts_[i];
    if (Excluded(route, i) || !Matches(a, request, route, now)) continue;
    if (Available(a, {true, true, request.family}, now)) return true;
  }
  return false;
}

RetryPlan Router::NextRetry(const RequestInfo& request, const RouteState& route) {
  const absl::Time now = clock_.Now();
  ClearExpiredQuotas();

  if (breaker_.Blocking(now)) {
    bool provider_available = false;
    for (size_t i = 0; i < accounts_.size() && !provider_available; ++i) {
      Account& a = accounts_[i];
      provider_available = a.settings.is_provider() && !Excluded(route, i) &&
                           Matches(a, request, route, now) &&
                           Available(a, {true, false, request.family}, now);
    }
    if (!provider_available) {
      const bool probing = breaker_.until() && now >= *breaker_.until();
      return RetryPlan{false, breaker_.RetryAfter(now),
                       probing ? RetryCause::kUpstreamProbe : RetryCause::kUpstreamThrottle};
    }
  }

  std::optional<absl::Duration> temporary, weekly, bounded;
  RetryCause temporary_cause = RetryCause::kUnavailable;
  RetryCause weekly_cause = RetryCause::kWeeklyExhausted;
  RetryCause bounded_cause = RetryCause::kConcurrencyCap;
  bool weekly_unknown = false;
  bool any_matched = false;

  for (size_t i = 0; i < accounts_.size(); ++i) {
    Account& a = accounts_[i];
    if (Excluded(route, i)) continue;
    const bool claude = !a.settings.is_provider();
    // A newcomer behind the FIFO queue waits its turn (bounded re-poll) instead of failing.
    // Deliberate deviation from the reference (§13 item 17), which holds only signed-thinking
    // newcomers and answers the rest 429 at once: holding them keeps "no 429 while capacity
    // remains", and the queue's own caps (§5.5) still push back.
    const bool fairness_blocked = claude && Compatible(a, request) && !admission_paused_ &&
                                  !breaker_.Blocking(now) && queue_waiting_ > 0 &&
                                  !route.has_ticket && !route.admitted;
    if (!fairness_blocked && !Matches(a, request, route, now)) continue;
    any_matched = true;
    if (!fairness_blocked && Available(a, {true, false, request.family}, now)) {
      return RetryPlan{true, absl::ZeroDuration(), RetryCause::kAvailable};
    }
    if (fairness_blocked && Available(a, {true, true, request.family}, now)) {
      if (!bounded || kBoundedHold < *bounded) {
        bounded = kBoundedHold;
        bounded_cause = RetryCause::kQueuedBehindFairness;
      }
      continue;
    }

    const AccountRetry info_or = RetryInfoFor(a, request, now);
    if (info_or.cause == RetryCause::kWeeklyCriticalLastResort) {
      return RetryPlan{true, absl::ZeroDuration(), RetryCause::kWeeklyCriticalLastResort};
    }
    const AccountRetry& info = info_or;
    if (info.terminal) continue;

    if (info.cause == RetryCause::kWeeklyExhausted) {
      if (fairness_blocked) continue;
      if (info.at) {
        const absl::Duration wait = *info.at - now;
        if (!weekly || wait < *weekly) weekly = wait;
      } else {
        weekly_unknown = true;
      }
      continue;
    }
    if (info.queueable && info.at) {
      const absl::Duration wait = *info.at - now;
      if (!temporary || wait < *temporary) {
        temporary = wait;
        temporary_cause = info.cause;
      }
      continue;
    }
    if (info.critical || info.cause == RetryCause::kWeeklyCritical ||
        info.cause == RetryCause::kConcurrencyCap) {
      const RetryCause cause = info.critical || info.cause == RetryCause::kWeeklyCritical
                                   ? RetryCause::kWeeklyCritical
                                   : RetryCause::kConcurrencyCap;
      if (!bounded || kBoundedHold < *bounded ||
          (kBoundedHold == *bounded && cause == RetryCause::kWeeklyCritical)) {
        bounded = kBoundedHold;
        if (bounded_cause != RetryCause::kWeeklyCritical) bounded_cause = cause;
      }
    }
  }

  std::optional<absl::Duration> best;
  RetryCause best_cause = RetryCause::kUnavailable;
  auto consider = [&](std::optional<absl::Duration> wait, RetryCause cause) {
    if (wait && (!best || *wait < *best)) {
      best = wait;
      best_cause = cause;
    }
  };
  consider(temporary, temporary_cause);
  consider(weekly, weekly_cause);
  consider(bounded, bounded_cause);
  if (best) return RetryPlan{false, std::max(absl::ZeroDuration(), *best), best_cause};
  if (weekly_unknown) return RetryPlan{false, std::nullopt, RetryCause::kWeeklyResetUnknown};
  return RetryPlan{false, std::nullopt,
                   any_matched ? RetryCause::kUnavailable : RetryCause::kNoEligibleRoute};
}

}  // namespace maxpool::core
