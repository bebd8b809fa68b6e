// Cluster mode's live memory: two replicas (two pools, each with its StateKeeper) on one real
// redis-server. What one replica's traffic learns about an account reaches the other while both
// run, within a couple of save intervals, without the other spending a request on it.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "cluster/redis_state_store.h"
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

}  // namespace
}  // namespace maxpool::server
