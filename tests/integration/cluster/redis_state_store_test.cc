// The pool's memory shared on a real redis-server: a round trip, field-by-field merging where the
// newest knowledge wins whatever order replicas save in, one hash tag per pool, an emptied Redis,
// and a Redis that is down at start.

#include "cluster/redis_state_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/redis_server.h"

namespace maxpool::cluster {
namespace {

using ::maxpool::testing::RedisServer;

const absl::Time kT0 = absl::FromUnixSeconds(1795694400);

std::unique_ptr<redis::RedisClient> ClientFor(const RedisServer& server) {
  absl::StatusOr<redis::RedisEndpoint> endpoint = redis::ParseRedisUrl(server.url());
  EXPECT_TRUE(endpoint.ok()) << endpoint.status();
  absl::StatusOr<std::unique_ptr<redis::RedisClient>> client = redis::RedisClient::Create(
      *endpoint, {.timeout = std::chrono::milliseconds(1000), .ca_file = ""});
  EXPECT_TRUE(client.ok()) << client.status();
  return *std::move(client);
}

pool::AccountMemory Account(std::string name, double weekly, absl::Time read_at,
                            std::string uuid = "") {
  pool::AccountMemory a;
  a.name = std::move(name);
  a.uuid = std::move(uuid);
  a.quota.unified_7d = weekly;
  a.quota.unified_7d_reset = kT0 + absl::Hours(30);
  a.quota.last_header_quota_at = read_at;
  return a;
}

const pool::AccountMemory* Find(const pool::PoolMemory& memory, const std::string& name) {
  for (const pool::AccountMemory& a : memory.accounts) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

TEST(RedisStateStoreTest, WhatIsSavedComesBack) {
  RedisServer server;
  std::unique_ptr<redis::RedisClient> client = ClientFor(server);
  RedisStateStore store(*client, "team");
  std::string warning;
  absl::StatusOr<std::optional<pool::PoolMemory>> empty = store.Load(&warning);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
  pool::PoolMemory memory;
  memory.saved_at = kT0;
  memory.accounts.push_back(Account("a", 0.4, kT0, "uuid-a"));
  memory.accounts.push_back(Account("b", 0.97, kT0));
  memory.accounts.back().rate_limited_until = kT0 + absl::Minutes(5);
  memory.sessions.push_back({"s1", "a", 0, "b", kT0});
  ASSERT_TRUE(store.Save(memory).ok());
  absl::StatusOr<std::optional<pool::PoolMemory>> loaded = store.Load(&warning);
  ASSERT_TRUE(loaded.ok() && loaded->has_value()) << warning;
  ASSERT_EQ((*loaded)->accounts.size(), 2u);
  EXPECT_EQ(Find(**loaded, "a")->uuid, "uuid-a");
  EXPECT_EQ(Find(**loaded, "b")->quota.unified_7d, 0.97);
  EXPECT_EQ(Find(**loaded, "b")->rate_limited_until, kT0 + absl::Minutes(5));
  ASSERT_EQ((*loaded)->sessions.size(), 1u);
  EXPECT_EQ((*loaded)->sessions[0].home, "a");
  EXPECT_EQ((*loaded)->sessions[0].current, "b");
  // One hash tag: every key of the pool is in the same Redis Cluster slot.
  const absl::StatusOr<redis::RedisReply> keys = client->Command({"KEYS", "*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->elements.size(), 4u);
  for (const redis::RedisReply& key : keys->elements) {
    EXPECT_EQ(key.text.rfind("{maxpool:team}:", 0), 0u) << key.text;
  }
}

// Two replicas of one pool: each account's newest reading wins, whoever saves last.
TEST(RedisStateStoreTest, TheNewestReadingWinsWhateverTheOrderOfSaves) {
  RedisServer server;
  std::unique_ptr<redis::RedisClient> one = ClientFor(server);
  std::unique_ptr<redis::RedisClient> two = ClientFor(server);
  RedisStateStore replica1(*one, "team");
  RedisStateStore replica2(*two, "team");
  pool::PoolMemory newer;
  newer.accounts.push_back(Account("a", 0.9, kT0 + absl::Minutes(10)));
  pool::PoolMemory older;
  older.accounts.push_back(Account("a", 0.5, kT0));
  older.accounts.push_back(Account("c", 0.1, kT0));
  older.sessions.push_back({"s", "c", 0, "c", kT0});
  ASSERT_TRUE(replica2.Save(newer).ok());
  ASSERT_TRUE(replica1.Save(older).ok());  // later, but it knows less about "a"
  std::string warning;
  absl::StatusOr<std::optional<pool::PoolMemory>> seen = replica2.Load(&warning);
  ASSERT_TRUE(seen.ok() && seen->has_value());
  EXPECT_EQ(Find(**seen, "a")->quota.unified_7d, 0.9);
  ASSERT_NE(Find(**seen, "c"), nullptr);  // what only replica 1 knew is kept
  EXPECT_EQ((*seen)->sessions.size(), 1u);
  // Another pool on the same Redis sees none of it.
  RedisStateStore other(*one, "other-team");
  EXPECT_FALSE(other.Load(&warning)->has_value());
}

// A running replica reads the sessions used since its last read, and the breaker's latest
// opening; sessions idle past the limit are dropped by the saves.
TEST(RedisStateStoreTest, ARunningReplicaReadsRecentSessionsAndTheLatestBreakerOpening) {
  RedisServer server;
  std::unique_ptr<redis::RedisClient> client = ClientFor(server);
  RedisStateStore store(*client, "team", absl::Hours(1));
  pool::PoolMemory memory;
  memory.saved_at = kT0;
  memory.accounts.push_back(Account("a", 0.4, kT0));
  memory.sessions.push_back({"old", "a", 0, "a", kT0 - absl::Minutes(30)});
  memory.sessions.push_back({"new", "a", 0, "a", kT0 - absl::Seconds(5)});
  memory.breaker = pool::BreakerMemory{kT0 - absl::Seconds(10), kT0 + absl::Seconds(50), "429s"};
  ASSERT_TRUE(store.Save(memory).ok());
  absl::StatusOr<pool::PoolMemory> fleet = store.LoadFleet(kT0 - absl::Minutes(1));
  ASSERT_TRUE(fleet.ok()) << fleet.status();
  EXPECT_EQ(fleet->accounts.size(), 1u);
  ASSERT_EQ(fleet->sessions.size(), 1u);
  EXPECT_EQ(fleet->sessions[0].key, "new");
  ASSERT_TRUE(fleet->breaker.has_value());
  EXPECT_EQ(fleet->breaker->until, kT0 + absl::Seconds(50));

  // An older opening saved later does not replace the latest one.
  pool::PoolMemory stale;
  stale.saved_at = kT0;
  stale.breaker = pool::BreakerMemory{kT0 - absl::Minutes(5), kT0 + absl::Minutes(10), "old"};
  ASSERT_TRUE(store.Save(stale).ok());
  EXPECT_EQ(store.LoadFleet(kT0)->breaker->reason, "429s");

  // Two hours on, the next save drops both sessions: idle for longer than the hour.
  pool::PoolMemory later;
  later.saved_at = kT0 + absl::Hours(2);
  ASSERT_TRUE(store.Save(later).ok());
  EXPECT_TRUE(store.LoadFleet(absl::UnixEpoch())->sessions.empty());
  EXPECT_EQ(client->Command({"HLEN", "{maxpool:team}:sessions"})->integer, 0);
}

TEST(RedisStateStoreTest, AnEmptiedRedisIsRepopulatedByTheNextSave) {
  RedisServer server;
  std::unique_ptr<redis::RedisClient> client = ClientFor(server);
  RedisStateStore store(*client, "team");
  pool::PoolMemory memory;
  memory.accounts.push_back(Account("a", 0.4, kT0));
  ASSERT_TRUE(store.Save(memory).ok());
  server.Restart();  // an empty dataset, and the script cache is gone
  std::string warning;
  absl::StatusOr<std::optional<pool::PoolMemory>> after = store.Load(&warning);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value()) << warning;
  EXPECT_EQ(warning, "");  // the stale connection was replaced, not reported
  ASSERT_TRUE(store.Save(memory).ok());
  EXPECT_TRUE(store.Load(&warning)->has_value());
}

// A start never fails on Redis: no memory, and a warning that says why.
TEST(RedisStateStoreTest, ARedisThatIsDownAtStartIsAWarning) {
  RedisServer server;
  std::unique_ptr<redis::RedisClient> client = ClientFor(server);
  server.Stop();
  RedisStateStore store(*client, "team");
  std::string warning;
  absl::StatusOr<std::optional<pool::PoolMemory>> loaded = store.Load(&warning);
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->has_value());
  EXPECT_NE(warning.find("could not be read"), std::string::npos) << warning;
  pool::PoolMemory memory;
  memory.accounts.push_back(Account("a", 0.4, kT0));
  EXPECT_EQ(store.Save(memory).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace maxpool::cluster
