// One replica at a time sweeps the usage probes, on a real redis-server: the holder keeps the
// turn while it sweeps, another takes it over once the holder stops, and without Redis every
// replica sweeps on its own.

#include "cluster/probe_turn.h"

#include <gtest/gtest.h>

#include <memory>

#include "support/redis_server.h"

namespace maxpool::cluster {
namespace {

using ::maxpool::testing::RedisServer;

std::unique_ptr<redis::RedisClient> ClientFor(const RedisServer& server) {
  auto client =
      redis::RedisClient::Create(*redis::ParseRedisUrl(server.url()),
                                 {.timeout = std::chrono::milliseconds(300), .ca_file = ""});
  EXPECT_TRUE(client.ok());
  return *std::move(client);
}

TEST(ProbeTurnTest, OneReplicaSweepsAtATimeAndADeadHoldersTurnPassesOn) {
  RedisServer redis;
  std::unique_ptr<redis::RedisClient> client = ClientFor(redis);
  ProbeTurn one(*client, "{maxpool:team}", "one", absl::Milliseconds(200));
  ProbeTurn two(*client, "{maxpool:team}", "two", absl::Milliseconds(200));
  EXPECT_TRUE(one.Mine());
  EXPECT_FALSE(two.Mine());
  EXPECT_TRUE(one.Mine());  // renewed at its next sweep
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_TRUE(one.Mine());
  EXPECT_FALSE(two.Mine());
  // One stops sweeping: its turn lapses after 1.5 intervals (300 ms).
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_TRUE(two.Mine());
  EXPECT_FALSE(one.Mine());
}

TEST(ProbeTurnTest, WithRedisOutOfReachEveryReplicaSweeps) {
  RedisServer redis;
  std::unique_ptr<redis::RedisClient> client = ClientFor(redis);
  ProbeTurn one(*client, "{maxpool:team}", "one", absl::Seconds(60));
  ProbeTurn two(*client, "{maxpool:team}", "two", absl::Seconds(60));
  EXPECT_TRUE(one.Mine());
  redis.Stop();
  EXPECT_TRUE(two.Mine());
}

}  // namespace
}  // namespace maxpool::cluster
