// The pool as the one owner of refresh-token health: what the refresher reports lands in the
// account's state (Pool::Snapshot()), and the refresher's "may I refresh now?" is answered there.

#include <string>

#include "gtest/gtest.h"
#include "pool/pool.h"
#include "support/fake_clock.h"
#include "support/pool_waiter.h"
#include "support/router_harness.h"

namespace maxpool::pool {
namespace {

using ::maxpool::testing::FakeClock;
using ::maxpool::testing::OAuthAccount;
using ::maxpool::testing::Token;

core::AccountState StateOf(const Pool& pool, const std::string& name) {
  for (const core::Account& account : pool.Snapshot()) {
    if (account.settings.name == name) return account.state;
  }
  ADD_FAILURE() << "no account " << name;
  return {};
}

credentials::FreshToken Failure(core::RefreshFailure kind, std::optional<int> status) {
  credentials::FreshToken failure;
  failure.kind = credentials::FreshToken::Kind::kFailed;
  failure.failure = kind;
  failure.status = status;
  failure.reason = "token_refresh_network";
  return failure;
}

TEST(PoolRefreshHealth, ARefreshFailureShowsInTheAccountStateAndGatesTheNextRefresh) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.RecordRefreshFailure("A", Failure(core::RefreshFailure::kNetworkBeforeSend, std::nullopt),
                            absl::Minutes(5));
  EXPECT_EQ(StateOf(pool, "A").refresh.cooldown_until, clock.Now() + core::kRefreshNetworkCooldown);
  const core::RefreshPermit cooling = pool.RefreshGate("A", /*access_usable=*/false);
  EXPECT_FALSE(cooling.allowed);
  EXPECT_EQ(cooling.failure, core::RefreshFailure::kNetworkBeforeSend);
  EXPECT_EQ(cooling.reason, "token_refresh_network");
  clock.Advance(core::kRefreshNetworkCooldown);
  EXPECT_TRUE(pool.RefreshGate("A", false).allowed);
}

TEST(PoolRefreshHealth, RetryableStatusBacksOffExponentiallyUpToTheCap) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.RecordRefreshFailure("A", Failure(core::RefreshFailure::kRetryableStatus, 503),
                            absl::Seconds(3));
  EXPECT_EQ(StateOf(pool, "A").refresh.cooldown_until, clock.Now() + absl::Seconds(2));
  pool.RecordRefreshFailure("A", Failure(core::RefreshFailure::kRetryableStatus, 503),
                            absl::Seconds(3));
  EXPECT_EQ(StateOf(pool, "A").refresh.cooldown_until, clock.Now() + absl::Seconds(3));
  pool.RecordRefreshSuccess("A");
  EXPECT_EQ(StateOf(pool, "A").refresh.failures, 0);
  EXPECT_TRUE(pool.RefreshGate("A", false).allowed);
}

TEST(PoolRefreshHealth, ASpentTokenMeetingAnExpiredAccessTokenIsDeadUntilANewRefreshToken) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.RecordRefreshFailure("A", Failure(core::RefreshFailure::kAmbiguousAfterSend, std::nullopt),
                            absl::Minutes(5));
  clock.Advance(absl::Minutes(1));
  // Still usable: never sent again, but not dead.
  EXPECT_FALSE(pool.RefreshGate("A", true).allowed);
  EXPECT_FALSE(pool.RefreshTokenDead("A"));
  const core::RefreshPermit expired = pool.RefreshGate("A", false);
  EXPECT_TRUE(expired.newly_dead);
  EXPECT_EQ(expired.failure, core::RefreshFailure::kDead);
  EXPECT_EQ(expired.reason, "token_refresh_unknown_outcome");
  EXPECT_FALSE(pool.RefreshGate("A", false).newly_dead);  // reported once
  EXPECT_TRUE(pool.RefreshTokenDead("A"));
  EXPECT_TRUE(StateOf(pool, "A").refresh.dead);
  pool.RefreshTokenRenewed("A");
  EXPECT_FALSE(pool.RefreshTokenDead("A"));
  EXPECT_TRUE(pool.RefreshGate("A", false).allowed);

  // The new token's own lost refresh is reported too: the once-only report belongs to a token.
  pool.RecordRefreshFailure("A", Failure(core::RefreshFailure::kAmbiguousAfterSend, std::nullopt),
                            absl::Minutes(5));
  EXPECT_TRUE(pool.RefreshGate("A", false).newly_dead);
}

}  // namespace
}  // namespace maxpool::pool
