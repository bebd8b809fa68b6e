// Fleet-wide in-flight leases on a real redis-server, with two replicas (two pools) in one
// process: the cap holds across them, returned slots free at once, a replica that dies without
// returning its leases loses them within the TTL, and with Redis out of reach each replica serves
// within its share, says so, and resyncs when Redis is back.

#include "cluster/fleet_leases.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/use_future.hpp"
#include "support/fake_clock.h"
#include "support/pool_credential.h"
#include "support/redis_server.h"
#include "support/router_harness.h"

namespace maxpool::cluster {
namespace {

namespace asio = boost::asio;
using ::maxpool::testing::RedisServer;

constexpr char kPrefix[] = "{maxpool:team}";

pool::PoolOptions Options(int cap) {
  pool::PoolOptions options;
  options.jitter_seed = 1;
  options.scheduler.safety_max_active_per_account = cap;
  return options;
}

// One replica: its pool (one account "A") and its leases.
struct Replica {
  Replica(const RedisServer& redis, std::string id, int cap, absl::Duration ttl = absl::Seconds(5))
      : pool(clock, Options(cap)) {
    pool.AddAccount(::maxpool::testing::ApiKeyAccount("A"),
                    ::maxpool::testing::MakeCredential(pool::CredentialKind::kApiKey, "key-A",
                                                       "https://api.anthropic.com"));
    absl::StatusOr<redis::RedisEndpoint> endpoint = redis::ParseRedisUrl(redis.url());
    EXPECT_TRUE(endpoint.ok());
    FleetOptions options;
    options.replica_id = std::move(id);
    options.lease_ttl = ttl;
    options.sync_interval = ttl / 5;
    auto created =
        FleetLeases::Create(*endpoint, {.timeout = std::chrono::milliseconds(300), .ca_file = ""},
                            kPrefix, pool, options);
    EXPECT_TRUE(created.ok()) << created.status();
    fleet = *std::move(created);
    pool.SetFleetGate(fleet.get());
  }
  ~Replica() {
    pool.SetFleetGate(nullptr);
    fleet.reset();
  }

  // A lease from the pool, claimed fleet-wide; nullopt when either refuses.
  std::optional<core::Lease> Take(pool::FleetClaim* answer = nullptr) {
    core::RouteState route;
    std::optional<pool::Grant> grant = pool.TryAcquire(::maxpool::testing::SmallRequest(), route);
    if (!grant) return std::nullopt;
    asio::io_context ioc;
    std::future<pool::FleetClaim> claim =
        asio::co_spawn(ioc, fleet->Claim(grant->lease), asio::use_future);
    ioc.run();
    const pool::FleetClaim got = claim.get();
    if (answer != nullptr) *answer = got;
    if (!got.granted) {
      pool.Release(grant->lease, {core::ReleaseKind::kAbandoned, 0, ""});
      return std::nullopt;
    }
    return grant->lease;
  }
  void Give(const core::Lease& lease) {
    pool.Release(lease, {core::ReleaseKind::kSuccess, 200, ""});
  }
  int FleetInFlight() { return pool.Snapshot().front().state.fleet_in_flight; }

  ::maxpool::testing::FakeClock clock;
  pool::Pool pool;
  std::unique_ptr<FleetLeases> fleet;
};

int64_t Leases(redis::RedisClient& client) {
  absl::StatusOr<redis::RedisReply> n =
      client.Command({"ZCARD", absl::StrCat(kPrefix, ":leases:A")});
  EXPECT_TRUE(n.ok());
  return n.ok() ? n->integer : -1;
}

std::unique_ptr<redis::RedisClient> ClientFor(const RedisServer& server) {
  auto client = redis::RedisClient::Create(*redis::ParseRedisUrl(server.url()), {});
  EXPECT_TRUE(client.ok());
  return *std::move(client);
}

// Polls `done` every 20 ms for up to `within`.
template <typename Done>
bool Eventually(Done done, absl::Duration within) {
  const absl::Time until = absl::Now() + within;
  while (absl::Now() < until) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

TEST(FleetLeasesTest, TheCapHoldsAcrossReplicasAndAReturnedSlotFreesAtOnce) {
  RedisServer redis;
  Replica one(redis, "one", 2);
  Replica two(redis, "two", 2);
  one.fleet->Start();
  two.fleet->Start();
  std::optional<core::Lease> a = one.Take();
  std::optional<core::Lease> b = one.Take();
  ASSERT_TRUE(a && b);
  // Replica two's router does not know yet: Redis refuses the claim, and tells its pool.
  pool::FleetClaim answer;
  EXPECT_FALSE(two.Take(&answer).has_value());
  EXPECT_FALSE(answer.local_only);
  EXPECT_EQ(two.FleetInFlight(), 2);
  EXPECT_EQ(two.fleet->View().refusals, 1);
  one.Give(*a);
  // The slot is removed from Redis by one's sync thread, promptly.
  std::unique_ptr<redis::RedisClient> client = ClientFor(redis);
  ASSERT_TRUE(Eventually([&] { return Leases(*client) == 1; }, absl::Seconds(2)));
  ASSERT_TRUE(two.fleet->SyncNow().ok());
  EXPECT_EQ(two.FleetInFlight(), 1);
  std::optional<core::Lease> c = two.Take();
  EXPECT_TRUE(c.has_value());
  EXPECT_EQ(Leases(*client), 2);
  const FleetView view = two.fleet->View();
  EXPECT_TRUE(view.connected);
  EXPECT_EQ(view.replicas_alive, 2);
  EXPECT_EQ(view.in_flight.at("A"), 2);
  one.Give(*b);
  if (c) two.Give(*c);
  ASSERT_TRUE(Eventually([&] { return Leases(*client) == 0; }, absl::Seconds(2)));
}

TEST(FleetLeasesTest, ADeadReplicasLeasesExpireWithinTheTtl) {
  RedisServer redis;
  std::unique_ptr<redis::RedisClient> client = ClientFor(redis);
  Replica two(redis, "two", 2, absl::Milliseconds(1000));
  two.fleet->Start();
  {
    Replica one(redis, "one", 2, absl::Milliseconds(1000));
    one.fleet->Start();
    ASSERT_TRUE(one.Take() && one.Take());
    // Dies without a word: the gate goes first, so nothing is given back.
    one.fleet->Stop();
    one.pool.SetFleetGate(nullptr);
  }
  EXPECT_EQ(Leases(*client), 2);
  EXPECT_FALSE(two.Take().has_value());
  const absl::Time died = absl::Now();
  ASSERT_TRUE(Eventually([&] { return two.Take().has_value(); }, absl::Seconds(3)));
  EXPECT_LE(absl::Now() - died, absl::Milliseconds(2500));
  ASSERT_TRUE(two.fleet->SyncNow().ok());
  EXPECT_EQ(two.fleet->View().replicas, std::vector<std::string>{"two"});
}

TEST(FleetLeasesTest, WithRedisOutOfReachAReplicaServesWithinItsShareAndResyncs) {
  RedisServer redis;
  Replica one(redis, "one", 4);
  Replica two(redis, "two", 4);
  one.fleet->Start();
  two.fleet->Start();
  ASSERT_TRUE(one.fleet->SyncNow().ok());
  ASSERT_EQ(one.fleet->View().replicas_alive, 2);
  redis.Stop();
  pool::FleetClaim answer;
  std::optional<core::Lease> a = one.Take(&answer);
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(answer.local_only);
  FleetView view = one.fleet->View();
  EXPECT_FALSE(view.connected);
  EXPECT_TRUE(view.degraded_since.has_value());
  EXPECT_FALSE(view.last_error.empty());
  // Its share of 4 between two replicas is 2; the pool is told the others hold the rest.
  std::optional<core::Lease> b = one.Take();
  ASSERT_TRUE(b.has_value());
  EXPECT_FALSE(one.Take().has_value());
  EXPECT_EQ(one.FleetInFlight(), 2);
  EXPECT_EQ(one.fleet->View().local_claims, 2);
  // Redis returns, empty: the next sync writes the leases granted alone and the real counts.
  redis.Restart();
  ASSERT_TRUE(Eventually([&] { return one.fleet->View().connected; }, absl::Seconds(3)));
  std::unique_ptr<redis::RedisClient> client = ClientFor(redis);
  EXPECT_EQ(Leases(*client), 2);
  ASSERT_TRUE(Eventually([&] { return one.FleetInFlight() == 0; }, absl::Seconds(2)));
  view = one.fleet->View();
  EXPECT_FALSE(view.degraded_since.has_value());
  EXPECT_EQ(view.in_flight.at("A"), 2);
  one.Give(*a);
  one.Give(*b);
  ASSERT_TRUE(Eventually([&] { return Leases(*client) == 0; }, absl::Seconds(2)));
}

TEST(FleetLeasesTest, EachReplicaSeesTheOthersRecentTraffic) {
  RedisServer redis;
  Replica one(redis, "one", 4);
  Replica two(redis, "two", 4);
  one.fleet->Start();
  two.fleet->Start();
  for (int i = 0; i < 3; ++i) {
    std::optional<core::Lease> lease = one.Take();
    ASSERT_TRUE(lease.has_value());
    one.Give(*lease);
  }
  ASSERT_TRUE(one.fleet->SyncNow().ok());
  ASSERT_TRUE(two.fleet->SyncNow().ok());
  EXPECT_EQ(two.pool.Snapshot().front().state.fleet_recent_weight, 3);
  EXPECT_EQ(one.pool.Snapshot().front().state.fleet_recent_weight, 0);  // its own is not counted
}

TEST(FleetLeasesTest, AStartWithRedisDownIsDegradedNotAFailure) {
  RedisServer redis;
  redis.Stop();
  Replica one(redis, "one", 3);
  one.fleet->Start();
  EXPECT_FALSE(one.fleet->View().connected);
  // Alone as far as it knows: its share is the whole cap.
  EXPECT_TRUE(one.Take() && one.Take() && one.Take());
  EXPECT_FALSE(one.Take().has_value());
}

}  // namespace
}  // namespace maxpool::cluster
