#pragma once

// The coarse state of one account that operators, metrics and the control plane see
// (maxpool.v1.AccountState), derived by a pure function from the core's live data
// (core::Account: settings, status, blocks, quota) and the time. Not to be confused with
// core::AccountState, that live data itself. The pool publishes a change of it as an event
// (pool_event.h); telemetry snapshots call the same function.
//
// The rules, first match wins (routing availability, core::Router::EligibleTier, is the truth
// they summarise; a block whose time has passed counts as ended, a quota window whose reset has
// passed as cleared, even before the router clears them):
//   kDisabled    settings.enabled is false                                  "disabled"
//   kNeedsLogin  refresh_dead (refresh token refused)                       "refresh_dead"
//                or status kError (credentials rejected, e.g. API key 401)  "auth_dead"
//   kBanned      a Claude account cooling after a 403 (last_error           "forbidden"
//                "forbidden"): refused by Anthropic, out for max_cooldown
//   kExhausted   status kExhausted                                          "quota_exhausted"
//                5h / provider session window at the bench                  "session_limit"
//                API-key tokens / requests limit at the bench               "token_limit" /
//                                                                           "request_limit"
//                weekly window exhausted (core::RawWeeklyState)             "weekly_limit"
//                the owner's usage cap reached (kCapped)                    "usage_cap"
//   kThrottled   benched by a 429 (status kThrottled, rate_limited_until)   last_error or
//                or provisionally blocked after a 429/529                   "rate_limited" /
//                (provisional_upstream_until)                               "upstream_throttled"
//   kCooling     cooldown_until in the future (5xx, network, refresh        last_error or
//                failures)                                                  "cooldown"
//   kActive      none of the above (it may still be busy at its caps)       ""
// kNone is never derived: it stands for "not in the pool" in AccountStateChanged events.
// A model-scoped weekly limit does not change the state (the account serves other models), nor
// does the shared breaker (it is not about one account).
//
// Thread safety: pure functions.

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "core/account.h"
#include "core/settings.h"

namespace maxpool::pool {

enum class AccountState {
  kNone,        // not in the pool (added/removed events only)
  kActive,      // routable
  kThrottled,   // rate limited upstream until `until`
  kCooling,     // resting after failures until `until`
  kExhausted,   // out of quota in a window until its reset
  kNeedsLogin,  // credentials dead: log in again (or replace the key)
  kBanned,      // refused by Anthropic (403)
  kDisabled,    // turned off by the operator
};

// "none", "active", "throttled", "cooling", "exhausted", "needs_login", "banned", "disabled".
std::string_view AccountStateName(AccountState state);

struct AccountStateView {
  AccountState state = AccountState::kActive;
  // The first instant at which the state changes by time alone (a block ends, a window resets);
  // absl::InfiniteFuture() when it does not (active, disabled, needs login, a window with no
  // known reset).
  absl::Time until = absl::InfiniteFuture();
  std::string reason;  // see the table above; empty for kActive
};

// The state of `account` at `now` under `settings` (the pool's scheduler settings).
AccountStateView DescribeAccountState(const core::Account& account,
                                      const core::SchedulerSettings& settings, absl::Time now);

// DescribeAccountState(...).state, without `until` and `reason`.
AccountState DeriveAccountState(const core::Account& account,
                                const core::SchedulerSettings& settings, absl::Time now);

}  // namespace maxpool::pool
