#pragma once

// Remembers the derived state (account_state.h) last reported for each account of the pool and
// turns changes into AccountStateChanged events. The pool calls it under its lock after each
// mutation, for the account(s) the mutation touched; time-driven changes (a block ending, a
// window resetting) are found at the next mutation after the instant they happen (Due()).
//
// Thread safety: none; the owner (pool::Pool) serialises access under its mutex.

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "core/account.h"
#include "core/router.h"
#include "core/settings.h"
#include "pool/account_state.h"
#include "pool/pool_event.h"

namespace maxpool::pool {

class AccountStateTracker {
 public:
  // Re-derives account `id` at `now` and appends an AccountStateChanged to `out` when its state
  // differs from the one last reported (kNone for an account not seen before: reason "added").
  // The event's reason is the state's own (DescribeAccountState) or, when it has none (active),
  // `cause`: what the mutation did ("enabled", "credentials_renewed", …).
  void Update(core::AccountId id, const core::Account& account,
              const core::SchedulerSettings& settings, absl::Time now, std::string_view cause,
              std::vector<PoolEventBody>& out);

  // Account `id` left the pool: a change to kNone (reason "removed"). No-op when unknown.
  void Remove(core::AccountId id, std::vector<PoolEventBody>& out);

  // Update() for every account of `router`, with `cause`.
  void UpdateAll(const core::Router& router, absl::Time now, std::string_view cause,
                 std::vector<PoolEventBody>& out);

  // True when some reported state may have changed by time alone since it was reported (its
  // `until` has passed): the owner should UpdateAll(..., "block_ended", ...).
  bool Due(absl::Time now) const { return now >= next_due_; }

  // The state last reported for `id`; kNone when unknown.
  AccountState Reported(core::AccountId id) const;

 private:
  struct Entry {
    core::AccountId id = 0;
    std::string name;
    AccountState state = AccountState::kNone;
    absl::Time until = absl::InfiniteFuture();
  };
  Entry* Find(core::AccountId id);
  const Entry* Find(core::AccountId id) const;
  void RecomputeDue();

  std::vector<Entry> entries_;                    // sorted by id (the router's ids only grow)
  absl::Time next_due_ = absl::InfiniteFuture();  // min over entries_ of `until`
};

}  // namespace maxpool::pool
