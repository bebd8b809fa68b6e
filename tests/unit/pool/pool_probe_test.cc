// What a usage probe does to its account in the pool (spec §3.5, §12.2, §7.7): which accounts a
// sweep visits, a reading applied, a failure that never blanks the reading, and three 401s in a
// row latching "needs login".

#include <string>
#include <vector>

#include "core/header_source.h"
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
using ::maxpool::testing::MakeCredential;
using ::maxpool::testing::OAuthAccount;
using ::maxpool::testing::Token;

std::vector<std::string> Names(const std::vector<ProbeTarget>& targets) {
  std::vector<std::string> names;
  for (const ProbeTarget& t : targets) names.push_back(t.name);
  return names;
}

core::UsageReport Report(double session, double weekly, absl::Time reset) {
  core::UsageReport report;
  report.session = core::UsageWindow{session, session, reset};
  report.weekly = core::UsageWindow{weekly, weekly, reset + absl::Hours(48)};
  return report;
}

TEST(PoolProbeTest, SweepVisitsIdleSubscriptionsAndZaiOnly) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("busy"), Token("t-busy"));
  pool.AddAccount(OAuthAccount("idle", 1), Token("t-idle"));
  core::AccountSettings off = OAuthAccount("off");
  off.enabled = false;
  pool.AddAccount(off, Token("t-off"));
  pool.AddAccount(OAuthAccount("dead", 1), Token("t-dead"));
  pool.AddAccount(::maxpool::testing::ApiKeyAccount("key"),
                  MakeCredential(CredentialKind::kApiKey, "k", "http://127.0.0.1:1"));
  pool.AddAccount(::maxpool::testing::ProviderAccount("glm", core::Provider::kZai, 10),
                  MakeCredential(CredentialKind::kBearer, "z", "https://api.z.ai/api/anthropic"));
  pool.AddAccount(
      ::maxpool::testing::ProviderAccount("kimi", core::Provider::kKimi, 10),
      MakeCredential(CredentialKind::kBearer, "m", "https://api.moonshot.ai/anthropic"));
  // "busy" read its quota from its own traffic just now; "dead" needs a login.
  const Grant grant = ::maxpool::testing::AcquireNow(pool);
  ASSERT_EQ(grant.lease.account_name, "busy");
  pool.Observe(grant.lease, 200,
               core::FlatHeaders{{"anthropic-ratelimit-unified-5h-utilization", "0.1"}});
  ::maxpool::testing::Succeed(pool, grant);
  for (int i = 0; i < 3; ++i) pool.RecordProbeFailure("dead", 401, "HTTP 401");
  const std::vector<ProbeTarget> targets = pool.ProbeTargets(absl::Seconds(60));
  EXPECT_EQ(Names(targets), (std::vector<std::string>{"idle", "off", "glm"}));
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_FALSE(targets[1].enabled);
  EXPECT_EQ(targets[0].credential.secret, "t-idle");
  // A minute later its headers are no longer fresh: "busy" is probed again.
  clock.Advance(absl::Seconds(60));
  EXPECT_EQ(Names(pool.ProbeTargets(absl::Seconds(60))),
            (std::vector<std::string>{"busy", "idle", "off", "glm"}));
}

TEST(PoolProbeTest, AReadingIsAppliedAndAFailureNeverBlanksIt) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  const absl::Time reset = clock.Now() + absl::Hours(3);
  pool.RecordProbeReading("A", Report(0.25, 0.6, reset));
  core::AccountState st = AccountStateOf(pool, "A");
  EXPECT_EQ(st.quota.unified_5h, 0.25);
  EXPECT_EQ(st.quota.unified_7d, 0.6);
  EXPECT_EQ(st.quota.last_probe_ok_at, clock.Now());
  clock.Advance(absl::Minutes(1));
  const ProbeFailureCount count =
      pool.RecordProbeFailure("A", 429, std::string(400, 'x'));  // an over-long message is cut
  EXPECT_EQ(count.failures, 1);
  st = AccountStateOf(pool, "A");
  EXPECT_EQ(st.quota.unified_5h, 0.25);
  EXPECT_EQ(st.quota.unified_7d, 0.6);
  EXPECT_EQ(st.probe.last_status, 429);
  EXPECT_EQ(st.probe.last_error.size(), 160u);
  EXPECT_EQ(pool.RecordProbeFailure("A", std::nullopt, "probe timed out").failures, 2);
  pool.RecordProbeReading("A", Report(0.3, 0.6, reset));
  st = AccountStateOf(pool, "A");
  EXPECT_EQ(st.probe.failures, 0);
  EXPECT_EQ(st.probe.last_error, "");
}

// §15 scenario 56: three 401s in a row latch refresh_dead; anything in between resets the count.
TEST(PoolProbeTest, Scenario56_ThreeUnauthorizedProbesInARowNeedALogin) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B"), Token("b"));
  EXPECT_FALSE(pool.RecordProbeFailure("A", 401, "HTTP 401").latched_dead);
  EXPECT_FALSE(pool.RecordProbeFailure("A", 401, "HTTP 401").latched_dead);
  EXPECT_FALSE(pool.RecordProbeFailure("A", 503, "HTTP 503").latched_dead);
  EXPECT_FALSE(pool.RecordProbeFailure("A", 401, "HTTP 401").latched_dead);
  EXPECT_FALSE(pool.RecordProbeFailure("A", 401, "HTTP 401").latched_dead);
  EXPECT_FALSE(AccountStateOf(pool, "A").refresh_dead);
  EXPECT_TRUE(pool.RecordProbeFailure("A", 401, "HTTP 401").latched_dead);
  EXPECT_TRUE(AccountStateOf(pool, "A").refresh_dead);
  // Routing leaves it: B serves.
  EXPECT_EQ(::maxpool::testing::AcquireNow(pool).lease.account_name, "B");
  // No longer probed; a new credential starts over.
  EXPECT_EQ(Names(pool.ProbeTargets(absl::Seconds(60))), (std::vector<std::string>{"B"}));
  ASSERT_TRUE(pool.UpdateCredential("A", Token("a2")).ok());
  EXPECT_FALSE(AccountStateOf(pool, "A").refresh_dead);
  EXPECT_EQ(AccountStateOf(pool, "A").probe.unauthorized, 0);
}

// §7.7: the latch is for enabled accounts; a disabled one is left for its owner to re-enable.
TEST(PoolProbeTest, DisabledAccountIsNeverLatchedByProbes) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  core::AccountSettings off = OAuthAccount("off");
  off.enabled = false;
  pool.AddAccount(off, Token("a"));
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(pool.RecordProbeFailure("off", 401, "HTTP 401").latched_dead);
  EXPECT_FALSE(AccountStateOf(pool, "off").refresh_dead);
}

TEST(PoolProbeTest, AProbeShowingTheWeekFullBenchesTheAccount) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B", 1), Token("b"));
  EXPECT_EQ(::maxpool::testing::AcquireNow(pool).lease.account_name, "A");
  pool.RecordProbeReading("A", Report(0.2, 1.0, clock.Now() + absl::Hours(2)));
  EXPECT_EQ(::maxpool::testing::AcquireNow(pool).lease.account_name, "B");
}

}  // namespace
}  // namespace maxpool::pool
