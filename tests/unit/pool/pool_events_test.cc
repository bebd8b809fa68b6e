// pool::Pool publishes its own events on its EventBus (docs/architecture.md principle 2): account
// state changes on every mutation that changes an account's derived state, failovers, refresh
// failures, and the start and end of holds.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "core/header_source.h"
#include "core/response_classifier.h"
#include "credentials/token_refresher.h"
#include "gtest/gtest.h"
#include "pool/pool.h"
#include "support/fake_clock.h"
#include "support/pool_waiter.h"
#include "support/router_harness.h"
#include "support/status_matchers.h"

namespace maxpool::pool {
namespace {

namespace asio = boost::asio;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::kRateLimitedBody;
using ::maxpool::testing::OAuthAccount;
using ::maxpool::testing::RunUntil;
using ::maxpool::testing::SmallRequest;
using ::maxpool::testing::Spawn;
using ::maxpool::testing::Token;
using ::maxpool::testing::Waiter;

PoolOptions EventOnlyOptions() {
  PoolOptions options;
  options.queue.poll = absl::Hours(1);
  options.jitter_seed = 1;
  return options;
}

// The events published so far (the bus has dispatched them); fails on a gap.
std::vector<PoolEventBody> Published(Pool& pool, Subscription& sub) {
  pool.events().Flush();
  std::vector<PoolEventBody> out;
  while (std::optional<Delivery> next = sub.WaitNext(absl::ZeroDuration())) {
    const PoolEvent* event = std::get_if<PoolEvent>(&*next);
    EXPECT_NE(event, nullptr) << "unexpected gap";
    if (event != nullptr) out.push_back(event->body);
  }
  return out;
}

template <class T>
std::vector<T> OfType(const std::vector<PoolEventBody>& events) {
  std::vector<T> out;
  for (const PoolEventBody& body : events) {
    if (const T* typed = std::get_if<T>(&body)) out.push_back(*typed);
  }
  return out;
}

void ExpectChange(const AccountStateChanged& change, std::string_view account,
                  AccountState previous, AccountState current, std::string_view reason) {
  EXPECT_EQ(change.account, account);
  EXPECT_EQ(AccountStateName(change.previous), AccountStateName(previous)) << change.account;
  EXPECT_EQ(AccountStateName(change.current), AccountStateName(current)) << change.account;
  EXPECT_EQ(change.reason, reason) << change.account;
}

core::ResponseVerdict Verdict429(const core::FlatHeaders& headers, const core::Clock& clock) {
  core::UpstreamContext context{core::AccountType::kOAuth, core::Provider::kAnthropic,
                                core::ModelFamily::kSonnet, "claude-sonnet-4-5"};
  return core::ClassifyResponse(429, headers, kRateLimitedBody, context, clock.Now());
}

TEST(PoolEvents, AddingAndRemovingAccounts) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  std::shared_ptr<Subscription> sub = pool.events().Subscribe();
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  core::AccountSettings b = OAuthAccount("B");
  b.enabled = false;
  pool.AddAccount(b, Token("b"));
  ASSERT_THAT(pool.RemoveAccount("A"), IsOk());

  const std::vector<PoolEventBody> events = Published(pool, *sub);
  const std::vector<AccountStateChanged> changes = OfType<AccountStateChanged>(events);
  ASSERT_EQ(events.size(), 3u);
  ASSERT_EQ(changes.size(), 3u);
  ExpectChange(changes[0], "A", AccountState::kNone, AccountState::kActive, "added");
  ExpectChange(changes[1], "B", AccountState::kNone, AccountState::kDisabled, "added");
  ExpectChange(changes[2], "A", AccountState::kActive, AccountState::kNone, "removed");
}

TEST(PoolEvents, DisablingAndEnablingAnAccount) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  std::shared_ptr<Subscription> sub = pool.events().Subscribe();

  ASSERT_THAT(pool.SetEnabled("A", false), IsOk());
  ASSERT_THAT(pool.SetEnabled("A", false), IsOk());  // no change, no event
  ASSERT_THAT(pool.SetEnabled("A", true), IsOk());
  ASSERT_THAT(pool.UpdateAccountSettings("A", [](core::AccountSettings& s) { s.enabled = false; }),
              IsOk());

  const std::vector<PoolEventBody> events = Published(pool, *sub);
  const std::vector<AccountStateChanged> changes = OfType<AccountStateChanged>(events);
  ASSERT_EQ(events.size(), 3u);
  ASSERT_EQ(changes.size(), 3u);
  ExpectChange(changes[0], "A", AccountState::kActive, AccountState::kDisabled, "disabled");
  ExpectChange(changes[1], "A", AccountState::kDisabled, AccountState::kActive, "enabled");
  ExpectChange(changes[2], "A", AccountState::kActive, AccountState::kDisabled, "disabled");
}

// §4.2: an unexplained 429 benches the account that answered it; the request fails over. The
// bench's end is published at the next mutation after it.
TEST(PoolEvents, A429ThrottlesTheAccountAndFailsOver) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B"), Token("b"));
  std::shared_ptr<Subscription> sub = pool.events().Subscribe();

  core::RequestInfo request = SmallRequest();
  core::RouteState route;
  std::optional<Grant> grant = pool.TryAcquire(request, route);
  ASSERT_TRUE(grant.has_value());
  const std::string account = grant->lease.account_name;
  core::FlatHeaders headers{{"retry-after", "30"}};
  pool.Observe(grant->lease, 429, headers);
  core::AttemptContext attempt;
  attempt.status = 429;
  const core::FailureAction action =
      pool.OnFailure(grant->lease, request, route, Verdict429(headers, clock), attempt);
  EXPECT_TRUE(action.failover);

  std::vector<PoolEventBody> events = Published(pool, *sub);
  ASSERT_EQ(events.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<AccountStateChanged>(events[0]));
  ExpectChange(std::get<AccountStateChanged>(events[0]), account, AccountState::kActive,
               AccountState::kThrottled, "rate_limited");
  ASSERT_TRUE(std::holds_alternative<Failover>(events[1]));
  const Failover& failover = std::get<Failover>(events[1]);
  EXPECT_EQ(failover.account, account);
  EXPECT_EQ(failover.failure_class, "rate_limited");
  EXPECT_EQ(failover.status, 429);
  EXPECT_EQ(failover.next, FailoverNext::kRetry);

  // The retry-after passes; the next mutation reports it.
  clock.Advance(absl::Seconds(31));
  core::RouteState other_route;
  std::optional<Grant> next = pool.TryAcquire(SmallRequest(), other_route);
  ASSERT_TRUE(next.has_value());
  events = Published(pool, *sub);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<AccountStateChanged>(events[0]));
  ExpectChange(std::get<AccountStateChanged>(events[0]), account, AccountState::kThrottled,
               AccountState::kActive, "block_ended");
  pool.Release(next->lease, {core::ReleaseKind::kSuccess, 200, ""});
  EXPECT_TRUE(Published(pool, *sub).empty());
}

// §3.1: a quota-rejected 429 whose headers put the 5h window at 100 % exhausts the account as
// soon as the headers are observed.
TEST(PoolEvents, QuotaHeadersExhaustTheAccount) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  std::shared_ptr<Subscription> sub = pool.events().Subscribe();

  core::RequestInfo request = SmallRequest();
  core::RouteState route;
  std::optional<Grant> grant = pool.TryAcquire(request, route);
  ASSERT_TRUE(grant.has_value());
  const absl::Time reset = clock.Now() + absl::Hours(2);
  core::FlatHeaders headers{
      {"anthropic-ratelimit-unified-status", "rejected"},
      {"anthropic-ratelimit-unified-5h-utilization", "1.0"},
      {"anthropic-ratelimit-unified-5h-reset", absl::StrCat(absl::ToUnixSeconds(reset))}};
  pool.Observe(grant->lease, 429, headers);
  std::vector<PoolEventBody> events = Published(pool, *sub);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<AccountStateChanged>(events[0]));
  ExpectChange(std::get<AccountStateChanged>(events[0]), "A", AccountState::kActive,
               AccountState::kExhausted, "session_limit");

  core::AttemptContext attempt;
  attempt.status = 429;
  const core::ResponseVerdict verdict = Verdict429(headers, clock);
  pool.OnFailure(grant->lease, request, route, verdict, attempt);
  events = Published(pool, *sub);
  const std::vector<Failover> failovers = OfType<Failover>(events);
  ASSERT_EQ(failovers.size(), 1u);
  EXPECT_EQ(failovers[0].failure_class, core::FailureClassName(verdict.failure));
  EXPECT_NE(failovers[0].next, FailoverNext::kRetry);        // no other account
  EXPECT_TRUE(OfType<AccountStateChanged>(events).empty());  // still exhausted
}

TEST(PoolEvents, AServerErrorCoolsTheAccountAndAClientErrorIsNoFailover) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B"), Token("b"));
  std::shared_ptr<Subscription> sub = pool.events().Subscribe();

  core::RequestInfo request = SmallRequest();
  core::RouteState route;
  std::optional<Grant> grant = pool.TryAcquire(request, route);
  ASSERT_TRUE(grant.has_value());
  core::ResponseVerdict verdict;
  verdict.failure = core::FailureClass::kUpstream5xx;
  core::AttemptContext attempt;
  attempt.status = 500;
  pool.OnFailure(grant->lease, request, route, verdict, attempt);
  std::vector<PoolEventBody> events = Published(pool, *sub);
  ASSERT_EQ(events.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<AccountStateChanged>(events[0]));
  ExpectChange(std::get<AccountStateChanged>(events[0]), grant->lease.account_name,
               AccountState::kActive, AccountState::kCooling, "HTTP 500");
  ASSERT_TRUE(std::holds_alternative<Failover>(events[1]));
  EXPECT_EQ(std::get<Failover>(events[1]).failure_class, "upstream_5xx");
  EXPECT_EQ(std::get<Failover>(events[1]).next, FailoverNext::kRetry);

  core::RouteState client_route;
  std::optional<Grant> other = pool.TryAcquire(request, client_route);
  ASSERT_TRUE(other.has_value());
  verdict.failure = core::FailureClass::kClientError;
  attempt.status = 400;
  pool.OnFailure(other->lease, request, client_route, verdict, attempt);
  EXPECT_TRUE(Published(pool, *sub).empty());
}

// §7.3: a refresh token the server refuses kills the account until new credentials arrive. Two
// requests that waited for the same refresh report one refresh failure, each its own failover.
TEST(PoolEvents, ADeadRefreshNeedsLoginUntilNewCredentials) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  std::shared_ptr<Subscription> sub = pool.events().Subscribe();

  core::RequestInfo request = SmallRequest();
  core::RouteState route1;
  core::RouteState route2;
  std::optional<Grant> first = pool.TryAcquire(request, route1);
  std::optional<Grant> second = pool.TryAcquire(request, route2);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());

  credentials::FreshToken failure;
  failure.kind = credentials::FreshToken::Kind::kFailed;
  failure.failure = core::RefreshFailure::kDead;
  failure.status = 400;
  failure.reason = "token_refresh_failed";
  core::AttemptContext attempt;
  // The refresher reports the failed refresh once; both requests that waited for it fail over.
  pool.RefreshOutcome("A", failure);
  pool.OnRefreshFailure(first->lease, request, route1, failure, attempt);
  pool.OnRefreshFailure(second->lease, request, route2, failure, attempt);

  std::vector<PoolEventBody> events = Published(pool, *sub);
  const std::vector<AccountStateChanged> changes = OfType<AccountStateChanged>(events);
  ASSERT_EQ(changes.size(), 1u);
  ExpectChange(changes[0], "A", AccountState::kActive, AccountState::kNeedsLogin, "refresh_dead");
  const std::vector<Failover> failovers = OfType<Failover>(events);
  ASSERT_EQ(failovers.size(), 2u);
  EXPECT_EQ(failovers[0].account, "A");
  EXPECT_EQ(failovers[0].failure_class, "auth_dead");
  EXPECT_EQ(failovers[0].status, 400);
  EXPECT_EQ(failovers[0].next, FailoverNext::kHold);  // no other account to fail over to
  const std::vector<RefreshFinished> refreshes = OfType<RefreshFinished>(events);
  ASSERT_EQ(refreshes.size(), 1u);
  EXPECT_EQ(refreshes[0].account, "A");
  EXPECT_FALSE(refreshes[0].ok);
  EXPECT_EQ(refreshes[0].status, 400);
  EXPECT_EQ(refreshes[0].error, "token_refresh_failed (dead)");
  EXPECT_EQ(events.size(), 4u);

  // New credentials revive it (§7.6).
  ASSERT_THAT(pool.UpdateCredential("A", Token("a2")), IsOk());
  events = Published(pool, *sub);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<AccountStateChanged>(events[0]));
  ExpectChange(std::get<AccountStateChanged>(events[0]), "A", AccountState::kNeedsLogin,
               AccountState::kActive, "credentials_renewed");
}

// A network failure of the refresh cools the account. The requests report failovers; the refresh
// itself is reported by the refresher (RefreshOutcome), once per refresh.
TEST(PoolEvents, RefreshNetworkFailuresCoolTheAccount) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  std::shared_ptr<Subscription> sub = pool.events().Subscribe();

  credentials::FreshToken failure;
  failure.kind = credentials::FreshToken::Kind::kFailed;
  failure.failure = core::RefreshFailure::kNetworkBeforeSend;
  failure.reason = "token_refresh_network";
  core::RequestInfo request = SmallRequest();
  for (int i = 0; i < 2; ++i) {
    core::RouteState route;
    std::optional<Grant> grant = pool.TryAcquire(request, route);
    ASSERT_TRUE(grant.has_value()) << i;
    pool.OnRefreshFailure(grant->lease, request, route, failure, core::AttemptContext{});
    const std::vector<PoolEventBody> events = Published(pool, *sub);
    const std::vector<AccountStateChanged> changes = OfType<AccountStateChanged>(events);
    ASSERT_GE(changes.size(), 1u) << i;
    ExpectChange(changes.back(), "A", AccountState::kActive, AccountState::kCooling,
                 "token_refresh_network");
    const std::vector<Failover> failovers = OfType<Failover>(events);
    ASSERT_EQ(failovers.size(), 1u) << i;
    EXPECT_EQ(failovers[0].failure_class, "network");
    EXPECT_EQ(OfType<RefreshFinished>(events).size(), 0u) << i;
    pool.RefreshOutcome("A", failure);
    const std::vector<RefreshFinished> refreshes = OfType<RefreshFinished>(Published(pool, *sub));
    ASSERT_EQ(refreshes.size(), 1u) << i;
    EXPECT_FALSE(refreshes[0].ok);
    EXPECT_EQ(refreshes[0].error, "token_refresh_network (network_before_send)");
    clock.Advance(absl::Seconds(10));  // past the 5 s network cooldown
  }
}

// §5.3: a held request's wait is bracketed by HoldStarted and HoldEnded.
TEST(PoolEvents, HoldStartsAndEnds) {
  FakeClock clock;
  PoolOptions options = EventOnlyOptions();
  options.scheduler.safety_max_active_per_account = 1;
  Pool pool(clock, options);
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  asio::io_context io;
  std::optional<Grant> busy;
  {
    core::RouteState busy_route;
    busy = pool.TryAcquire(SmallRequest(), busy_route);
  }
  ASSERT_TRUE(busy.has_value());
  std::shared_ptr<Subscription> sub = pool.events().Subscribe();

  Waiter waiter;
  waiter.request.streaming = true;
  Spawn(io, pool, waiter, clock.Now() + absl::Minutes(5));
  ASSERT_TRUE(RunUntil(io, [&] { return pool.waiting() == 1; }));
  std::vector<PoolEventBody> events = Published(pool, *sub);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<HoldStarted>(events[0]));
  const HoldStarted started = std::get<HoldStarted>(events[0]);
  EXPECT_NE(started.hold_id, 0u);
  EXPECT_TRUE(started.streaming);
  EXPECT_EQ(started.queue_depth, 1);

  clock.Advance(absl::Seconds(3));
  pool.Release(busy->lease, {core::ReleaseKind::kSuccess, 200, ""});
  ASSERT_TRUE(RunUntil(
      io, [&] { return waiter.grant.has_value(); }, std::chrono::milliseconds(500)));
  events = Published(pool, *sub);
  const std::vector<HoldEnded> ended = OfType<HoldEnded>(events);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].hold_id, started.hold_id);
  EXPECT_EQ(ended[0].outcome, HoldOutcome::kAdmitted);
  EXPECT_EQ(ended[0].waited, absl::Seconds(3));
  EXPECT_EQ(HoldOutcomeName(ended[0].outcome), "admitted");
  pool.Release(waiter.grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
}

TEST(PoolEvents, AFullQueueEndsAHoldThatNeverStarted) {
  FakeClock clock;
  PoolOptions options = EventOnlyOptions();
  options.scheduler.safety_max_active_per_account = 1;
  options.queue.max_concurrent_queued = 1;
  Pool pool(clock, options);
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  asio::io_context io;
  std::optional<Grant> busy;
  {
    core::RouteState busy_route;
    busy = pool.TryAcquire(SmallRequest(), busy_route);
  }
  ASSERT_TRUE(busy.has_value());
  std::shared_ptr<Subscription> sub = pool.events().Subscribe();

  Waiter first;
  Waiter refused;
  Spawn(io, pool, first, clock.Now() + absl::Minutes(5));
  ASSERT_TRUE(RunUntil(io, [&] { return pool.waiting() == 1; }));
  Spawn(io, pool, refused, clock.Now() + absl::Minutes(5));
  ASSERT_TRUE(RunUntil(io, [&] { return refused.result.has_value(); }));
  EXPECT_EQ(refused.result->outcome, HoldOutcome::kQueueFull);

  const std::vector<PoolEventBody> events = Published(pool, *sub);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<HoldStarted>(events[0]));
  ASSERT_TRUE(std::holds_alternative<HoldEnded>(events[1]));
  EXPECT_EQ(std::get<HoldEnded>(events[1]).hold_id, 0u);
  EXPECT_EQ(std::get<HoldEnded>(events[1]).outcome, HoldOutcome::kQueueFull);
  pool.Release(busy->lease, {core::ReleaseKind::kSuccess, 200, ""});
  ASSERT_TRUE(RunUntil(io, [&] { return first.result.has_value(); }));
}

// A hold whose coroutine is destroyed (its io_context goes away) still ends, as cancelled.
TEST(PoolEvents, ADestroyedHoldEndsCancelled) {
  FakeClock clock;
  PoolOptions options = EventOnlyOptions();
  options.scheduler.safety_max_active_per_account = 1;
  Pool pool(clock, options);
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  std::optional<Grant> busy;
  {
    core::RouteState busy_route;
    busy = pool.TryAcquire(SmallRequest(), busy_route);
  }
  ASSERT_TRUE(busy.has_value());
  std::shared_ptr<Subscription> sub = pool.events().Subscribe();
  Waiter waiter;
  {
    asio::io_context io;
    Spawn(io, pool, waiter, clock.Now() + absl::Minutes(5));
    ASSERT_TRUE(RunUntil(io, [&] { return pool.waiting() == 1; }));
  }
  EXPECT_EQ(pool.waiting(), 0);
  const std::vector<PoolEventBody> events = Published(pool, *sub);
  const std::vector<HoldEnded> ended = OfType<HoldEnded>(events);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].outcome, HoldOutcome::kCancelled);
  pool.Release(busy->lease, {core::ReleaseKind::kSuccess, 200, ""});
}

// The app publishes its own events on the pool's bus; they share the sequence.
TEST(PoolEvents, AppEventsShareThePoolsBus) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  std::shared_ptr<Subscription> sub = pool.events().Subscribe();
  RequestFinished finished;
  finished.account = "A";
  finished.method = "POST";
  finished.target = "/v1/messages";
  finished.status = 200;
  finished.duration = absl::Milliseconds(1500);
  finished.attempts = 1;
  finished.output_tokens = 42;
  const uint64_t first = pool.events().Publish(finished);
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.events().Flush();
  std::optional<Delivery> a = sub->WaitNext(absl::ZeroDuration());
  std::optional<Delivery> b = sub->WaitNext(absl::ZeroDuration());
  ASSERT_TRUE(a.has_value() && b.has_value());
  ASSERT_TRUE(std::holds_alternative<PoolEvent>(*a));
  ASSERT_TRUE(std::holds_alternative<PoolEvent>(*b));
  EXPECT_EQ(std::get<PoolEvent>(*a).sequence, first);
  EXPECT_EQ(std::get<PoolEvent>(*a).at, clock.Now());
  EXPECT_EQ(std::get<RequestFinished>(std::get<PoolEvent>(*a).body).output_tokens, 42);
  EXPECT_EQ(std::get<RequestFinished>(std::get<PoolEvent>(*a).body).input_tokens, kUnknownTokens);
  EXPECT_EQ(std::get<PoolEvent>(*b).sequence, first + 1);
  EXPECT_EQ(std::get<PoolEvent>(*b).kind(), EventKind::kAccountStateChanged);
}

}  // namespace
}  // namespace maxpool::pool
