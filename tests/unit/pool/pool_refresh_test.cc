// The pool as the one owner of OAuth tokens and their health: the refresher reads the tokens and
// stores a rotated pair there, what it reports lands in the account's state (Pool::Snapshot()),
// and its "may I refresh now?" is answered there.

#include <string>

#include "gtest/gtest.h"
#include "pool/pool.h"
#include "support/fake_clock.h"
#include "support/pool_credential.h"
#include "support/pool_waiter.h"
#include "support/router_harness.h"

namespace maxpool::pool {
namespace {

using ::maxpool::testing::AccountStateOf;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::OAuthAccount;
using ::maxpool::testing::Token;

// An OAuth credential with a refresh token and an expiry.
Credential Tokens(std::string access, std::string refresh, int64_t expires_at_ms) {
  Credential credential = Token(std::move(access));
  credential.refresh_token = std::move(refresh);
  credential.expires_at_ms = expires_at_ms;
  return credential;
}

credentials::TokenSet Pair(std::string access, std::string refresh, int64_t expires_at_ms) {
  return credentials::TokenSet{std::move(access), std::move(refresh), expires_at_ms};
}

std::optional<Grant> Acquire(Pool& pool) {
  core::RouteState route;
  return pool.TryAcquire(::maxpool::testing::SmallRequest(), route);
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
  pool.AddAccount(OAuthAccount("A"), Tokens("a", "r1", 1000));
  pool.RecordRefreshFailure(
      "A", "r1", Failure(core::RefreshFailure::kNetworkBeforeSend, std::nullopt), absl::Minutes(5));
  EXPECT_EQ(AccountStateOf(pool, "A").refresh.cooldown_until,
            clock.Now() + core::kRefreshNetworkCooldown);
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
  pool.AddAccount(OAuthAccount("A"), Tokens("a", "r1", 1000));
  pool.RecordRefreshFailure("A", "r1", Failure(core::RefreshFailure::kRetryableStatus, 503),
                            absl::Seconds(3));
  EXPECT_EQ(AccountStateOf(pool, "A").refresh.cooldown_until, clock.Now() + absl::Seconds(2));
  pool.RecordRefreshFailure("A", "r1", Failure(core::RefreshFailure::kRetryableStatus, 503),
                            absl::Seconds(3));
  EXPECT_EQ(AccountStateOf(pool, "A").refresh.cooldown_until, clock.Now() + absl::Seconds(3));
  ASSERT_TRUE(pool.StoreRotated("A", "r1", Pair("a2", "r2", 2000)));
  EXPECT_EQ(AccountStateOf(pool, "A").refresh.failures, 0);
  EXPECT_TRUE(pool.RefreshGate("A", false).allowed);
}

TEST(PoolRefreshHealth, ASpentTokenMeetingAnExpiredAccessTokenIsDeadUntilANewRefreshToken) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Tokens("a", "r1", 1000));
  pool.RecordRefreshFailure("A", "r1",
                            Failure(core::RefreshFailure::kAmbiguousAfterSend, std::nullopt),
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
  EXPECT_TRUE(AccountStateOf(pool, "A").refresh.dead);
  ASSERT_TRUE(pool.UpdateCredential("A", Tokens("a2", "r2", 2000)).ok());  // a new login
  EXPECT_FALSE(pool.RefreshTokenDead("A"));
  EXPECT_TRUE(pool.RefreshGate("A", false).allowed);

  // The new token's own lost refresh is reported too: the once-only report belongs to a token.
  pool.RecordRefreshFailure("A", "r2",
                            Failure(core::RefreshFailure::kAmbiguousAfterSend, std::nullopt),
                            absl::Minutes(5));
  EXPECT_TRUE(pool.RefreshGate("A", false).newly_dead);
}

TEST(PoolTokens, OnlyAnOAuthAccountWithARefreshTokenHasTokensToRefresh) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Tokens("a", "r1", 1000));
  pool.AddAccount(OAuthAccount("bare"), Token("b"));  // sent as it is, never refreshed
  pool.AddAccount(OAuthAccount("key"),
                  ::maxpool::testing::MakeCredential(CredentialKind::kApiKey, "k", "https://x"));
  const std::optional<credentials::TokenSet> a = pool.Tokens("A");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->access_token, "a");
  EXPECT_EQ(a->refresh_token, "r1");
  EXPECT_EQ(a->expires_at_ms, 1000);
  EXPECT_FALSE(pool.Tokens("bare").has_value());
  EXPECT_FALSE(pool.Tokens("key").has_value());
  EXPECT_FALSE(pool.Tokens("nobody").has_value());
}

TEST(PoolTokens, ARotatedPairIsWhatTheNextRequestSendsButNeverTheRefreshToken) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Tokens("a", "r1", 1000));
  ASSERT_TRUE(pool.StoreRotated("A", "r1", Pair("a2", "r2", 2000)));
  EXPECT_EQ(pool.Tokens("A")->refresh_token, "r2");
  EXPECT_EQ(pool.Tokens("A")->expires_at_ms, 2000);
  const std::optional<Grant> grant = Acquire(pool);
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->credential.secret, "a2");
  EXPECT_TRUE(grant->credential.refresh_token.empty());  // an attempt never carries it
  EXPECT_EQ(grant->credential.expires_at_ms, 2000);
}

TEST(PoolTokens, ARefreshOfASupersededRefreshTokenChangesNothing) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Tokens("a", "r1", 1000));
  // A new login lands while a refresh with r1 is in flight.
  ASSERT_TRUE(pool.UpdateCredential("A", Tokens("login", "fresh", 5000)).ok());
  EXPECT_FALSE(pool.StoreRotated("A", "r1", Pair("a2", "r2", 2000)));
  EXPECT_FALSE(pool.RecordRefreshFailure("A", "r1", Failure(core::RefreshFailure::kDead, 400),
                                         absl::Minutes(5)));
  EXPECT_FALSE(pool.RefreshTokenDead("A"));
  EXPECT_EQ(pool.Tokens("A")->access_token, "login");
  EXPECT_EQ(pool.Tokens("A")->refresh_token, "fresh");
  EXPECT_FALSE(pool.StoreRotated("nobody", "r1", Pair("a2", "r2", 2000)));
}

TEST(PoolTokens, ARefreshThatEndsAfterARenameLandsOnTheRenamedAccount) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Tokens("a", "r1", 1000));
  pool.AddAccount(OAuthAccount("B"), Tokens("b", "rb", 1000));
  // The refresh was sent as "A"; the account is called "renamed" when its answer arrives.
  ASSERT_TRUE(
      pool.UpdateAccountSettings("A", [](core::AccountSettings& s) { s.name = "renamed"; }).ok());
  EXPECT_EQ(pool.AccountHolding("r1"), "renamed");
  ASSERT_TRUE(pool.StoreRotated("A", "r1", Pair("a2", "r2", 2000)));
  EXPECT_EQ(pool.Tokens("renamed")->refresh_token, "r2");
  EXPECT_EQ(pool.Tokens("B")->refresh_token, "rb");  // nobody else's
  EXPECT_EQ(pool.AccountHolding("r1"), std::nullopt);
  // A failure of the renamed account's token counts against it, not against a stranger.
  ASSERT_TRUE(pool.RecordRefreshFailure("A", "r2", Failure(core::RefreshFailure::kDead, 400),
                                        absl::Minutes(5)));
  EXPECT_TRUE(pool.RefreshTokenDead("renamed"));
  EXPECT_FALSE(pool.RefreshTokenDead("B"));
}

TEST(PoolTokens, AnOlderCopyNeverReplacesTheRotatedPairButTheRestOfTheChangeApplies) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Tokens("a", "r1", 1000));
  ASSERT_TRUE(pool.StoreRotated("A", "r1", Pair("a2", "r2", 2000)));
  // A config edit made from a copy read before the rotation, which also moves the upstream.
  Credential stale = Tokens("a", "r1", 1000);
  stale.upstream = "https://elsewhere.example";
  ASSERT_TRUE(pool.UpdateCredential("A", stale).ok());
  EXPECT_EQ(pool.Tokens("A")->refresh_token, "r2");
  EXPECT_EQ(pool.Tokens("A")->access_token, "a2");
  const std::optional<Grant> grant = Acquire(pool);
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->credential.upstream, "https://elsewhere.example");
  EXPECT_EQ(grant->credential.secret, "a2");
  pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});

  // A bare access token replaces the pair: the user chose to stop refreshing.
  ASSERT_TRUE(pool.UpdateCredential("A", Token("bare")).ok());
  EXPECT_FALSE(pool.Tokens("A").has_value());
}

TEST(PoolTokens, ANewLoginRevivesAnAccountWhoseRefreshTokenWasRefused) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Tokens("a", "r1", 1000));
  pool.RefreshOutcome("A", Failure(core::RefreshFailure::kDead, 400));
  ASSERT_FALSE(Acquire(pool).has_value());  // needs a login
  ASSERT_TRUE(pool.UpdateCredential("A", Tokens("a2", "r2", 2000)).ok());
  EXPECT_FALSE(pool.RefreshTokenDead("A"));
  EXPECT_TRUE(Acquire(pool).has_value());
}

}  // namespace
}  // namespace maxpool::pool
