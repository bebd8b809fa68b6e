// One refresher per OAuth account across replicas, on a real redis-server: the first replica
// gets the turn, another waits for the pair it publishes and sends nothing, a stale turn cannot
// overwrite a newer pair, a dead holder's turn lapses, and with Redis out of reach nobody
// refreshes.

#include "cluster/redis_refresh_lock.h"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/use_future.hpp"
#include "support/redis_server.h"

namespace maxpool::cluster {
namespace {

namespace asio = boost::asio;
using credentials::RefreshTurn;
using credentials::TokenSet;
using ::maxpool::testing::RedisServer;

constexpr char kPrefix[] = "{maxpool:team}";

std::unique_ptr<RedisRefreshLock> LockFor(const RedisServer& redis, std::string replica,
                                          absl::Duration ttl = absl::Seconds(30),
                                          absl::Duration max_wait = absl::Seconds(35)) {
  RefreshLockOptions options;
  options.replica_id = std::move(replica);
  options.turn_ttl = ttl;
  options.max_wait = max_wait;
  options.poll = absl::Milliseconds(20);
  auto lock = RedisRefreshLock::Create(*redis::ParseRedisUrl(redis.url()),
                                       {.timeout = std::chrono::milliseconds(300), .ca_file = ""},
                                       kPrefix, std::move(options));
  EXPECT_TRUE(lock.ok()) << lock.status();
  return *std::move(lock);
}

template <typename T>
T Await(asio::awaitable<T> work) {
  asio::io_context ioc;
  std::future<T> result = asio::co_spawn(ioc, std::move(work), asio::use_future);
  ioc.run();
  return result.get();
}

const TokenSet kHeld{"access-1", "refresh-1", absl::ToUnixMillis(absl::Now() + absl::Minutes(2))};
const TokenSet kRotated{"access-2", "refresh-2", absl::ToUnixMillis(absl::Now() + absl::Hours(1))};

TEST(RedisRefreshLockTest, OneReplicaRefreshesAndTheOthersTakeThePairItPublishes) {
  RedisServer redis;
  std::unique_ptr<RedisRefreshLock> one = LockFor(redis, "one");
  std::unique_ptr<RedisRefreshLock> two = LockFor(redis, "two");
  const absl::Time usable_until = absl::Now() + absl::Minutes(5);
  const RefreshTurn mine = Await(one->TakeTurn("sub", kHeld, usable_until));
  ASSERT_EQ(mine.kind, RefreshTurn::Kind::kMine);
  EXPECT_TRUE(mine.send_refresh_token.empty());  // nothing newer: send its own
  // Two waits for the turn (in the background) until one publishes.
  std::future<RefreshTurn> waiting = std::async(
      std::launch::async, [&] { return Await(two->TakeTurn("sub", kHeld, usable_until)); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  ASSERT_TRUE(Await(one->FinishTurn("sub", mine.fence, kRotated)).ok());
  const RefreshTurn theirs = waiting.get();
  ASSERT_EQ(theirs.kind, RefreshTurn::Kind::kRotatedElsewhere);
  ASSERT_TRUE(theirs.tokens.has_value());
  EXPECT_EQ(theirs.tokens->access_token, "access-2");
  EXPECT_EQ(theirs.tokens->refresh_token, "refresh-2");
  // A replica that comes later, still holding the old pair, takes the new one at once.
  const RefreshTurn late = Await(LockFor(redis, "three")->TakeTurn("sub", kHeld, usable_until));
  EXPECT_EQ(late.kind, RefreshTurn::Kind::kRotatedElsewhere);
  absl::StatusOr<std::optional<TokenSet>> published = two->Published("sub");
  ASSERT_TRUE(published.ok() && published->has_value());
  EXPECT_EQ((*published)->refresh_token, "refresh-2");
}

TEST(RedisRefreshLockTest, APublishedPairThatIsAlsoDueIsRefreshedWithItsOwnToken) {
  RedisServer redis;
  std::unique_ptr<RedisRefreshLock> one = LockFor(redis, "one");
  const TokenSet due{"access-2", "refresh-2", absl::ToUnixMillis(absl::Now() + absl::Minutes(3))};
  const RefreshTurn first = Await(one->TakeTurn("sub", kHeld, absl::Now()));
  ASSERT_TRUE(Await(one->FinishTurn("sub", first.fence, due)).ok());
  const RefreshTurn next =
      Await(LockFor(redis, "two")->TakeTurn("sub", kHeld, absl::Now() + absl::Minutes(5)));
  ASSERT_EQ(next.kind, RefreshTurn::Kind::kMine);
  EXPECT_EQ(next.send_refresh_token, "refresh-2");  // never the spent refresh-1
  EXPECT_GT(next.fence, first.fence);
}

TEST(RedisRefreshLockTest, AStaleTurnCannotOverwriteANewerPair) {
  RedisServer redis;
  // Turns of 200 ms: one's lapses while it refreshes, and two takes the next.
  std::unique_ptr<RedisRefreshLock> one = LockFor(redis, "one", absl::Milliseconds(200));
  std::unique_ptr<RedisRefreshLock> two = LockFor(redis, "two", absl::Milliseconds(200));
  const RefreshTurn stale = Await(one->TakeTurn("sub", kHeld, absl::Now()));
  ASSERT_EQ(stale.kind, RefreshTurn::Kind::kMine);
  absl::SleepFor(absl::Milliseconds(300));
  const RefreshTurn fresh = Await(two->TakeTurn("sub", kHeld, absl::Now()));
  ASSERT_EQ(fresh.kind, RefreshTurn::Kind::kMine);
  ASSERT_TRUE(Await(two->FinishTurn("sub", fresh.fence, kRotated)).ok());
  const TokenSet older{"access-x", "refresh-x", kRotated.expires_at_ms + 1};
  ASSERT_TRUE(Await(one->FinishTurn("sub", stale.fence, older)).ok());
  absl::StatusOr<std::optional<TokenSet>> published = two->Published("sub");
  ASSERT_TRUE(published.ok() && published->has_value());
  EXPECT_EQ((*published)->refresh_token, "refresh-2");
}

TEST(RedisRefreshLockTest, ADeadHoldersTurnLapsesAndIsTakenOver) {
  RedisServer redis;
  std::unique_ptr<RedisRefreshLock> two = LockFor(redis, "two", absl::Milliseconds(300));
  {
    std::unique_ptr<RedisRefreshLock> one = LockFor(redis, "one", absl::Milliseconds(300));
    ASSERT_EQ(Await(one->TakeTurn("sub", kHeld, absl::Now())).kind, RefreshTurn::Kind::kMine);
  }  // dies without finishing
  const RefreshTurn next = Await(two->TakeTurn("sub", kHeld, absl::Now()));
  EXPECT_EQ(next.kind, RefreshTurn::Kind::kMine);
}

TEST(RedisRefreshLockTest, AHolderThatNeverPublishesEndsTheWaitWithAReason) {
  RedisServer redis;
  std::unique_ptr<RedisRefreshLock> one = LockFor(redis, "one");
  std::unique_ptr<RedisRefreshLock> two =
      LockFor(redis, "two", absl::Seconds(30), absl::Milliseconds(300));
  ASSERT_EQ(Await(one->TakeTurn("sub", kHeld, absl::Now())).kind, RefreshTurn::Kind::kMine);
  const RefreshTurn gave_up = Await(two->TakeTurn("sub", kHeld, absl::Now()));
  EXPECT_EQ(gave_up.kind, RefreshTurn::Kind::kUnavailable);
  EXPECT_NE(gave_up.reason.find("another replica"), std::string::npos) << gave_up.reason;
}

TEST(RedisRefreshLockTest, WithRedisOutOfReachNobodyRefreshes) {
  RedisServer redis;
  std::unique_ptr<RedisRefreshLock> one = LockFor(redis, "one");
  redis.Stop();
  const RefreshTurn turn = Await(one->TakeTurn("sub", kHeld, absl::Now()));
  EXPECT_EQ(turn.kind, RefreshTurn::Kind::kUnavailable);
  EXPECT_NE(turn.reason.find("Redis is out of reach"), std::string::npos) << turn.reason;
  EXPECT_EQ(turn.reason.find("refresh-1"), std::string::npos);
}

}  // namespace
}  // namespace maxpool::cluster
