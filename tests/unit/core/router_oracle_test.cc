// The retry oracle (spec §2.8) and the FIFO fairness gate (§5.5), with §15 scenarios 36 and 38
// and the §14 regressions 21–23.

#include "core/router.h"
#include "gtest/gtest.h"
#include "support/router_harness.h"

namespace maxpool::core {
namespace {

using ::maxpool::testing::ProviderAccount;
using ::maxpool::testing::RouterHarness;
using ::maxpool::testing::SmallRequest;
using ::maxpool::testing::StreamingRequest;

TEST(RouterOracle, AvailableWhenAnAccountCanServe) {
  RouterHarness h;
  RetryPlan plan = h.router.NextRetry(SmallRequest(), RouteState{});
  EXPECT_TRUE(plan.available);
  EXPECT_EQ(plan.retry_after, absl::ZeroDuration());
}

// §15 scenario 36: while a request waits in the queue, newcomers cannot overtake it: they are
// held behind it (bounded 60 s re-poll). The reference answers non-thinking newcomers 429 at once
// (§13 item 17); we hold them too, so no 429 is shown while capacity remains.
TEST(RouterOracle, Scenario36_FifoGateHoldsNewcomersBehindWaiters) {
  RouterHarness h;
  h.router.SetQueueWaiting(1);
  EXPECT_EQ(h.Pick(SmallRequest()), "");
  RetryPlan plain = h.router.NextRetry(SmallRequest(), RouteState{});
  EXPECT_FALSE(plain.available);
  EXPECT_EQ(plain.cause, RetryCause::kQueuedBehindFairness);
  EXPECT_EQ(plain.retry_after, absl::Seconds(60));

  RequestInfo thinking = StreamingRequest();
  thinking.requires_thinking_integrity = true;
  RetryPlan behind = h.router.NextRetry(thinking, RouteState{});
  EXPECT_EQ(behind.cause, RetryCause::kQueuedBehindFairness);
  EXPECT_EQ(behind.retry_after, absl::Seconds(60));

  // The waiter itself (it holds a ticket) and an admitted request are routed.
  RouteState waiter;
  waiter.has_ticket = true;
  EXPECT_TRUE(h.router.Acquire(thinking, waiter).has_value());
  RouteState admitted;
  admitted.admitted = true;
  EXPECT_TRUE(h.router.Acquire(SmallRequest(), admitted).has_value());
  EXPECT_FALSE(admitted.admitted) << "an admission is consumed by the acquire";
}

// §15 scenario 38 / §14 item 23: when every route becomes terminal the oracle says "never", so a
// held request errors at its next poll instead of waiting to its deadline.
TEST(RouterOracle, Scenario38_TerminalRoutesEndTheWait) {
  RouterHarness h;
  for (const char* name : {"A", "B"}) {
    h.quota(name).unified_5h = 0.95;
    h.quota(name).unified_5h_reset = h.now() + absl::Minutes(2);
  }
  EXPECT_TRUE(h.router.NextRetry(StreamingRequest(), RouteState{}).retry_after.has_value());
  h.router.SetEnabled("A", false).IgnoreError();
  h.account("B").state.status = AccountStatus::kError;
  RetryPlan plan = h.router.NextRetry(StreamingRequest(), RouteState{});
  EXPECT_FALSE(plan.available);
  EXPECT_FALSE(plan.retry_after.has_value());
}

// §14 item 22: weekly-critical accounts that cannot serve give a bounded 60 s re-poll.
TEST(RouterOracle, CriticalAccountGivesBoundedHold) {
  RouterHarness h({"A"});
  h.quota("A").unified_7d = 0.97;
  h.account("A").state.in_flight = 50;  // at the per-account cap
  RetryPlan plan = h.router.NextRetry(SmallRequest(), RouteState{});
  EXPECT_EQ(plan.cause, RetryCause::kWeeklyCritical);
  EXPECT_EQ(plan.retry_after, absl::Seconds(60));
}

// A weekly-critical account that can serve is the last resort: the oracle says available.
TEST(RouterOracle, CriticalAccountIsLastResort) {
  RouterHarness h({"A"});
  h.quota("A").unified_7d = 0.97;
  h.quota("A").unified_7d_reset = h.now() + absl::Hours(48);
  h.router.SetQueueWaiting(0);
  RetryPlan plan = h.router.NextRetry(SmallRequest(), RouteState{});
  EXPECT_TRUE(plan.available);
}

// §14 item 21: a weekly-exhausted provider reports its reset from the provider fields.
TEST(RouterOracle, WeeklyExhaustedProviderUsesProviderReset) {
  RouterHarness h({});
  SchedulerSettings balance;
  balance.routing_mode = RoutingMode::kBalance;
  h.router.set_settings(balance);
  h.router.AddAccount(ProviderAccount("glm", Provider::kZai, 10));
  h.quota("glm").provider_wk = 1.0;
  h.quota("glm").provider_wk_reset = h.now() + absl::Hours(20);
  RequestInfo r = SmallRequest();
  r.profile = "all";
  RetryPlan plan = h.router.NextRetry(r, RouteState{});
  EXPECT_EQ(plan.cause, RetryCause::kWeeklyExhausted);
  EXPECT_EQ(plan.retry_after, absl::Hours(20));
}

// The soonest of several temporary blockers wins, with its cause.
TEST(RouterOracle, SoonestTemporaryBlockerWins) {
  RouterHarness h({"A", "B", "C"});
  AccountState& a = h.account("A").state;
  a.status = AccountStatus::kThrottled;
  a.rate_limited_until = h.now() + absl::Seconds(90);
  h.account("B").state.cooldown_until = h.now() + absl::Seconds(30);
  h.account("C").state.provisional_upstream_until = h.now() + absl::Seconds(45);
  RetryPlan plan = h.router.NextRetry(SmallRequest(), RouteState{});
  EXPECT_EQ(plan.cause, RetryCause::kCooldown);
  EXPECT_EQ(plan.retry_after, absl::Seconds(30));
}

// Excluded accounts do not count.
TEST(RouterOracle, ExcludedAccountsAreIgnored) {
  RouterHarness h;
  RouteState route;
  route.excluded.insert(*h.router.IdOf("A"));
  route.excluded.insert(*h.router.IdOf("B"));
  RetryPlan plan = h.router.NextRetry(SmallRequest(), route);
  EXPECT_FALSE(plan.available);
  EXPECT_EQ(plan.cause, RetryCause::kNoEligibleRoute);
  EXPECT_FALSE(h.router.HasAvailableRoute(SmallRequest(), route));
}

// §9.3: paused admission matches nothing.
TEST(RouterOracle, PausedAdmissionMatchesNothing) {
  RouterHarness h;
  h.router.SetAdmissionPaused(true);
  EXPECT_EQ(h.Pick(), "");
  EXPECT_FALSE(h.router.HasAvailableRoute(SmallRequest(), RouteState{}));
}

}  // namespace
}  // namespace maxpool::core
