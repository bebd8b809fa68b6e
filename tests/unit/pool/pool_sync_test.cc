// pool::Pool's hot-sync support (spec §1.4): in-place settings changes that apply to new requests
// (priority, usage cap, rename, enabled) and the credential list the config diff reads.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "core/header_source.h"
#include "gtest/gtest.h"
#include "pool/pool.h"
#include "support/fake_clock.h"
#include "support/pool_credential.h"
#include "support/pool_waiter.h"
#include "support/router_harness.h"
#include "support/status_matchers.h"

namespace maxpool::pool {
namespace {

namespace asio = boost::asio;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::OAuthAccount;
using ::maxpool::testing::RunUntil;
using ::maxpool::testing::SmallRequest;
using ::maxpool::testing::Spawn;
using ::maxpool::testing::StatusIs;
using ::maxpool::testing::Token;
using ::maxpool::testing::Waiter;

PoolOptions EventOnlyOptions() {
  PoolOptions options;
  options.queue.poll = absl::Hours(1);
  options.jitter_seed = 1;
  return options;
}

// The account a fresh request gets; the lease is released at once (success).
std::string NextAccount(Pool& pool) {
  core::RouteState route;
  std::optional<Grant> grant = pool.TryAcquire(SmallRequest(), route);
  if (!grant) return "";
  pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
  return grant->lease.account_name;
}

core::Account AccountNamed(const Pool& pool, std::string_view name) {
  for (core::Account& account : pool.Snapshot()) {
    if (account.settings.name == name) return account;
  }
  ADD_FAILURE() << "no account " << name;
  return {};
}

TEST(PoolSync, PriorityChangeAppliesToTheNextRequest) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A", 0), Token("a"));
  pool.AddAccount(OAuthAccount("B", 5), Token("b"));
  ASSERT_EQ(NextAccount(pool), "A");

  ASSERT_THAT(pool.UpdateAccountSettings("A", [](core::AccountSettings& s) { s.priority = 10; }),
              IsOk());
  EXPECT_EQ(AccountNamed(pool, "A").settings.priority, 10);
  EXPECT_EQ(NextAccount(pool), "B");
  EXPECT_EQ(NextAccount(pool), "B");
}

TEST(PoolSync, CapChangeBenchesAnAccountAboveIt) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A", 0), Token("a"));
  pool.AddAccount(OAuthAccount("B", 1), Token("b"));
  // A reports 50 % of its 5-hour window used.
  {
    core::RouteState route;
    std::optional<Grant> grant = pool.TryAcquire(SmallRequest(), route);
    ASSERT_TRUE(grant.has_value());
    ASSERT_EQ(grant->lease.account_name, "A");
    const core::FlatHeaders headers{{"anthropic-ratelimit-unified-5h-utilization", "0.5"},
                                    {"anthropic-ratelimit-unified-status", "allowed"}};
    pool.Observe(grant->lease, 200, headers);
    pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
  }
  ASSERT_EQ(NextAccount(pool), "A");  // no cap: 0.5 is below the 0.90 bench

  ASSERT_THAT(
      pool.UpdateAccountSettings("A", [](core::AccountSettings& s) { s.cap_utilization = 0.4; }),
      IsOk());
  EXPECT_EQ(NextAccount(pool), "B");

  ASSERT_THAT(
      pool.UpdateAccountSettings("A", [](core::AccountSettings& s) { s.cap_utilization.reset(); }),
      IsOk());
  EXPECT_EQ(NextAccount(pool), "A");
}

TEST(PoolSync, RenameKeepsStateAndCredential) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("secret-a"));
  pool.AddAccount(OAuthAccount("B", 5), Token("secret-b"));
  ASSERT_EQ(NextAccount(pool), "A");

  ASSERT_THAT(pool.UpdateAccountSettings("A", [](core::AccountSettings& s) { s.name = "C"; }),
              IsOk());
  EXPECT_EQ(AccountNamed(pool, "C").state.completed_requests, 1);
  core::RouteState route;
  std::optional<Grant> grant = pool.TryAcquire(SmallRequest(), route);
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->lease.account_name, "C");
  EXPECT_EQ(grant->credential.secret, "secret-a");
  pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
  EXPECT_THAT(pool.SetEnabled("A", false), StatusIs(absl::StatusCode::kNotFound));
}

TEST(PoolSync, RenameToATakenOrEmptyNameChangesNothing) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B"), Token("b"));

  EXPECT_THAT(pool.UpdateAccountSettings("A",
                                         [](core::AccountSettings& s) {
                                           s.name = "B";
                                           s.priority = 7;
                                         }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(pool.UpdateAccountSettings("A", [](core::AccountSettings& s) { s.name.clear(); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(pool.UpdateAccountSettings("nobody", [](core::AccountSettings&) {}),
              StatusIs(absl::StatusCode::kNotFound));
  const core::Account a = AccountNamed(pool, "A");
  EXPECT_EQ(a.settings.priority, 0);
  EXPECT_EQ(pool.Snapshot().size(), 2u);
}

TEST(PoolSync, PreferenceFollowsARenameAndEndsWhenDisabled) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B", 5), Token("b"));
  ASSERT_THAT(pool.SetPreferred("B"), IsOk());
  ASSERT_EQ(NextAccount(pool), "B");

  ASSERT_THAT(pool.UpdateAccountSettings("B", [](core::AccountSettings& s) { s.name = "B2"; }),
              IsOk());
  EXPECT_EQ(NextAccount(pool), "B2");

  ASSERT_THAT(pool.UpdateAccountSettings("B2", [](core::AccountSettings& s) { s.enabled = false; }),
              IsOk());
  EXPECT_EQ(NextAccount(pool), "A");
  // Automatic now: re-enabling does not bring the preference back (B2 has the worse priority).
  ASSERT_THAT(pool.UpdateAccountSettings("B2", [](core::AccountSettings& s) { s.enabled = true; }),
              IsOk());
  EXPECT_EQ(NextAccount(pool), "A");
}

TEST(PoolSync, InFlightLeaseSurvivesASettingsChange) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  core::RouteState route;
  std::optional<Grant> grant = pool.TryAcquire(SmallRequest(), route);
  ASSERT_TRUE(grant.has_value());

  ASSERT_THAT(pool.UpdateAccountSettings("A",
                                         [](core::AccountSettings& s) {
                                           s.priority = 3;
                                           s.enabled = false;
                                         }),
              IsOk());
  EXPECT_EQ(AccountNamed(pool, "A").state.in_flight, 1);
  pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
  const core::Account a = AccountNamed(pool, "A");
  EXPECT_EQ(a.state.in_flight, 0);
  EXPECT_EQ(a.state.completed_requests, 1);
  EXPECT_THAT(pool.RemoveAccount("A"), IsOk());
}

// A change that returns capacity (here: enabling) wakes held requests at once.
TEST(PoolSync, SettingsChangeWakesWaiters) {
  FakeClock clock;
  PoolOptions options = EventOnlyOptions();
  options.scheduler.safety_max_active_per_account = 1;
  Pool pool(clock, options);
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  core::AccountSettings b = OAuthAccount("B");
  b.enabled = false;
  pool.AddAccount(b, Token("b"));
  asio::io_context io;

  core::RouteState busy_route;
  std::optional<Grant> busy = pool.TryAcquire(SmallRequest(), busy_route);
  ASSERT_TRUE(busy.has_value());
  Waiter waiter;
  Spawn(io, pool, waiter, clock.Now() + absl::Minutes(5));
  ASSERT_TRUE(RunUntil(io, [&] { return pool.waiting() == 1; }));

  ASSERT_THAT(pool.UpdateAccountSettings("B", [](core::AccountSettings& s) { s.enabled = true; }),
              IsOk());
  ASSERT_TRUE(RunUntil(
      io, [&] { return waiter.result.has_value(); }, std::chrono::milliseconds(1000)));
  EXPECT_EQ(waiter.result->outcome, HoldOutcome::kAdmitted);
  ASSERT_TRUE(waiter.grant.has_value());
  EXPECT_EQ(waiter.grant->lease.account_name, "B");
}

TEST(PoolSync, CredentialsListsEveryAccountInPoolOrder) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  EXPECT_TRUE(pool.Credentials().empty());
  pool.AddAccount(OAuthAccount("A"), Token("a1"));
  pool.AddAccount(OAuthAccount("B"),
                  ::maxpool::testing::MakeCredential(CredentialKind::kApiKey, "b1", "https://x"));
  ASSERT_THAT(pool.UpdateCredential("A", Token("a2")), IsOk());

  std::vector<std::pair<std::string, Credential>> credentials = pool.Credentials();
  ASSERT_EQ(credentials.size(), 2u);
  EXPECT_EQ(credentials[0].first, "A");
  EXPECT_EQ(credentials[0].second.secret, "a2");
  EXPECT_EQ(credentials[0].second.kind, CredentialKind::kOAuthBearer);
  EXPECT_EQ(credentials[1].first, "B");
  EXPECT_EQ(credentials[1].second.secret, "b1");
  EXPECT_EQ(credentials[1].second.kind, CredentialKind::kApiKey);
  EXPECT_EQ(credentials[1].second.upstream, "https://x");

  ASSERT_THAT(pool.RemoveAccount("A"), IsOk());
  credentials = pool.Credentials();
  ASSERT_EQ(credentials.size(), 1u);
  EXPECT_EQ(credentials[0].first, "B");
}

}  // namespace
}  // namespace maxpool::pool
