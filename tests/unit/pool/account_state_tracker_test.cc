// pool::AccountStateTracker: one event per change of an account's derived state, added and
// removed accounts, reasons, and changes made by time alone (Due()).

#include "pool/account_state_tracker.h"

#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "core/router.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"
#include "support/router_harness.h"

namespace maxpool::pool {
namespace {

using ::maxpool::testing::RouterHarness;

std::vector<AccountStateChanged> Changes(const std::vector<PoolEventBody>& events) {
  std::vector<AccountStateChanged> out;
  for (const PoolEventBody& body : events) {
    if (const auto* change = std::get_if<AccountStateChanged>(&body)) out.push_back(*change);
  }
  EXPECT_EQ(out.size(), events.size()) << "only state changes expected";
  return out;
}

TEST(AccountStateTracker, ReportsAddedThenOnlyChanges) {
  RouterHarness h({"A"});
  AccountStateTracker tracker;
  const core::AccountId id = *h.router.IdOf("A");
  std::vector<PoolEventBody> events;

  tracker.Update(id, h.account("A"), h.router.settings(), h.now(), "whatever", events);
  std::vector<AccountStateChanged> changes = Changes(events);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].account, "A");
  EXPECT_EQ(changes[0].previous, AccountState::kNone);
  EXPECT_EQ(changes[0].current, AccountState::kActive);
  EXPECT_EQ(changes[0].reason, "added");
  EXPECT_EQ(tracker.Reported(id), AccountState::kActive);

  events.clear();
  tracker.Update(id, h.account("A"), h.router.settings(), h.now(), "released", events);
  EXPECT_TRUE(events.empty());

  ASSERT_TRUE(h.router.SetEnabled("A", false).ok());
  tracker.Update(id, h.account("A"), h.router.settings(), h.now(), "settings_changed", events);
  changes = Changes(events);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].previous, AccountState::kActive);
  EXPECT_EQ(changes[0].current, AccountState::kDisabled);
  EXPECT_EQ(changes[0].reason, "disabled");  // the state's own reason wins over the cause

  events.clear();
  ASSERT_TRUE(h.router.SetEnabled("A", true).ok());
  tracker.Update(id, h.account("A"), h.router.settings(), h.now(), "enabled", events);
  changes = Changes(events);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].current, AccountState::kActive);
  EXPECT_EQ(changes[0].reason, "enabled");  // active has no reason of its own: the cause

  events.clear();
  tracker.Remove(id, events);
  changes = Changes(events);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].previous, AccountState::kActive);
  EXPECT_EQ(changes[0].current, AccountState::kNone);
  EXPECT_EQ(changes[0].reason, "removed");
  EXPECT_EQ(tracker.Reported(id), AccountState::kNone);
  events.clear();
  tracker.Remove(id, events);
  EXPECT_TRUE(events.empty());
}

TEST(AccountStateTracker, DueOnceABlockHasEnded) {
  RouterHarness h({"A", "B"});
  AccountStateTracker tracker;
  std::vector<PoolEventBody> events;
  tracker.UpdateAll(h.router, h.now(), "added", events);
  EXPECT_EQ(events.size(), 2u);
  EXPECT_FALSE(tracker.Due(h.now() + absl::Hours(1000)));

  core::Account& b = h.account("B");
  b.state.cooldown_until = h.now() + absl::Seconds(5);
  b.state.last_error = "HTTP 503";
  events.clear();
  tracker.Update(*h.router.IdOf("B"), b, h.router.settings(), h.now(), "upstream_5xx", events);
  std::vector<AccountStateChanged> changes = Changes(events);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].current, AccountState::kCooling);
  EXPECT_EQ(changes[0].reason, "HTTP 503");

  EXPECT_FALSE(tracker.Due(h.now() + absl::Seconds(4)));
  EXPECT_TRUE(tracker.Due(h.now() + absl::Seconds(5)));
  h.clock.Advance(absl::Seconds(5));
  events.clear();
  tracker.UpdateAll(h.router, h.now(), "block_ended", events);
  changes = Changes(events);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].account, "B");
  EXPECT_EQ(changes[0].previous, AccountState::kCooling);
  EXPECT_EQ(changes[0].current, AccountState::kActive);
  EXPECT_EQ(changes[0].reason, "block_ended");
  EXPECT_FALSE(tracker.Due(h.now() + absl::Hours(1000)));
}

TEST(AccountStateTracker, ARenameKeepsTheEntry) {
  RouterHarness h({"A"});
  AccountStateTracker tracker;
  const core::AccountId id = *h.router.IdOf("A");
  std::vector<PoolEventBody> events;
  tracker.Update(id, h.account("A"), h.router.settings(), h.now(), "added", events);
  ASSERT_TRUE(h.router
                  .UpdateAccountSettings("A",
                                         [](core::AccountSettings& s) {
                                           s.name = "A2";
                                           s.enabled = false;
                                         })
                  .ok());
  events.clear();
  tracker.Update(id, h.account("A2"), h.router.settings(), h.now(), "settings_changed", events);
  std::vector<AccountStateChanged> changes = Changes(events);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].account, "A2");
  EXPECT_EQ(changes[0].previous, AccountState::kActive);
  EXPECT_EQ(changes[0].current, AccountState::kDisabled);
}

}  // namespace
}  // namespace maxpool::pool
