// Hold decisions and honest errors (spec §5.1, §5.2, §5.6) against §15 scenarios 29–34.

#include "core/hold_policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/router_harness.h"

namespace maxpool::core {
namespace {

using ::maxpool::testing::RouterHarness;
using ::maxpool::testing::SmallRequest;
using ::maxpool::testing::StreamingRequest;
using ::testing::HasSubstr;

HoldContext At(absl::Time now) {
  HoldContext c;
  c.now = now;
  return c;
}

// Both default accounts at their session limit, resetting after `a` and `b`.
void BenchBoth(RouterHarness& h, absl::Duration a, absl::Duration b) {
  h.quota("A").unified_5h = 0.95;
  h.quota("A").unified_5h_reset = h.now() + a;
  h.quota("B").unified_5h = 0.95;
  h.quota("B").unified_5h_reset = h.now() + b;
}

HoldDecision Decide(RouterHarness& h, const RequestInfo& request,
                    HoldCause cause = HoldCause::kQuota) {
  RetryPlan plan = h.router.NextRetry(request, RouteState{});
  return DecideHold(request, cause, plan, QueueSettings{}, At(h.now()));
}

// §15 scenario 29: a streaming request is held up to the 240 s client tolerance when the first
// reset is 2 minutes away.
TEST(HoldPolicy, Scenario29_StreamingHeldUntilSoonReset) {
  RouterHarness h;
  BenchBoth(h, absl::Minutes(2), absl::Minutes(3));
  RetryPlan plan = h.router.NextRetry(StreamingRequest(), RouteState{});
  EXPECT_EQ(plan.cause, RetryCause::kSessionLimit);
  EXPECT_EQ(plan.retry_after, absl::Minutes(2));
  HoldDecision d = Decide(h, StreamingRequest());
  EXPECT_TRUE(d.hold);
  EXPECT_EQ(d.window, absl::Seconds(240));
  EXPECT_EQ(d.deadline, h.now() + absl::Seconds(240));
  h.clock.Advance(absl::Minutes(2));
  EXPECT_EQ(h.Pick(StreamingRequest()), "A");
}

// §15 scenario 30: resets 30 minutes away are beyond the window: 429 with retry-after 1800 and a
// message that says both accounts are at their limit.
TEST(HoldPolicy, Scenario30_ResetBeyondWindowIsAnHonest429) {
  RouterHarness h;
  BenchBoth(h, absl::Minutes(30), absl::Minutes(30));
  HoldDecision d = Decide(h, StreamingRequest());
  EXPECT_FALSE(d.hold);
  EXPECT_EQ(d.refusal, HoldRefusal::kNotWithinWindow);
  RetryPlan plan = h.router.NextRetry(StreamingRequest(), RouteState{});
  EXPECT_EQ(RetryAfterSeconds(plan), 1800);
  std::string message =
      HonestMessage(h.router.Census(StreamingRequest()), plan, /*recovering=*/false, h.now());
  EXPECT_THAT(message, HasSubstr("all 2 Claude accounts are at their limit"));
  EXPECT_THAT(message, HasSubstr("~30m"));
  EXPECT_THAT(message, HasSubstr("A: session_limit"));
  EXPECT_THAT(message, HasSubstr("B: session_limit"));
}

// §15 scenario 31: a client advertising a 3 h idle timeout may be held 2.4 h.
TEST(HoldPolicy, Scenario31_ClientToleranceExtendsWindow) {
  RouterHarness h;
  BenchBoth(h, absl::Minutes(30), absl::Minutes(30));
  RequestInfo r = StreamingRequest();
  r.client_tolerance = absl::Milliseconds(10800000 * 8 / 10);
  HoldDecision d = Decide(h, r);
  EXPECT_TRUE(d.hold);
  EXPECT_EQ(d.window, absl::Minutes(144));
}

// §15 scenario 32: non-streaming requests are held silently up to 5 minutes.
TEST(HoldPolicy, Scenario32_NonStreamingFiveMinuteWindow) {
  RouterHarness h;
  BenchBoth(h, absl::Minutes(4), absl::Minutes(4));
  EXPECT_TRUE(Decide(h, SmallRequest()).hold);

  RouterHarness later;
  BenchBoth(later, absl::Minutes(6), absl::Minutes(6));
  EXPECT_FALSE(Decide(later, SmallRequest()).hold);
  EXPECT_EQ(RetryAfterSeconds(later.router.NextRetry(SmallRequest(), RouteState{})), 360);
}

// §15 scenario 33: count_tokens waits at most 8 s.
TEST(HoldPolicy, Scenario33_CountTokensEightSecondWindow) {
  RouterHarness h;
  BenchBoth(h, absl::Seconds(10), absl::Seconds(10));
  RequestInfo r = SmallRequest();
  r.is_count_tokens = true;
  HoldDecision d = Decide(h, r);
  EXPECT_FALSE(d.hold);
  EXPECT_EQ(HoldWindow(r, HoldCause::kQuota, RetryCause::kSessionLimit, QueueSettings{}),
            absl::Seconds(8));
  EXPECT_EQ(RetryAfterSeconds(h.router.NextRetry(r, RouteState{})), 10);
}

// §15 scenario 34: weekly exhaustion with no known reset errors at once with retry-after 60.
TEST(HoldPolicy, Scenario34_WeeklyExhaustedUnknownResetErrorsFast) {
  RouterHarness h;
  for (const char* name : {"A", "B"}) {
    h.quota(name).unified_7d = 1.0;
    h.quota(name).unified_status = UnifiedStatus::kRejected;
  }
  RetryPlan plan = h.router.NextRetry(StreamingRequest(), RouteState{});
  EXPECT_EQ(plan.cause, RetryCause::kWeeklyResetUnknown);
  EXPECT_FALSE(plan.retry_after.has_value());
  HoldDecision d = Decide(h, StreamingRequest());
  EXPECT_FALSE(d.hold);
  EXPECT_EQ(d.refusal, HoldRefusal::kWeeklyResetUnknown);
  EXPECT_EQ(RetryAfterSeconds(plan), 60);
  std::string message =
      HonestMessage(h.router.Census(StreamingRequest()), plan, /*recovering=*/false, h.now());
  EXPECT_THAT(message, HasSubstr("all 2 Claude accounts are at their limit"));
  EXPECT_THAT(message, HasSubstr("No reset time is known"));
}

// §5.2: capacity holds of streaming requests use queue.maxWaitMs, clipped by the tolerance;
// a concurrency-capped plan is clipped to capacityMaxWaitMs; network holds use 120 s.
TEST(HoldPolicy, WindowRules) {
  QueueSettings q;
  RequestInfo s = StreamingRequest();
  s.client_tolerance = absl::Hours(10);
  EXPECT_EQ(HoldWindow(s, HoldCause::kCapacity, RetryCause::kCooldown, q), absl::Hours(10));
  EXPECT_EQ(HoldWindow(s, HoldCause::kQuota, RetryCause::kConcurrencyCap, q), absl::Minutes(15));
  EXPECT_EQ(HoldWindow(s, HoldCause::kNetwork, RetryCause::kCooldown, q), absl::Hours(10));
  RequestInfo n = SmallRequest();
  EXPECT_EQ(HoldWindow(n, HoldCause::kNetwork, RetryCause::kCooldown, q), absl::Seconds(120));
  EXPECT_EQ(HoldWindow(n, HoldCause::kCapacity, RetryCause::kCooldown, q), absl::Minutes(5));
  EXPECT_EQ(NetworkSoakBudget(n, q), absl::Seconds(45));
  EXPECT_EQ(NetworkSoakBudget(StreamingRequest(), q), absl::Seconds(120));
}

// §5.1: refusals that need no oracle.
TEST(HoldPolicy, RefusesWhenQueueDisabledBodyTooLargeOrProxyError) {
  RetryPlan soon{false, absl::Seconds(5), RetryCause::kCooldown};
  HoldContext now = At(absl::FromUnixSeconds(1795694400));
  QueueSettings disabled;
  disabled.enabled = false;
  EXPECT_EQ(DecideHold(SmallRequest(), HoldCause::kQuota, soon, disabled, now).refusal,
            HoldRefusal::kQueueDisabled);
  EXPECT_EQ(DecideHold(SmallRequest(), HoldCause::kProxy, soon, QueueSettings{}, now).refusal,
            HoldRefusal::kProxyError);
  HoldContext soaked = now;
  soaked.network_soak_deadline = now.now;
  EXPECT_EQ(DecideHold(SmallRequest(), HoldCause::kNetwork, soon, QueueSettings{}, soaked).refusal,
            HoldRefusal::kNetworkSoakExpired);
  EXPECT_TRUE(DecideHold(SmallRequest(), HoldCause::kQuota, soon, QueueSettings{}, now).hold);
}

// §5.1 step 5: a re-hold keeps the first hold's start, so the deadline does not move.
TEST(HoldPolicy, Rehold_KeepsOriginalDeadline) {
  RetryPlan soon{false, absl::Seconds(5), RetryCause::kCooldown};
  const absl::Time start = absl::FromUnixSeconds(1795694400);
  HoldContext later = At(start + absl::Seconds(200));
  later.queue_started_at = start;
  HoldDecision d = DecideHold(StreamingRequest(), HoldCause::kQuota, soon, QueueSettings{}, later);
  EXPECT_TRUE(d.hold);
  EXPECT_EQ(d.deadline, start + absl::Seconds(240));
  HoldContext expired = At(start + absl::Seconds(240));
  expired.queue_started_at = start;
  EXPECT_FALSE(
      DecideHold(StreamingRequest(), HoldCause::kQuota, soon, QueueSettings{}, expired).hold);
}

// §5.6: transient outages are not described as quota exhaustion (§14 item 26).
TEST(HoldPolicy, TransientOutageIsNotCalledQuota) {
  RouterHarness h;
  h.account("A").state.cooldown_until = h.now() + absl::Seconds(5);
  h.account("B").state.cooldown_until = h.now() + absl::Seconds(4);
  h.router.SetEnabled("B", true).IgnoreError();
  RetryPlan plan = h.router.NextRetry(SmallRequest(), RouteState{});
  UnavailabilityCensus census = h.router.Census(SmallRequest());
  EXPECT_EQ(census.dominant, UnavailabilityCensus::Dominant::kTransient);
  EXPECT_EQ(census.network, 2);
  std::string message = HonestMessage(census, plan, /*recovering=*/true, h.now());
  EXPECT_THAT(message, HasSubstr("reconnect cooldown"));
  EXPECT_THAT(message, HasSubstr("not a quota problem"));
  EXPECT_THAT(message, HasSubstr("~4s"));
}

// §14 item 26: disabled accounts are not counted in "all N accounts".
TEST(HoldPolicy, DisabledAccountsNotCounted) {
  RouterHarness h({"A", "B", "C"});
  h.router.SetEnabled("C", false).IgnoreError();
  BenchBoth(h, absl::Hours(2), absl::Hours(3));
  RetryPlan plan = h.router.NextRetry(SmallRequest(), RouteState{});
  UnavailabilityCensus census = h.router.Census(SmallRequest());
  EXPECT_EQ(census.disabled, 1);
  EXPECT_THAT(HonestMessage(census, plan, false, h.now()), HasSubstr("all 2 Claude accounts"));
}

// §15 scenario 39: a 300 MiB body is never queued (per-request cap 256 MiB).
TEST(HoldPolicy, Scenario39_OversizedBodyNotQueued) {
  RouterHarness h;
  BenchBoth(h, absl::Seconds(30), absl::Seconds(30));
  RequestInfo huge = SmallRequest();
  huge.body_bytes = size_t{300} << 20;
  HoldDecision d = Decide(h, huge);
  EXPECT_FALSE(d.hold);
  EXPECT_EQ(d.refusal, HoldRefusal::kBodyTooLarge);
}

// §15 scenario 26: a non-streaming request soaks network failures for 45 s, then gives up (the
// proxy answers 503 connection_unavailable).
TEST(HoldPolicy, Scenario26_NonStreamingNetworkSoakEndsAfter45s) {
  RouterHarness h;
  h.account("A").state.cooldown_until = h.now() + absl::Seconds(5);
  h.account("B").state.cooldown_until = h.now() + absl::Seconds(5);
  const absl::Time first_failure = h.now();
  HoldContext context = At(h.now());
  context.network_soak_deadline =
      first_failure + NetworkSoakBudget(SmallRequest(), QueueSettings{});
  RetryPlan plan = h.router.NextRetry(SmallRequest(), RouteState{});
  EXPECT_TRUE(DecideHold(SmallRequest(), HoldCause::kNetwork, plan, QueueSettings{}, context).hold);
  h.clock.Advance(absl::Seconds(45));
  context.now = h.now();
  HoldDecision d = DecideHold(SmallRequest(), HoldCause::kNetwork, plan, QueueSettings{}, context);
  EXPECT_FALSE(d.hold);
  EXPECT_EQ(d.refusal, HoldRefusal::kNetworkSoakExpired);
}

TEST(HoldPolicy, FormatWaitRounds) {
  EXPECT_EQ(FormatWait(absl::Seconds(45)), "45s");
  EXPECT_EQ(FormatWait(absl::Seconds(90)), "2m");
  EXPECT_EQ(FormatWait(absl::Minutes(150)), "3h");
  EXPECT_EQ(FormatWait(absl::Hours(36)), "2d");
}

}  // namespace
}  // namespace maxpool::core
