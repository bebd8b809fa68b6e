// Cluster mode's seam in the pool (pool::FleetGate): the request loop claims a fleet-wide slot
// before it sends, gives it back with the lease, routes elsewhere when an account is full across
// the fleet, and holds when every account is; the router caps and scores with the other replicas'
// in-flight counts (Pool::SetFleetInFlight).

#include "pool/fleet_gate.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pool/pool.h"
#include "pool/request_loop.h"
#include "support/fake_clock.h"
#include "support/pool_credential.h"
#include "support/router_harness.h"

namespace maxpool::pool {
namespace {

using ::maxpool::testing::ApiKeyAccount;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::SmallRequest;
using Kind = RequestAction::Kind;

constexpr ClientProgress kNothingSent{};

// Records what the pool gives back; the claims themselves are answered by the test through
// RequestLoop::OnClaimed().
class RecordingGate final : public FleetGate {
 public:
  boost::asio::awaitable<FleetClaim> Claim(core::Lease) override { co_return FleetClaim{}; }
  void Return(const core::Lease& lease) override { returned.push_back(lease.id); }
  std::vector<uint64_t> returned;
};

PoolOptions Options(int cap) {
  PoolOptions options;
  options.jitter_seed = 1;
  options.scheduler.safety_max_active_per_account = cap;
  return options;
}

class FleetGateTest : public ::testing::Test {
 protected:
  static void AddKeys(Pool& pool, std::initializer_list<std::string> names) {
    for (const std::string& name : names) {
      pool.AddAccount(ApiKeyAccount(name),
                      ::maxpool::testing::MakeCredential(CredentialKind::kApiKey, "key-" + name,
                                                         "https://api.anthropic.com"));
    }
  }
  void AddKeys(std::initializer_list<std::string> names) { AddKeys(pool_, names); }
  // Routes one request on `pool`, released as a success: the account it went to ("" for none).
  static std::string RouteOne(Pool& pool) {
    core::RouteState route;
    std::optional<Grant> grant = pool.TryAcquire(SmallRequest(), route);
    if (!grant) return "";
    pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
    return grant->lease.account_name;
  }
  const core::AccountState& State(std::string_view name) {
    snapshot_ = pool_.Snapshot();
    for (const core::Account& account : snapshot_) {
      if (account.settings.name == name) return account.state;
    }
    ADD_FAILURE() << "no account " << name;
    return snapshot_.front().state;
  }

  FakeClock clock_;
  Pool pool_{clock_, Options(2)};
  RecordingGate gate_;
  std::vector<core::Account> snapshot_;
};

TEST_F(FleetGateTest, WithoutAGateTheLoopSendsAtOnce) {
  AddKeys({"A"});
  RequestLoop loop(pool_, SmallRequest(), 100);
  EXPECT_EQ(loop.Start(kNothingSent).kind, Kind::kSend);
}

TEST_F(FleetGateTest, AGrantedClaimSendsAndItsSlotIsGivenBackWithTheLease) {
  AddKeys({"A"});
  pool_.SetFleetGate(&gate_);
  RequestLoop loop(pool_, SmallRequest(), 100);
  ASSERT_EQ(loop.Start(kNothingSent).kind, Kind::kClaim);
  const uint64_t id = loop.grant().lease.id;
  EXPECT_NE(id, 0u);
  ASSERT_EQ(loop.OnClaimed(FleetClaim{true, false}, kNothingSent).kind, Kind::kSend);
  EXPECT_TRUE(gate_.returned.empty());
  loop.Answered(200);
  EXPECT_EQ(gate_.returned, std::vector<uint64_t>{id});
  EXPECT_EQ(State("A").in_flight, 0);
}

TEST_F(FleetGateTest, ARefusedClaimCostsTheAccountNothingAndRoutesToAnother) {
  AddKeys({"A", "B"});
  pool_.SetFleetGate(&gate_);
  RequestLoop loop(pool_, SmallRequest(), 100);
  ASSERT_EQ(loop.Start(kNothingSent).kind, Kind::kClaim);
  const std::string first = loop.grant().lease.account_name;
  const std::string other = first == "A" ? "B" : "A";
  // What a refusing gate does: the account is full across the fleet.
  pool_.SetFleetInFlightOf(first, 2);
  ASSERT_EQ(loop.OnClaimed(FleetClaim{false, false}, kNothingSent).kind, Kind::kClaim);
  EXPECT_EQ(loop.grant().lease.account_name, other);
  EXPECT_EQ(State(first).in_flight, 0);
  EXPECT_EQ(State(first).failed_requests, 0);
  EXPECT_EQ(State(first).consecutive_failures, 0);
  EXPECT_EQ(loop.attempts(), 1);  // a refused claim is not an attempt
  ASSERT_EQ(loop.OnClaimed(FleetClaim{true, false}, kNothingSent).kind, Kind::kSend);
}

TEST_F(FleetGateTest, EveryAccountFullAcrossTheFleetHolds) {
  AddKeys({"A"});
  pool_.SetFleetGate(&gate_);
  RequestLoop loop(pool_, SmallRequest(), 100);
  ASSERT_EQ(loop.Start(kNothingSent).kind, Kind::kClaim);
  pool_.SetFleetInFlightOf("A", 2);
  const RequestAction action = loop.OnClaimed(FleetClaim{false, false}, kNothingSent);
  EXPECT_EQ(action.kind, Kind::kHold);
  EXPECT_FALSE(loop.holds_lease());
}

TEST_F(FleetGateTest, ClaimsRefusedOverAndOverEndInAHoldNotALoop) {
  AddKeys({"A", "B"});
  pool_.SetFleetGate(&gate_);
  RequestLoop loop(pool_, SmallRequest(), 100);
  RequestAction action = loop.Start(kNothingSent);
  int claims = 0;
  // A gate that refuses without the fleet's counts ever catching up.
  while (action.kind == Kind::kClaim && claims < 100) {
    ++claims;
    action = loop.OnClaimed(FleetClaim{false, false}, kNothingSent);
  }
  EXPECT_EQ(action.kind, Kind::kHold);
  EXPECT_LE(claims, 5);
}

TEST_F(FleetGateTest, TheCapCountsTheOtherReplicasRequests) {
  AddKeys({"A"});
  pool_.SetFleetInFlight({{"A", 1}});
  core::RouteState route;
  std::optional<Grant> one = pool_.TryAcquire(SmallRequest(), route);
  ASSERT_TRUE(one.has_value());
  core::RouteState second_route;
  EXPECT_FALSE(pool_.TryAcquire(SmallRequest(), second_route).has_value());  // 1 here + 1 there
  // The other replica finished: an account named nowhere holds nothing elsewhere.
  pool_.SetFleetInFlight({});
  EXPECT_EQ(State("A").fleet_in_flight, 0);
  std::optional<Grant> two = pool_.TryAcquire(SmallRequest(), second_route);
  EXPECT_TRUE(two.has_value());
  pool_.Release(one->lease, {core::ReleaseKind::kSuccess, 200, ""});
  if (two) pool_.Release(two->lease, {core::ReleaseKind::kSuccess, 200, ""});
}

TEST_F(FleetGateTest, TheScoreSpreadsAwayFromAnAccountBusyElsewhere) {
  Pool pool(clock_, Options(50));
  AddKeys(pool, {"A", "B"});
  for (const std::string busy : {"A", "B"}) {
    pool.SetFleetInFlight({{busy, 6}});
    const std::string routed = RouteOne(pool);
    ASSERT_FALSE(routed.empty());
    EXPECT_NE(routed, busy);
  }
}

TEST_F(FleetGateTest, TheSpreadTermCountsTheFleetsRecentTraffic) {
  Pool pool(clock_, Options(50));
  AddKeys(pool, {"A", "B"});
  for (const std::string busy : {"A", "B"}) {
    // The other replicas sent 40 requests through `busy` in the spread window.
    FleetLoad theirs;
    theirs.spread_weight = 40;
    pool.SetFleetLoads({{busy, theirs}});
    const std::string routed = RouteOne(pool);
    ASSERT_FALSE(routed.empty());
    EXPECT_NE(routed, busy);
  }
  pool.SetFleetLoads({});
  for (const core::Account& account : pool.Snapshot()) {
    EXPECT_EQ(account.state.fleet_recent_weight, 0);
  }
  const absl::flat_hash_map<std::string, FleetLoad> own = pool.OwnLoads();
  EXPECT_EQ(own.at("A").spread_weight + own.at("B").spread_weight, 2);
  EXPECT_EQ(own.at("A").last_15m.requests + own.at("B").last_15m.requests, 2);
  EXPECT_EQ(own.at("A").last_1h.requests + own.at("B").last_1h.requests, 2);
}

TEST_F(FleetGateTest, TheFleetsLoadIsKeptForTheViews) {
  Pool pool(clock_, Options(50));
  AddKeys(pool, {"A"});
  FleetLoad theirs;
  theirs.last_15m = core::LoadSummary{7, 1, 9, 300};
  theirs.last_1h = core::LoadSummary{20, 2, 25, 250};
  pool.SetFleetLoads({{"A", theirs}, {"gone", theirs}});
  const core::AccountState st = pool.Snapshot().at(0).state;
  EXPECT_EQ(st.fleet_load_15m, theirs.last_15m);
  EXPECT_EQ(st.fleet_load_1h, theirs.last_1h);
}

TEST_F(FleetGateTest, UnknownAccountsAndNegativeCountsAreIgnored) {
  AddKeys({"A"});
  pool_.SetFleetInFlightOf("nobody", 3);
  pool_.SetFleetInFlightOf("A", -4);
  EXPECT_EQ(State("A").fleet_in_flight, 0);
  EXPECT_EQ(pool_.InFlightOf("nobody"), 0);
  EXPECT_EQ(pool_.MaxActivePerAccount(), 2);
  EXPECT_EQ(pool_.AccountNames(), std::vector<std::string>{"A"});
}

}  // namespace
}  // namespace maxpool::pool
