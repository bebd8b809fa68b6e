// The pool's memory across restarts: what it takes, its JSON form, and what a restart gets back.

#include "pool/pool_memory.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pool/pool.h"
#include "support/fake_clock.h"
#include "support/pool_credential.h"
#include "support/pool_waiter.h"
#include "support/router_harness.h"
#include "support/status_matchers.h"

namespace maxpool::pool {
namespace {

using ::maxpool::testing::FakeClock;
using ::maxpool::testing::OAuthAccount;
using ::maxpool::testing::SmallRequest;
using ::maxpool::testing::StatusIs;
using ::maxpool::testing::Token;
using ::testing::HasSubstr;

const absl::flat_hash_map<std::string, std::string> kNoUuids;

core::Account AccountNamed(const Pool& pool, const std::string& name) {
  for (const core::Account& a : pool.Snapshot()) {
    if (a.settings.name == name) return a;
  }
  ADD_FAILURE() << "no account " << name;
  return {};
}

// Routes one request of `session`; its account reports `headers`. Returns the account.
std::string Route(Pool& pool, const std::string& session,
                  const core::FlatHeaders* headers = nullptr) {
  core::RouteState route;
  std::optional<Grant> grant = pool.TryAcquire(SmallRequest(session), route);
  if (!grant) return "";
  if (headers != nullptr) pool.Observe(grant->lease, 200, *headers);
  pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
  return grant->lease.account_name;
}

// The token endpoint refuses `name`'s refresh token for good (HTTP 400 invalid_grant).
void RefuseRefresh(Pool& pool, const std::string& name) {
  credentials::FreshToken dead;
  dead.kind = credentials::FreshToken::Kind::kFailed;
  dead.failure = core::RefreshFailure::kDead;
  dead.status = 400;
  pool.RefreshOutcome(name, dead);
}

PoolMemory Fleet(std::vector<AccountMemory> accounts) {
  PoolMemory memory;
  memory.accounts = std::move(accounts);
  return memory;
}

TEST(PoolMemoryCodec, RoundTripsEveryField) {
  const absl::Time t = absl::FromUnixMillis(1764000000123);
  PoolMemory memory;
  memory.saved_at = t;
  AccountMemory a;
  a.name = "work";
  a.uuid = "6f1c2d3e-0000-4000-8000-00000000000a";
  a.quota.unified_5h = 0.25;
  a.quota.unified_5h_reset = t + absl::Hours(2);
  a.quota.unified_7d = 0.97;
  a.quota.unified_7d_raw = 0.97;
  a.quota.unified_7d_reset = t + absl::Hours(30);
  a.quota.unified_status = core::UnifiedStatus::kAllowedWarning;
  a.quota.scoped_weekly[core::FamilyIndex(core::ModelFamily::kOpus)] =
      core::ScopedWeekly{1.0, t + absl::Hours(5), "critical", true, true};
  a.quota.tokens_limit = 1000;
  a.quota.tokens_remaining = 250;
  a.quota.last_probe_ok_at = t - absl::Minutes(1);
  a.rate_limited_until = t + absl::Minutes(3);
  a.cooldown_until = t + absl::Seconds(30);
  a.consecutive_failures = 2;
  a.last_error = "rate_limited";
  a.last_error_at = t;
  a.dead = true;
  a.credential_fingerprint = "0123abcd";
  memory.accounts.push_back(a);
  memory.sessions.push_back(SessionMemory{"s1", "work", 0, "other", t - absl::Minutes(5)});
  memory.breaker = BreakerMemory{t - absl::Seconds(2), t + absl::Seconds(58), "same 429"};

  absl::StatusOr<PoolMemory> back = Decode(Encode(memory));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->saved_at, t);
  ASSERT_EQ(back->accounts.size(), 1u);
  const AccountMemory& b = back->accounts[0];
  EXPECT_EQ(b.name, "work");
  EXPECT_EQ(b.uuid, a.uuid);
  EXPECT_EQ(b.quota.unified_5h, 0.25);
  EXPECT_EQ(b.quota.unified_5h_reset, a.quota.unified_5h_reset);
  EXPECT_EQ(b.quota.unified_7d, 0.97);
  EXPECT_EQ(b.quota.unified_7d_raw, 0.97);
  EXPECT_EQ(b.quota.unified_7d_reset, a.quota.unified_7d_reset);
  EXPECT_EQ(b.quota.unified_status, core::UnifiedStatus::kAllowedWarning);
  const auto& opus = b.quota.scoped_weekly[core::FamilyIndex(core::ModelFamily::kOpus)];
  ASSERT_TRUE(opus.has_value());
  EXPECT_EQ(opus->utilization, 1.0);
  EXPECT_EQ(opus->reset_at, t + absl::Hours(5));
  EXPECT_EQ(opus->severity, "critical");
  EXPECT_TRUE(opus->reactive);
  EXPECT_EQ(b.quota.tokens_limit, 1000);
  EXPECT_EQ(b.quota.tokens_remaining, 250);
  EXPECT_EQ(b.quota.last_probe_ok_at, a.quota.last_probe_ok_at);
  EXPECT_EQ(b.rate_limited_until, a.rate_limited_until);
  EXPECT_EQ(b.cooldown_until, a.cooldown_until);
  EXPECT_EQ(b.consecutive_failures, 2);
  EXPECT_EQ(b.last_error, "rate_limited");
  EXPECT_EQ(b.last_error_at, t);
  EXPECT_TRUE(b.dead);
  EXPECT_EQ(b.credential_fingerprint, "0123abcd");
  ASSERT_EQ(back->sessions.size(), 1u);
  EXPECT_EQ(back->sessions[0].key, "s1");
  EXPECT_EQ(back->sessions[0].current, "other");
  EXPECT_EQ(back->sessions[0].last_used, t - absl::Minutes(5));
  ASSERT_TRUE(back->breaker.has_value());
  EXPECT_EQ(back->breaker->opened_at, t - absl::Seconds(2));
  EXPECT_EQ(back->breaker->until, t + absl::Seconds(58));
  EXPECT_EQ(back->breaker->reason, "same 429");
}

TEST(PoolMemoryCodec, HostileInputIsRefusedWithWhereAndWhat) {
  EXPECT_THAT(Decode("not json"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Decode("[]"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Decode(R"({"accounts": []})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("$.version")));
  EXPECT_THAT(Decode(R"({"version": 99})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("99")));
  EXPECT_THAT(
      Decode(R"({"version": 1, "accounts": [{"name": "a", "quota": {"unified7d": "high"}}]})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("$.accounts[0].quota.unified7d")));
  EXPECT_THAT(Decode(R"({"version": 1, "accounts": [7]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("$.accounts[0]")));
  EXPECT_THAT(Decode(R"({"version": 1, "accounts": [{"quota": {}}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
  // Unknown fields are ignored; a newer writer may add some.
  EXPECT_TRUE(Decode(R"({"version": 1, "later": {"x": 1}, "accounts": []})").ok());
}

TEST(PoolMemory, ARestartGetsTheQuotaBlocksAndSessionsBack) {
  FakeClock clock;
  Pool before(clock, PoolOptions{});
  before.AddAccount(OAuthAccount("A"), Token("a"));
  before.AddAccount(OAuthAccount("B"), Token("b"));
  const std::string reset_7d =
      absl::FormatTime(absl::RFC3339_sec, clock.Now() + absl::Hours(40), absl::UTCTimeZone());
  const core::FlatHeaders week_used{{"anthropic-ratelimit-unified-7d-utilization", "0.999"},
                                    {"anthropic-ratelimit-unified-7d-reset", reset_7d},
                                    {"anthropic-ratelimit-unified-status", "allowed"}};
  ASSERT_EQ(Route(before, "s1", &week_used), "A");
  ASSERT_EQ(Route(before, "s2"), "B");  // A is exhausted for the week now
  const PoolMemory memory = before.Memory();

  // The restarted server: same accounts, nothing learned yet.
  Pool after(clock, PoolOptions{});
  after.AddAccount(OAuthAccount("A"), Token("a"));
  after.AddAccount(OAuthAccount("B"), Token("b"));
  const RestoreReport report = after.Restore(*Decode(Encode(memory)), kNoUuids);
  EXPECT_EQ(report.accounts, 2);
  EXPECT_EQ(report.unmatched, 0);
  EXPECT_EQ(report.sessions, 2);
  EXPECT_EQ(AccountNamed(after, "A").state.quota.unified_7d, 0.999);
  // No request is spent on A to learn it again: a new session goes to B at once.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Route(after, "new"), "B");
  // A's week resets: A serves again.
  clock.Advance(absl::Hours(41));
  bool a_served = false;
  for (int i = 0; i < 4; ++i) a_served = a_served || Route(after, "") == "A";
  EXPECT_TRUE(a_served);
}

TEST(PoolMemory, ARunningReplicaTakesOnlyWhatTheFleetLearnedAfterIt) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B"), Token("b"));
  const absl::Time reset = clock.Now() + absl::Hours(40);
  // This replica read A at 0.30 just now.
  const std::string reset_7d = absl::FormatTime(absl::RFC3339_sec, reset, absl::UTCTimeZone());
  const core::FlatHeaders ours{{"anthropic-ratelimit-unified-7d-utilization", "0.30"},
                               {"anthropic-ratelimit-unified-7d-reset", reset_7d},
                               {"anthropic-ratelimit-unified-status", "allowed"}};
  core::RouteState route;
  std::optional<Grant> grant = pool.TryAcquire(SmallRequest(), route);
  ASSERT_TRUE(grant.has_value());
  const std::string read_here = grant->lease.account_name;
  pool.Observe(grant->lease, 200, ours);
  pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
  const std::string other = read_here == "A" ? "B" : "A";

  AccountMemory older;  // the fleet's reading of the same account, from before ours
  older.name = read_here;
  older.quota.unified_7d = 0.99;
  older.quota.unified_7d_reset = reset;
  older.quota.last_header_quota_at = clock.Now() - absl::Minutes(5);
  AccountMemory newer;  // the other account, read elsewhere, and rate limited there
  newer.name = other;
  newer.quota.unified_7d = 0.999;
  newer.quota.unified_7d_reset = reset;
  newer.quota.last_header_quota_at = clock.Now();
  newer.rate_limited_until = clock.Now() + absl::Minutes(2);
  AccountMemory gone;
  gone.name = "no-longer-here";
  gone.quota.last_header_quota_at = clock.Now();
  EXPECT_EQ(pool.MergeFleetMemory(Fleet({older, newer, gone}), kNoUuids).accounts, 1);
  EXPECT_EQ(AccountNamed(pool, read_here).state.quota.unified_7d, 0.30);  // ours is newer
  const core::AccountState taken = AccountNamed(pool, other).state;
  EXPECT_EQ(taken.quota.unified_7d, 0.999);
  EXPECT_EQ(taken.status, core::AccountStatus::kThrottled);
  EXPECT_EQ(taken.rate_limited_until, clock.Now() + absl::Minutes(2));
  // Nothing new the second time.
  EXPECT_EQ(pool.MergeFleetMemory(Fleet({older, newer}), kNoUuids).accounts, 0);
  // Requests now go where the fleet says there is room.
  EXPECT_EQ(Route(pool, "s"), read_here);
}

TEST(PoolMemory, ReadingsThatCouldNeverExpireAndEndedBlocksAreDropped) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  PoolMemory memory;
  AccountMemory a;
  a.name = "A";
  a.quota.unified_5h = 0.95;  // no reset time: could never expire
  a.quota.unified_7d = 0.5;
  a.quota.unified_7d_reset = clock.Now() - absl::Hours(1);  // past: the week has reset
  a.quota.provider_wk = 0.9;
  a.rate_limited_until = clock.Now() - absl::Seconds(1);
  a.cooldown_until = clock.Now() + absl::Seconds(20);
  memory.accounts.push_back(a);
  pool.Restore(memory, kNoUuids);
  const core::AccountState st = AccountNamed(pool, "A").state;
  EXPECT_FALSE(st.quota.unified_5h.has_value());
  EXPECT_FALSE(st.quota.unified_7d.has_value());
  EXPECT_FALSE(st.quota.provider_wk.has_value());
  EXPECT_EQ(st.status, core::AccountStatus::kActive);
  EXPECT_EQ(st.cooldown_until, clock.Now() + absl::Seconds(20));  // still running
}

TEST(PoolMemory, ADeadMarkReturnsOnlyToTheCredentialItWasMadeAgainst) {
  FakeClock clock;
  Pool before(clock, PoolOptions{});
  Credential refused = Token("a");
  refused.refresh_token = "r-refused";
  before.AddAccount(OAuthAccount("A"), refused);
  before.AddAccount(OAuthAccount("B"), Token("b"));
  RefuseRefresh(before, "A");
  const PoolMemory memory = before.Memory();

  Pool same(clock, PoolOptions{});
  same.AddAccount(OAuthAccount("A"), refused);
  EXPECT_EQ(same.Restore(memory, kNoUuids).dead_dropped, 0);
  EXPECT_TRUE(AccountNamed(same, "A").state.refresh_dead);
  EXPECT_EQ(AccountNamed(same, "A").state.status, core::AccountStatus::kError);

  Pool relogged(clock, PoolOptions{});
  Credential fresh = Token("a2");
  fresh.refresh_token = "r-new";
  relogged.AddAccount(OAuthAccount("A"), fresh);
  const RestoreReport report = relogged.Restore(memory, kNoUuids);
  EXPECT_EQ(report.dead_dropped, 1);
  EXPECT_EQ(report.unmatched, 1);  // B is not in this pool
  EXPECT_FALSE(AccountNamed(relogged, "A").state.refresh_dead);
  EXPECT_EQ(AccountNamed(relogged, "A").state.status, core::AccountStatus::kActive);
}

// Cluster mode: a credential another replica found dead is benched here without a request spent
// on it; one with other credentials here is left alone.
TEST(PoolMemory, ARunningReplicaTakesADeadMarkOnlyForTheSameCredential) {
  FakeClock clock;
  Credential refused = Token("a");
  refused.refresh_token = "r-refused";
  Pool elsewhere(clock, PoolOptions{});
  elsewhere.AddAccount(OAuthAccount("A"), refused);
  RefuseRefresh(elsewhere, "A");
  const PoolMemory fleet = elsewhere.Memory();

  Pool here(clock, PoolOptions{});
  here.AddAccount(OAuthAccount("A"), refused);
  here.AddAccount(OAuthAccount("B"), Token("b"));
  const FleetMergeReport report = here.MergeFleetMemory(fleet, kNoUuids);
  EXPECT_EQ(report.dead, 1);
  EXPECT_EQ(AccountNamed(here, "A").state.status, core::AccountStatus::kError);
  EXPECT_TRUE(AccountNamed(here, "A").state.refresh_dead);
  EXPECT_FALSE(AccountNamed(here, "A").state.last_error.empty());
  EXPECT_EQ(Route(here, "s"), "B");
  EXPECT_EQ(here.MergeFleetMemory(fleet, kNoUuids).dead, 0) << "taken once";

  Pool relogged(clock, PoolOptions{});
  Credential fresh = Token("a2");
  fresh.refresh_token = "r-new";
  relogged.AddAccount(OAuthAccount("A"), fresh);
  EXPECT_EQ(relogged.MergeFleetMemory(fleet, kNoUuids).dead, 0);
  EXPECT_EQ(AccountNamed(relogged, "A").state.status, core::AccountStatus::kActive);
}

// Cluster mode: a session served last on another replica keeps the account it has there.
TEST(PoolMemory, ARunningReplicaTakesASessionUsedLaterElsewhere) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B"), Token("b"));
  const std::string here = Route(pool, "s");
  ASSERT_FALSE(here.empty());
  const std::string there = here == "A" ? "B" : "A";
  clock.Advance(absl::Seconds(10));

  PoolMemory stale;  // the same session, used before this replica's request
  stale.sessions.push_back(SessionMemory{"s", there, 0, there, clock.Now() - absl::Minutes(1)});
  EXPECT_EQ(pool.MergeFleetMemory(stale, kNoUuids).sessions, 0);
  EXPECT_EQ(Route(pool, "s"), here);

  clock.Advance(absl::Seconds(10));
  PoolMemory later;
  later.sessions.push_back(SessionMemory{"s", there, 0, there, clock.Now()});
  later.sessions.push_back(SessionMemory{"t", there, 0, there, clock.Now()});
  EXPECT_EQ(pool.MergeFleetMemory(later, kNoUuids).sessions, 2);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(Route(pool, "s"), there);
  EXPECT_EQ(Route(pool, "t"), there);
}

// Cluster mode: an opening of the shared breaker elsewhere blocks subscription requests here
// (§4.6), and a restart within it finds it open.
TEST(PoolMemory, TheSharedBreakerOpensOnEveryReplicaAndSurvivesARestart) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  PoolMemory fleet;
  fleet.breaker = BreakerMemory{clock.Now() - absl::Seconds(1), clock.Now() + absl::Seconds(59),
                                "every account answered 429"};
  const FleetMergeReport report = pool.MergeFleetMemory(fleet, kNoUuids);
  EXPECT_TRUE(report.breaker);
  EXPECT_TRUE(pool.BreakerOpen());
  EXPECT_EQ(Route(pool, "s"), "") << "held: the upstream throttles the fleet";
  EXPECT_FALSE(pool.MergeFleetMemory(fleet, kNoUuids).breaker) << "taken once";

  const PoolMemory saved = pool.Memory();
  ASSERT_TRUE(saved.breaker.has_value());
  EXPECT_EQ(saved.breaker->until, clock.Now() + absl::Seconds(59));
  Pool restarted(clock, PoolOptions{});
  restarted.AddAccount(OAuthAccount("A"), Token("a"));
  EXPECT_TRUE(restarted.Restore(saved, kNoUuids).breaker);
  EXPECT_TRUE(restarted.BreakerOpen());

  clock.Advance(absl::Minutes(2));  // over: nothing to take, nothing saved
  Pool later(clock, PoolOptions{});
  later.AddAccount(OAuthAccount("A"), Token("a"));
  EXPECT_FALSE(later.MergeFleetMemory(fleet, kNoUuids).breaker);
  EXPECT_FALSE(later.Memory().breaker.has_value());
}

TEST(PoolMemory, ARenamedAccountIsFoundByItsUuid) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("renamed"), Token("a"));
  PoolMemory memory;
  AccountMemory a;
  a.name = "old-name";
  a.uuid = "uuid-a";
  a.quota.unified_5h = 0.4;
  a.quota.unified_5h_reset = clock.Now() + absl::Hours(1);
  memory.accounts.push_back(a);
  const RestoreReport report = pool.Restore(memory, {{"uuid-a", "renamed"}});
  EXPECT_EQ(report.accounts, 1);
  EXPECT_EQ(AccountNamed(pool, "renamed").state.quota.unified_5h, 0.4);
}

}  // namespace
}  // namespace maxpool::pool
