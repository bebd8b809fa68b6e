#include "pool/account_state_tracker.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace maxpool::pool {

void AccountStateTracker::Update(core::AccountId id, const core::Account& account,
                                 const core::SchedulerSettings& settings, absl::Time now,
                                 std::string_view cause, std::vector<PoolEventBody>& out) {
  AccountStateView view = DescribeAccountState(account, settings, now);
  Entry* entry = Find(id);
  if (entry == nullptr) {
    auto at = std::lower_bound(entries_.begin(), entries_.end(), id,
                               [](const Entry& e, core::AccountId key) { return e.id < key; });
    entry = &*entries_.insert(
        at, Entry{id, account.settings.name, AccountState::kNone, absl::InfiniteFuture()});
    cause = "added";
    view.reason.clear();  // an added account's reason is "added", whatever its state
  }
  if (entry->name != account.settings.name) entry->name = account.settings.name;  // renamed
  const absl::Time old_until = entry->until;
  entry->until = view.until;
  if (view.state != entry->state) {
    AccountStateChanged change;
    change.account = entry->name;
    change.previous = entry->state;
    change.current = view.state;
    change.reason = view.reason.empty() ? std::string(cause) : std::move(view.reason);
    entry->state = view.state;
    out.emplace_back(std::move(change));
  }
  if (entry->until < next_due_) {
    next_due_ = entry->until;
  } else if (old_until == next_due_ && entry->until != old_until) {
    RecomputeDue();
  }
}

void AccountStateTracker::Remove(core::AccountId id, std::vector<PoolEventBody>& out) {
  auto it =
      std::find_if(entries_.begin(), entries_.end(), [id](const Entry& e) { return e.id == id; });
  if (it == entries_.end()) return;
  out.emplace_back(AccountStateChanged{it->name, it->state, AccountState::kNone, "removed"});
  entries_.erase(it);
  RecomputeDue();
}

void AccountStateTracker::UpdateAll(const core::Router& router, absl::Time now,
                                    std::string_view cause, std::vector<PoolEventBody>& out) {
  for (const core::Account& account : router.accounts()) {
    const std::optional<core::AccountId> id = router.IdOf(account.settings.name);
    if (id) Update(*id, account, router.settings(), now, cause, out);
  }
  RecomputeDue();
}

AccountState AccountStateTracker::Reported(core::AccountId id) const {
  const Entry* entry = Find(id);
  return entry != nullptr ? entry->state : AccountState::kNone;
}

AccountStateTracker::Entry* AccountStateTracker::Find(core::AccountId id) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), id,
                             [](const Entry& e, core::AccountId key) { return e.id < key; });
  return it != entries_.end() && it->id == id ? &*it : nullptr;
}

const AccountStateTracker::Entry* AccountStateTracker::Find(core::AccountId id) const {
  return const_cast<AccountStateTracker*>(this)->Find(id);
}

void AccountStateTracker::RecomputeDue() {
  next_due_ = absl::InfiniteFuture();
  for (const Entry& entry : entries_) next_due_ = std::min(next_due_, entry.until);
}

}  // namespace maxpool::pool
