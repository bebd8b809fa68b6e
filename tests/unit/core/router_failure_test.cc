// Failure effects, failover and the shared breaker (spec §4.2–4.7) against §15 scenarios 15–28.

#include "absl/strings/str_cat.h"
#include "core/hold_policy.h"
#include "core/response_classifier.h"
#include "core/router.h"
#include "core/weekly.h"
#include "gtest/gtest.h"
#include "support/router_harness.h"

namespace maxpool::core {
namespace {

using ::maxpool::testing::RouterHarness;
using ::maxpool::testing::SmallRequest;
using ::maxpool::testing::StreamingRequest;

// Runs one attempt of `request` that fails with the given upstream answer; returns the action.
struct Attempt {
  std::string account;
  FailureAction action;
};

Attempt FailWith(RouterHarness& h, const RequestInfo& request, RouteState& route, int status,
                 const FlatHeaders& headers, std::string_view body, AttemptContext attempt = {}) {
  std::optional<Lease> lease = h.router.Acquire(request, route);
  if (!lease) return {"", {}};
  h.router.ObserveResponse(*lease, status, headers);
  UpstreamContext context{AccountType::kOAuth, Provider::kAnthropic, request.family, request.model};
  ResponseVerdict verdict = ClassifyResponse(status, headers, body, context, h.now());
  attempt.status = status;
  return {lease->account_name, h.router.OnFailure(*lease, request, route, verdict, attempt)};
}

Attempt FailNetwork(RouterHarness& h, const RequestInfo& request, RouteState& route,
                    std::string code, AttemptContext attempt = {}) {
  std::optional<Lease> lease = h.router.Acquire(request, route);
  if (!lease) return {"", {}};
  ResponseVerdict verdict;
  verdict.failure = ClassifyTransportError(code);
  attempt.transport_error = code;
  return {lease->account_name, h.router.OnFailure(*lease, request, route, verdict, attempt)};
}

std::string Succeed(RouterHarness& h, const RequestInfo& request, RouteState& route,
                    int status = 200) {
  std::optional<Lease> lease = h.router.Acquire(request, route);
  if (!lease) return "";
  h.router.ObserveResponse(*lease, status, FlatHeaders{});
  h.router.Release(*lease, {ReleaseKind::kSuccess, status, ""});
  return lease->account_name;
}

constexpr std::string_view kRateLimitedBody =
    R"({"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}})";
constexpr std::string_view kOverloadedBody =
    R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})";
constexpr std::string_view kServerErrorBody =
    R"({"type":"error","error":{"type":"api_error","message":"Internal server error"}})";

// §15 scenario 15: an account-wide 429 benches A for retry-after and fails over to B.
TEST(RouterFailure, Scenario15_QuotaRejectionBenchesAndFailsOver) {
  RouterHarness h;
  RouteState route;
  FlatHeaders headers{{"anthropic-ratelimit-unified-status", "rejected"},
                      {"anthropic-ratelimit-unified-5h-utilization", "1.0"},
                      {"retry-after", "120"}};
  Attempt a = FailWith(h, SmallRequest(), route, 429, headers, kRateLimitedBody);
  EXPECT_EQ(a.account, "A");
  EXPECT_TRUE(a.action.failover);
  AccountState& st = h.account("A").state;
  EXPECT_EQ(st.status, AccountStatus::kThrottled);
  EXPECT_EQ(st.rate_limited_until, h.now() + absl::Seconds(120));
  EXPECT_EQ(st.consecutive_failures, 1);
  EXPECT_EQ(Succeed(h, SmallRequest(), route), "B");

  // The oracle afterwards: B can serve now; without B, capacity returns when A's retry-after
  // ends, and says why.
  const RetryPlan now = h.router.NextRetry(SmallRequest(), RouteState{});
  EXPECT_TRUE(now.available);
  RouteState without_b;
  without_b.excluded.insert(*h.router.IdOf("B"));
  const RetryPlan plan = h.router.NextRetry(SmallRequest(), without_b);
  EXPECT_FALSE(plan.available);
  ASSERT_TRUE(plan.retry_after.has_value());
  EXPECT_EQ(*plan.retry_after, absl::Seconds(120));
  EXPECT_EQ(plan.cause, RetryCause::kRateLimited);
}

// §15 scenario 15's headers (the real capture of anthropic-wire.md §4.2): `rejected` with the
// 5-hour window at 100% and the week at 59% is a 5-hour limit. The account is not weekly
// exhausted; with nothing else to serve, the oracle names the 5-hour reset (what retry-after
// says), so a request can be held for it. A deliberate difference from the reference.
TEST(RouterFailure, Scenario15_RejectedAtFiveHoursIsAFiveHourLimitNotWeeklyExhaustion) {
  RouterHarness h({"A"});
  RouteState route;
  const absl::Time five_hour_reset = h.now() + absl::Seconds(2094);
  FlatHeaders headers{
      {"anthropic-ratelimit-unified-status", "rejected"},
      {"anthropic-ratelimit-unified-5h-status", "rejected"},
      {"anthropic-ratelimit-unified-5h-reset", absl::StrCat(absl::ToUnixSeconds(five_hour_reset))},
      {"anthropic-ratelimit-unified-5h-utilization", "1.0"},
      {"anthropic-ratelimit-unified-7d-status", "allowed"},
      {"anthropic-ratelimit-unified-7d-reset",
       absl::StrCat(absl::ToUnixSeconds(h.now() + absl::Hours(30)))},
      {"anthropic-ratelimit-unified-7d-utilization", "0.59"},
      {"anthropic-ratelimit-unified-representative-claim", "five_hour"},
      {"retry-after", "2094"}};
  Attempt a = FailWith(h, StreamingRequest(), route, 429, headers, kRateLimitedBody);
  EXPECT_EQ(a.account, "A");
  EXPECT_FALSE(a.action.failover);
  ASSERT_TRUE(a.action.hold.has_value());
  EXPECT_EQ(*a.action.hold, HoldCause::kQuota);
  EXPECT_NE(RawWeeklyState(h.account("A"), h.router.settings()), WeeklyTier::kExhausted);
  const RetryPlan plan = h.router.NextRetry(StreamingRequest(), RouteState{});
  ASSERT_TRUE(plan.retry_after.has_value());
  EXPECT_EQ(*plan.retry_after, absl::Seconds(2094));
  EXPECT_NE(plan.cause, RetryCause::kWeeklyExhausted);
  EXPECT_EQ(RetryAfterSeconds(plan), 2094);

  // At the 5-hour reset the account serves again.
  h.clock.Set(five_hour_reset + absl::Seconds(1));
  RouteState after;
  EXPECT_EQ(Succeed(h, StreamingRequest(), after), "A");
}

// The weekly window used up with `rejected` is still weekly exhaustion (§15 scenarios 9, 13).
TEST(RouterFailure, RejectedWithTheWeekUsedUpIsWeeklyExhaustion) {
  RouterHarness h({"A"});
  RouteState route;
  FlatHeaders headers{{"anthropic-ratelimit-unified-status", "rejected"},
                      {"anthropic-ratelimit-unified-5h-utilization", "0.3"},
                      {"anthropic-ratelimit-unified-7d-utilization", "1.0"},
                      {"retry-after", "120"}};
  FailWith(h, SmallRequest(), route, 429, headers, kRateLimitedBody);
  EXPECT_EQ(RawWeeklyState(h.account("A"), h.router.settings()), WeeklyTier::kExhausted);
}

// §13 item 7: a 403 about the request skips the account for this request only.
TEST(RouterFailure, RequestSpecific403ExcludesForThisRequestOnlyAndRelaysWhenAllRefuse) {
  RouterHarness h;
  RouteState route;
  const std::string body =
      R"({"type":"error","error":{"type":"permission_error","message":"no access to this model"}})";
  AttemptContext attempt;
  attempt.can_retry = true;
  attempt.hops_left = true;
  Attempt first = FailWith(h, SmallRequest(), route, 403, FlatHeaders{}, body, attempt);
  EXPECT_TRUE(first.action.failover);
  Attempt second = FailWith(h, SmallRequest(), route, 403, FlatHeaders{}, body, attempt);
  EXPECT_NE(second.account, first.account);
  EXPECT_FALSE(second.action.failover);
  EXPECT_FALSE(second.action.hold.has_value());
  EXPECT_EQ(second.action.reply, FallbackReply::kRelayUpstream);
  for (const char* name : {"A", "B"}) {
    const AccountState& st = h.account(name).state;
    EXPECT_FALSE(st.cooldown_until.has_value()) << name;
    EXPECT_EQ(st.consecutive_failures, 0) << name;
  }
  // The next request is served at once.
  RouteState next;
  EXPECT_FALSE(Succeed(h, SmallRequest(), next).empty());
}

// A 403 refusing the account itself benches that account alone.
TEST(RouterFailure, AccountLevel403BenchesOnlyThatAccount) {
  RouterHarness h;
  RouteState route;
  const std::string body =
      R"({"type":"error","error":{"type":"permission_error","message":"This organization has been disabled."}})";
  AttemptContext attempt;
  attempt.can_retry = true;
  attempt.hops_left = true;
  Attempt a = FailWith(h, SmallRequest(), route, 403, FlatHeaders{}, body, attempt);
  EXPECT_TRUE(a.action.failover);
  const AccountState& st = h.account(a.account).state;
  ASSERT_TRUE(st.cooldown_until.has_value());
  EXPECT_EQ(*st.cooldown_until, h.now() + absl::Seconds(1800));
  RouteState next;
  const std::string other = Succeed(h, SmallRequest(), next);
  EXPECT_FALSE(other.empty());
  EXPECT_NE(other, a.account);
}

// §15 scenario 16: one unexplained 429 benches A 60 s; the identical 429 from B within 30 s is a
// fleet-wide throttle: A is un-benched, the breaker opens for 60 s and the request is held;
// after 60 s exactly one probe goes out, and its 200 closes the breaker with an admission ramp.
TEST(RouterFailure, Scenario16_MatchingUnexplained429sOpenSharedBreaker) {
  RouterHarness h;
  RouteState route;
  Attempt first = FailWith(h, StreamingRequest(), route, 429, FlatHeaders{}, kRateLimitedBody);
  EXPECT_EQ(first.account, "A");
  EXPECT_TRUE(first.action.failover);
  EXPECT_EQ(h.account("A").state.status, AccountStatus::kThrottled);
  EXPECT_EQ(h.account("A").state.rate_limited_until, h.now() + absl::Seconds(60));

  h.clock.Advance(absl::Seconds(5));
  Attempt second = FailWith(h, StreamingRequest(), route, 429, FlatHeaders{}, kRateLimitedBody);
  EXPECT_EQ(second.account, "B");
  EXPECT_FALSE(second.action.failover);
  ASSERT_TRUE(second.action.hold.has_value());
  EXPECT_EQ(*second.action.hold, HoldCause::kUpstreamThrottle);
  EXPECT_EQ(h.account("A").state.status, AccountStatus::kActive);
  EXPECT_EQ(h.account("B").state.consecutive_failures, 0);  // neutral release
  EXPECT_TRUE(h.router.breaker().Blocking(h.now()));
  EXPECT_EQ(h.router.breaker().until(), h.now() + absl::Seconds(60));

  RetryPlan plan = h.router.NextRetry(StreamingRequest(), RouteState{});
  EXPECT_EQ(plan.cause, RetryCause::kUpstreamThrottle);
  EXPECT_EQ(plan.retry_after, absl::Seconds(60));
  EXPECT_EQ(h.Pick(), "");

  h.clock.Advance(absl::Seconds(60));
  RouteState probe_route;
  std::optional<Lease> probe = h.router.Acquire(SmallRequest(), probe_route);
  ASSERT_TRUE(probe.has_value());
  EXPECT_TRUE(probe->probe_generation.has_value());
  RouteState other;
  EXPECT_FALSE(h.router.Acquire(SmallRequest(), other).has_value()) << "only one probe";
  EXPECT_EQ(h.router.NextRetry(SmallRequest(), other).cause, RetryCause::kUpstreamProbe);

  h.router.ObserveResponse(*probe, 200, FlatHeaders{});
  EXPECT_FALSE(h.router.breaker().open());
  EXPECT_TRUE(h.router.breaker().InAdmissionRamp(h.now()));
  h.router.Release(*probe, {ReleaseKind::kSuccess, 200, ""});
  h.clock.Advance(SharedBreaker::kAdmissionRamp);
  EXPECT_FALSE(h.router.breaker().InAdmissionRamp(h.now()));
}

// §15 scenario 17: a model-scoped 429 benches only that model family on A.
TEST(RouterFailure, Scenario17_ModelScopedLimitBenchesOnlyThatFamily) {
  RouterHarness h;
  RouteState route;
  RequestInfo fable = SmallRequest();
  fable.model = "claude-fable-5";
  fable.family = ModelFamily::kFable;
  FlatHeaders headers{{"anthropic-ratelimit-unified-5h-utilization", "0.3"},
                      {"anthropic-ratelimit-unified-7d-utilization", "0.5"},
                      {"retry-after", "7200"}};
  Attempt a = FailWith(h, fable, route, 429, headers, kRateLimitedBody);
  EXPECT_EQ(a.account, "A");
  EXPECT_TRUE(a.action.failover);
  EXPECT_EQ(h.account("A").state.status, AccountStatus::kActive);
  EXPECT_EQ(h.account("A").state.consecutive_failures, 0);
  const auto& scoped = h.quota("A").scoped_weekly[FamilyIndex(ModelFamily::kFable)];
  ASSERT_TRUE(scoped.has_value());
  EXPECT_EQ(scoped->utilization, 1.0);
  EXPECT_EQ(scoped->reset_at, h.now() + absl::Seconds(7200));
  EXPECT_EQ(Succeed(h, fable, route), "B");

  // A later sonnet request may use A; a later fable request skips it.
  h.account("B").state.in_flight = 0;
  RouteState sonnet_route;
  sonnet_route.excluded.insert(*h.router.IdOf("B"));
  EXPECT_EQ(Succeed(h, SmallRequest(), sonnet_route), "A");
  for (int i = 0; i < 3; ++i) {
    RouteState fresh;
    EXPECT_EQ(Succeed(h, fable, fresh), "B");
  }
}

// §15 scenario 19: a body larger than the retry buffer is never failed over nor held.
TEST(RouterFailure, Scenario19_OversizedBodyIsNotFailedOverNorHeld) {
  RouterHarness h;
  RouteState route;
  AttemptContext attempt;
  attempt.can_retry = false;
  FlatHeaders headers{{"anthropic-ratelimit-unified-status", "rejected"},
                      {"anthropic-ratelimit-unified-5h-utilization", "1.0"},
                      {"retry-after", "120"}};
  Attempt a = FailWith(h, SmallRequest(), route, 429, headers, kRateLimitedBody, attempt);
  EXPECT_FALSE(a.action.failover);
  EXPECT_FALSE(a.action.hold.has_value());
  EXPECT_EQ(a.action.reply, FallbackReply::kNoAccount429);
}

// §15 scenario 20: one 529 provisionally blocks A for <= 30 s and fails over; no breaker.
TEST(RouterFailure, Scenario20_Single529FailsOverWithoutBreaker) {
  RouterHarness h;
  RouteState route;
  Attempt a =
      FailWith(h, SmallRequest(), route, 529, FlatHeaders{{"retry-after", "90"}}, kOverloadedBody);
  EXPECT_EQ(a.account, "A");
  EXPECT_TRUE(a.action.failover);
  EXPECT_EQ(h.account("A").state.provisional_upstream_until, h.now() + absl::Seconds(30));
  EXPECT_EQ(Succeed(h, SmallRequest(), route), "B");
  EXPECT_FALSE(h.router.breaker().open());
}

// After a 529's provisional block ends, A's state and score are the same whether the hold
// queue's "is there a route?" (HasAvailableRoute) or a selection noticed the end first.
TEST(RouterFailure, AnEnded529BlockLooksTheSameWhicheverCallNoticesItFirst) {
  RouterHarness asked_first({"A"});
  RouterHarness selected_first({"A"});
  for (RouterHarness* h : {&asked_first, &selected_first}) {
    RouteState route;
    FailWith(*h, SmallRequest(), route, 529, FlatHeaders{}, kOverloadedBody);
    h->clock.Advance(absl::Seconds(31));
  }
  EXPECT_TRUE(asked_first.router.HasAvailableRoute(SmallRequest(), RouteState{}));
  ASSERT_EQ(asked_first.Pick(), "A");
  ASSERT_EQ(selected_first.Pick(), "A");
  EXPECT_EQ(asked_first.account("A").state.recovered_at,
            selected_first.account("A").state.recovered_at);
  EXPECT_EQ(asked_first.account("A").state.last_error,
            selected_first.account("A").state.last_error);
  EXPECT_DOUBLE_EQ(asked_first.last_lease->score, selected_first.last_lease->score);
}

// §15 scenario 21: the same 529 from all three accounts opens the breaker for 30 s and holds;
// a request that cannot be held gets 529 overloaded_error.
TEST(RouterFailure, Scenario21_Fleetwide529OpensBreaker) {
  RouterHarness h({"A", "B", "C"});
  RouteState route;
  Attempt a = FailWith(h, SmallRequest(), route, 529, FlatHeaders{}, kOverloadedBody);
  Attempt b = FailWith(h, SmallRequest(), route, 529, FlatHeaders{}, kOverloadedBody);
  EXPECT_TRUE(a.action.failover);
  EXPECT_TRUE(b.action.failover);
  EXPECT_FALSE(h.router.breaker().open());
  Attempt c = FailWith(h, SmallRequest(), route, 529, FlatHeaders{}, kOverloadedBody);
  EXPECT_EQ(c.account, "C");
  EXPECT_FALSE(c.action.failover);
  ASSERT_TRUE(c.action.hold.has_value());
  EXPECT_EQ(*c.action.hold, HoldCause::kUpstreamThrottle);
  EXPECT_EQ(c.action.reply, FallbackReply::kOverloaded529);
  EXPECT_TRUE(h.router.breaker().open());
  EXPECT_EQ(h.router.breaker().until(), h.now() + absl::Seconds(30));
  // The incident's provisional blocks are lifted: the breaker alone gates now.
  EXPECT_FALSE(h.account("A").state.provisional_upstream_until.has_value());
}

// §15 scenario 22: consecutive 5xx cool down 30, 60, 120, 240, 480, 900 s; success resets.
TEST(RouterFailure, Scenario22_ExponentialCooldownAndReset) {
  RouterHarness h({"A"});
  const int expected[] = {30, 60, 120, 240, 480, 900, 900};
  for (int seconds : expected) {
    RouteState route;
    Attempt a = FailWith(h, SmallRequest(), route, 500, FlatHeaders{}, kServerErrorBody);
    ASSERT_EQ(a.account, "A");
    EXPECT_EQ(h.account("A").state.cooldown_until, h.now() + absl::Seconds(seconds));
    h.clock.Advance(absl::Seconds(seconds));
  }
  RouteState route;
  EXPECT_EQ(Succeed(h, SmallRequest(), route), "A");
  EXPECT_EQ(h.account("A").state.consecutive_failures, 0);
  RouteState again;
  FailWith(h, SmallRequest(), again, 503, FlatHeaders{}, kServerErrorBody);
  EXPECT_EQ(h.account("A").state.cooldown_until, h.now() + absl::Seconds(30));
}

// §15 scenario 23: any non-capacity answer to the probe closes the breaker, even a 400.
TEST(RouterFailure, Scenario23_ProbeGetting400ClosesBreaker) {
  RouterHarness h;
  h.router.mutable_breaker().Open(h.now(), absl::Seconds(30), "test");
  h.clock.Advance(absl::Seconds(30));
  RouteState route;
  std::optional<Lease> probe = h.router.Acquire(SmallRequest(), route);
  ASSERT_TRUE(probe && probe->probe_generation);
  h.router.ObserveResponse(*probe, 400, FlatHeaders{});
  EXPECT_FALSE(h.router.breaker().open());
}

// §15 scenario 24: four failed probes close the breaker; the waits between are 5, 10, 20 s.
TEST(RouterFailure, Scenario24_ProbeBudgetExhausted) {
  RouterHarness h;
  h.router.mutable_breaker().Open(h.now(), absl::Seconds(60), "test");
  h.clock.Advance(absl::Seconds(60));
  const int waits[] = {5, 10, 20};
  for (int i = 0; i < 4; ++i) {
    RouteState route;
    Attempt a = FailNetwork(h, SmallRequest(), route, "ECONNRESET");
    ASSERT_NE(a.account, "") << "probe " << i;
    if (i < 3) {
      ASSERT_TRUE(h.router.breaker().open());
      EXPECT_EQ(h.router.breaker().until(), h.now() + absl::Seconds(waits[i]));
      h.clock.Advance(absl::Seconds(waits[i]));
      // Network cooldowns (5 s) have passed too by now, except after the first 5 s wait.
      h.account("A").state.cooldown_until.reset();
      h.account("B").state.cooldown_until.reset();
    }
  }
  EXPECT_FALSE(h.router.breaker().open());
}

// §15 scenario 25 (core part) / §14 item 25: network failures cool each account 5 s without
// touching consecutive failures, and the request is held with cause network.
TEST(RouterFailure, Scenario25_NetworkFailuresCoolFiveSecondsAndHold) {
  RouterHarness h;
  RouteState route;
  Attempt a = FailNetwork(h, StreamingRequest(), route, "ECONNRESET");
  EXPECT_TRUE(a.action.failover);
  AttemptContext last_hop;
  last_hop.hops_left = false;  // max attempts = one pass over the 2 accounts (§4.1)
  Attempt b = FailNetwork(h, StreamingRequest(), route, "ECONNRESET", last_hop);
  EXPECT_FALSE(b.action.failover);
  for (const char* name : {"A", "B"}) {
    EXPECT_EQ(h.account(name).state.cooldown_until, h.now() + absl::Seconds(5));
    EXPECT_EQ(h.account(name).state.consecutive_failures, 0);
    EXPECT_EQ(h.account(name).state.failed_requests, 1);
  }
  ASSERT_TRUE(b.action.hold.has_value());
  EXPECT_EQ(*b.action.hold, HoldCause::kNetwork);
  EXPECT_EQ(b.action.reply, FallbackReply::kConnectionUnavailable);
  RetryPlan plan = h.router.NextRetry(StreamingRequest(), RouteState{});
  EXPECT_EQ(plan.cause, RetryCause::kCooldown);
  EXPECT_EQ(plan.retry_after, absl::Seconds(5));
}

// §13 item 7 (RECOMMENDED): a 401 on OAuth refreshes and retries once on the same account; a
// second 401 marks the credential dead and fails over.
TEST(RouterFailure, AuthExpiredRetriesOnceThenFailsOver) {
  RouterHarness h;
  RouteState route;
  constexpr std::string_view body =
      R"({"type":"error","error":{"type":"authentication_error","message":"expired"}})";
  Attempt first = FailWith(h, SmallRequest(), route, 401, FlatHeaders{}, body);
  EXPECT_EQ(first.account, "A");
  EXPECT_TRUE(first.action.refresh_and_retry);
  EXPECT_FALSE(route.excluded.contains(*h.router.IdOf("A")));
  // The retry goes to A again? Only if it is still the best: it is pinned by the caller.
  route.pinned_account = "A";
  Attempt second = FailWith(h, SmallRequest(), route, 401, FlatHeaders{}, body);
  EXPECT_EQ(second.account, "A");
  EXPECT_TRUE(second.action.failover);
  EXPECT_EQ(h.account("A").state.status, AccountStatus::kError);
  route.pinned_account.clear();
  EXPECT_EQ(Succeed(h, SmallRequest(), route), "B");
}

// §4.5: a client error is relayed, never retried, and counts as a failure.
TEST(RouterFailure, ClientErrorIsRelayedNotRetried) {
  RouterHarness h;
  RouteState route;
  Attempt a =
      FailWith(h, SmallRequest(), route, 400, FlatHeaders{},
               R"({"type":"error","error":{"type":"invalid_request_error","message":"bad"}})");
  EXPECT_FALSE(a.action.failover);
  EXPECT_FALSE(a.action.hold.has_value());
  EXPECT_EQ(a.action.reply, FallbackReply::kRelayUpstream);
  EXPECT_EQ(h.account("A").state.failed_requests, 1);
}

// §15 scenario 58 (router part): a provider 403 benches it 1800 s without failure counters; a
// provider 401 marks it failed; with nothing else to serve the client gets 502.
TEST(RouterFailure, Scenario58_Provider403ThrottlesAnd401Fails) {
  RouterHarness h({});
  SchedulerSettings balance;
  balance.routing_mode = RoutingMode::kBalance;
  h.router.set_settings(balance);
  h.router.AddAccount(::maxpool::testing::ProviderAccount("glm", Provider::kZai, 10));
  RequestInfo r = SmallRequest();
  r.profile = "all";
  auto fail = [&](int status) {
    RouteState route;
    std::optional<Lease> lease = h.router.Acquire(r, route);
    EXPECT_TRUE(lease.has_value());
    UpstreamContext context{AccountType::kProvider, Provider::kZai, r.family, r.model};
    ResponseVerdict verdict = ClassifyResponse(status, FlatHeaders{}, "{}", context, h.now());
    AttemptContext attempt;
    attempt.status = status;
    return h.router.OnFailure(*lease, r, route, verdict, attempt);
  };
  FailureAction forbidden = fail(403);
  EXPECT_FALSE(forbidden.failover);
  EXPECT_EQ(forbidden.reply, FallbackReply::kProviderAuth502);
  AccountState& st = h.account("glm").state;
  EXPECT_EQ(st.rate_limited_until, h.now() + absl::Seconds(1800));
  EXPECT_EQ(st.consecutive_failures, 0);
  EXPECT_EQ(st.failed_requests, 0);

  h.clock.Advance(absl::Seconds(1800));
  FailureAction unauthorized = fail(401);
  EXPECT_EQ(unauthorized.reply, FallbackReply::kProviderAuth502);
  EXPECT_FALSE(unauthorized.hold.has_value());
  EXPECT_EQ(st.status, AccountStatus::kError);
  EXPECT_EQ(st.failed_requests, 1);
}

// §15 scenario 65 through the router: release records load events.
TEST(RouterFailure, Scenario65_ReleaseFeedsRollingLoad) {
  RouterHarness h({"A"});
  for (int seconds : {1, 2}) h.Complete(SmallRequest(), absl::Seconds(seconds));
  RouteState route;
  std::optional<Lease> lease = h.router.Acquire(SmallRequest(), route);
  ASSERT_TRUE(lease);
  h.clock.Advance(absl::Seconds(3));
  h.router.Release(*lease, {ReleaseKind::kFailure, 500, ""});
  LoadSummary s = h.account("A").state.load.Summary(h.now(), absl::Minutes(15));
  EXPECT_EQ(s.requests, 3);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.weight, 3);
  EXPECT_EQ(s.avg_ms, 2000);
}

}  // namespace
}  // namespace maxpool::core
