#include "pool/account_state.h"

#include <optional>

#include "core/quota_headers.h"
#include "core/weekly.h"

namespace maxpool::pool {
namespace {

// A state and its reason: `reason` unless `prefer_last_error` and the account has one.
struct Classified {
  AccountState state = AccountState::kActive;
  std::string_view reason;
  bool prefer_last_error = false;
};

bool Pending(const std::optional<absl::Time>& until, absl::Time now) {
  return until.has_value() && *until > now;
}

bool AtBench(std::optional<int64_t> remaining, std::optional<int64_t> limit, double bench) {
  if (!remaining || !limit || *limit <= 0) return false;
  return 1.0 - static_cast<double>(*remaining) / static_cast<double>(*limit) >= bench;
}

// Why the account is out of quota, or empty. Mirrors the quota gates of
// core::Router::EligibleTier (status, core::RawWeeklyState, core::SessionUnavailable).
std::string_view ExhaustedReason(const core::Account& account,
                                 const core::SchedulerSettings& settings) {
  if (account.state.status == core::AccountStatus::kExhausted) return "quota_exhausted";
  // The session window first: when both windows are out, the 5-hour one lifts first.
  if (core::SessionUnavailable(account, settings)) {
    const core::QuotaReading& q = account.state.quota;
    const double bench = core::Bench(account.settings, settings);
    if (AtBench(q.tokens_remaining, q.tokens_limit, bench)) return "token_limit";
    if (AtBench(q.requests_remaining, q.requests_limit, bench)) return "request_limit";
    return "session_limit";
  }
  const core::WeeklyTier tier = core::RawWeeklyState(account, settings);
  if (tier == core::WeeklyTier::kExhausted) return "weekly_limit";
  if (tier == core::WeeklyTier::kCapped) return "usage_cap";
  return {};
}

// The rules of account_state.h, with the quota as recorded (no window clearing).
Classified ClassifyRecorded(const core::Account& account, const core::SchedulerSettings& settings,
                            absl::Time now) {
  const core::AccountState& st = account.state;
  if (!account.settings.enabled) return {AccountState::kDisabled, "disabled"};
  if (st.refresh_dead) return {AccountState::kNeedsLogin, "refresh_dead"};
  if (st.status == core::AccountStatus::kError) return {AccountState::kNeedsLogin, "auth_dead"};
  const bool cooling = Pending(st.cooldown_until, now);
  if (cooling && !account.settings.is_provider() && st.last_error == "forbidden") {
    return {AccountState::kBanned, "forbidden"};
  }
  if (const std::string_view why = ExhaustedReason(account, settings); !why.empty()) {
    return {AccountState::kExhausted, why};
  }
  if (st.status == core::AccountStatus::kThrottled && Pending(st.rate_limited_until, now)) {
    return {AccountState::kThrottled, "rate_limited", true};
  }
  if (Pending(st.provisional_upstream_until, now)) {
    return {AccountState::kThrottled, "upstream_throttled", true};
  }
  if (cooling) return {AccountState::kCooling, "cooldown", true};
  return {AccountState::kActive, {}};
}

bool HasExpiredWindow(const core::QuotaReading& q, absl::Time now) {
  return (q.unified_5h && q.unified_5h_reset && now >= *q.unified_5h_reset) ||
         (q.unified_7d && q.unified_7d_reset && now >= *q.unified_7d_reset) ||
         (q.resets_at && now >= *q.resets_at);
}

// The rules at `now`, with the windows whose reset has passed cleared as the router clears them
// (core::ClearExpiredWindows). Copies the account only in that case.
Classified ClassifyAt(const core::Account& account, const core::SchedulerSettings& settings,
                      absl::Time now) {
  if (!HasExpiredWindow(account.state.quota, now)) {
    return ClassifyRecorded(account, settings, now);
  }
  core::Account cleared = account;
  core::ClearExpiredWindows(cleared.state.quota, now);
  return ClassifyRecorded(cleared, settings, now);  // its reason is a literal, not in `cleared`
}

// The first instant after `now` at which the state differs from `state`: time only ends blocks
// and resets windows, so it is one of those instants.
absl::Time Until(const core::Account& account, const core::SchedulerSettings& settings,
                 absl::Time now, AccountState state) {
  const core::AccountState& st = account.state;
  const core::QuotaReading& q = st.quota;
  // The candidate instants in increasing order (a handful: no container needed).
  absl::Time after = now;
  for (;;) {
    absl::Time next = absl::InfiniteFuture();
    for (const std::optional<absl::Time>& t :
         {st.rate_limited_until, st.provisional_upstream_until, st.cooldown_until,
          q.unified_5h_reset, q.unified_7d_reset, q.resets_at}) {
      if (Pending(t, after) && *t < next) next = *t;
    }
    if (next == absl::InfiniteFuture()) return next;
    if (ClassifyAt(account, settings, next).state != state) return next;
    after = next;
  }
}

}  // namespace

std::string_view AccountStateName(AccountState state) {
  switch (state) {
    case AccountState::kNone:
      return "none";
    case AccountState::kActive:
      return "active";
    case AccountState::kThrottled:
      return "throttled";
    case AccountState::kCooling:
      return "cooling";
    case AccountState::kExhausted:
      return "exhausted";
    case AccountState::kNeedsLogin:
      return "needs_login";
    case AccountState::kBanned:
      return "banned";
    case AccountState::kDisabled:
      return "disabled";
  }
  return "none";  // unreachable for valid enumerators
}

AccountStateView DescribeAccountState(const core::Account& account,
                                      const core::SchedulerSettings& settings, absl::Time now) {
  const Classified classified = ClassifyAt(account, settings, now);
  AccountStateView view;
  view.state = classified.state;
  if (classified.prefer_last_error && !account.state.last_error.empty()) {
    view.reason = account.state.last_error;
  } else {
    view.reason = std::string(classified.reason);
  }
  switch (classified.state) {
    case AccountState::kThrottled:
    case AccountState::kCooling:
    case AccountState::kExhausted:
    case AccountState::kBanned:
      view.until = Until(account, settings, now, classified.state);
      break;
    case AccountState::kNone:
    case AccountState::kActive:
    case AccountState::kNeedsLogin:
    case AccountState::kDisabled:
      break;
  }
  return view;
}

AccountState DeriveAccountState(const core::Account& account,
                                const core::SchedulerSettings& settings, absl::Time now) {
  return ClassifyAt(account, settings, now).state;
}

}  // namespace maxpool::pool
