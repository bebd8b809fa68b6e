// Cluster mode's live memory: two replicas (two pools, each with its StateKeeper) on one real
// redis-server. What one replica's traffic learns about an account reaches the other while both
// run, within a couple of save intervals, without the other spending a request on it.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "cluster/redis_state_store.h"
#include "credentials/redact.h"
#include "server/state_keeper.h"
#include "support/eventually.h"
#include "support/fake_clock.h"
#include "support/pool_credential.h"
#include "support/redis_server.h"
#include "support/router_harness.h"

namespace maxpool::server {
namespace {

using ::maxpool::testing::RedisServer;

struct Replica {
  explicit Replica(redis::RedisClient& client) : pool(clock, Options()), store(client, "team") {
    pool.AddAccount(::maxpool::testing::ApiKeyAccount("a"),
                    ::maxpool::testing::MakeCredential(pool::CredentialKind::kApiKey, "key-a",
                                                       "https://api.anthropic.com"));
    keeper = std::make_unique<StateKeeper>(
        pool, store, nullptr, [](const std::string&) {}, absl::Milliseconds(100));
    keeper->Start();
  }
  ~Replica() { keeper->Stop(); }
  static pool::PoolOptions Options() {
    pool::PoolOptions options;
    options.jitter_seed = 1;
    return options;
  }
  std::optional<double> Weekly() { return pool.Snapshot().front().state.quota.unified_7d; }

  ::maxpool::testing::FakeClock clock{absl::Now()};
  pool::Pool pool;
  cluster::RedisStateStore store;
  std::unique_ptr<StateKeeper> keeper;
};

TEST(StateKeeperFleetTest, WhatOneReplicaLearnsReachesAnotherWhileBothRun) {
  RedisServer redis;
  auto client = redis::RedisClient::Create(*redis::ParseRedisUrl(redis.url()), {});
  ASSERT_TRUE(client.ok());
  Replica one(**client);
  Replica two(**client);
  EXPECT_FALSE(two.Weekly().has_value());
  // One's request reads the account's week at 97 %.
  core::RouteState route;
  std::optional<pool::Grant> grant = one.pool.TryAcquire(::maxpool::testing::SmallRequest(), route);
  ASSERT_TRUE(grant.has_value());
  const core::FlatHeaders headers{
      {"anthropic-ratelimit-unified-status", "allowed"},
      {"anthropic-ratelimit-unified-7d-utilization", "0.97"},
      {"anthropic-ratelimit-unified-7d-reset",
       absl::StrCat(absl::ToUnixSeconds(one.clock.Now() + absl::Hours(30)))}};
  one.pool.Observe(grant->lease, 200, headers);
  one.pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
  EXPECT_TRUE(
      ::maxpool::testing::Eventually([&] { return two.Weekly() == 0.97; }, std::chrono::seconds(3)))
      << "replica two never took what replica one learned";
  EXPECT_EQ(two.pool.Snapshot().front().state.completed_requests, 0);
}

// Sessions, dead marks and the shared breaker travel too: a session served on one replica keeps
// its account on the other, a key found dead on one is benched on the other, and the upstream's
// throttling seen by one holds the other's subscription requests.
TEST(StateKeeperFleetTest, SessionsDeadMarksAndTheBreakerReachAnotherReplica) {
  RedisServer redis;
  auto client = redis::RedisClient::Create(*redis::ParseRedisUrl(redis.url()), {});
  ASSERT_TRUE(client.ok());
  Replica one(**client);
  Replica two(**client);
  core::RouteState route;
  std::optional<pool::Grant> grant =
      one.pool.TryAcquire(::maxpool::testing::SmallRequest("session-1"), route);
  ASSERT_TRUE(grant.has_value());
  one.pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
  auto has_session = [&] {
    for (const pool::SessionMemory& s : two.pool.Memory().sessions) {
      if (s.key == "session-1") return s.home == "a";
    }
    return false;
  };
  EXPECT_TRUE(::maxpool::testing::Eventually(has_session, std::chrono::seconds(3)));

  // What replica one learned elsewhere (here: given back as at a restart) is published by its
  // saves, and replica two takes it.
  pool::PoolMemory learned;
  pool::AccountMemory dead;
  dead.name = "a";
  dead.dead = true;
  dead.last_error = "auth_dead";
  dead.last_error_at = one.clock.Now();
  dead.credential_fingerprint = credentials::Fingerprint("key-a");
  learned.accounts.push_back(dead);
  learned.breaker =
      pool::BreakerMemory{one.clock.Now(), one.clock.Now() + absl::Minutes(1), "same 429"};
  one.pool.Restore(learned, {});
  ASSERT_EQ(one.pool.Snapshot().front().state.status, core::AccountStatus::kError);
  ASSERT_TRUE(one.pool.BreakerOpen());
  EXPECT_TRUE(::maxpool::testing::Eventually(
      [&] {
        return two.pool.BreakerOpen() &&
               two.pool.Snapshot().front().state.status == core::AccountStatus::kError;
      },
      std::chrono::seconds(3)));
}

}  // namespace
}  // namespace maxpool::server
