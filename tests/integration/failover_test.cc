// Failover, the shared breaker, cooldowns, session affinity and the preferred account, through
// HTTP: a real proxy and pool in front of the fake upstream (spec §4, §6.4, §6.7, §14 items
// 32-36, §15 scenarios 15, 16, 19-22, 41-43).

#include <chrono>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fake/behaviour.h"
#include "fake/test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/fake_clock.h"
#include "support/proxy_harness.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::ProxyHarness;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSessionHeader[] = "x-maxpool-session";

fake::Behaviour Behave(fake::BehaviourKind kind) { return fake::Behaviour::Of(kind); }

fake::Behaviour WithRetryAfter(fake::BehaviourKind kind, int64_t seconds) {
  fake::Behaviour b = fake::Behaviour::Of(kind);
  b.retry_after = seconds;
  return b;
}

fake::Behaviour ServerError(int status) {
  fake::Behaviour b = fake::Behaviour::Of(fake::BehaviourKind::kServerError);
  b.status = status;
  return b;
}

// Appends behaviours to an account's script (consumed one per request, then the default "ok").
void Script(ProxyHarness& h, const std::string& credential, std::vector<fake::Behaviour> script) {
  ASSERT_TRUE(h.upstream().Script(credential, std::move(script)).ok());
}

// The accounts (by name) the fake saw requests for, oldest first.
std::vector<std::string> UpstreamAccounts(ProxyHarness& h) {
  std::vector<std::string> names;
  for (const fake::RecordedRequest& r : h.upstream().Requests()) {
    names.push_back(r.credential.substr(r.credential.rfind('-') + 1));
  }
  return names;
}

core::Account AccountNamed(ProxyHarness& h, std::string_view name) {
  for (core::Account& a : h.pool().Snapshot()) {
    if (a.settings.name == name) return a;
  }
  ADD_FAILURE() << "no account " << name;
  return {};
}

// True once no account has a request in flight. The proxy releases a lease just after the
// client has read the last byte, so "the request completed" is this, not the response alone.
bool Settled(ProxyHarness& h) {
  return Eventually([&] {
    for (const core::Account& a : h.pool().Snapshot()) {
      if (a.state.in_flight != 0) return false;
    }
    return true;
  });
}

// A request that has completed on both sides before the next one starts (§15 "sequential").
fake::HttpResponse PostSettled(ProxyHarness& h, bool stream, fake::ClientHeaders extra = {},
                               const std::string& body = "") {
  fake::HttpResponse response = h.Post(stream, std::move(extra), body);
  EXPECT_TRUE(Settled(h));
  return response;
}

int CountEvents(const fake::SseParse& sse, std::string_view name) {
  int n = 0;
  for (const fake::SseEvent& e : sse.events) n += e.event == name ? 1 : 0;
  return n;
}

// A harness whose pool runs on `clock`: a bench or a cooldown ends when the test moves the
// clock past it, not after a sleep. (The clock starts at the wall clock's now, so the fake
// upstream's reset times read the same.)
ProxyHarness::Options OnClock(const FakeClock& clock) {
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.clock = &clock;
  return options;
}

// Moves `clock` just past `t`.
void MovePast(FakeClock& clock, absl::Time t) {
  if (clock.Now() <= t) clock.Set(t + absl::Milliseconds(20));
}

// ---- Failover before the first byte, one failure class at a time (§4.1 step 8, §14 item 32) ---

struct FailureCase {
  std::string name;
  fake::Behaviour behaviour;
  fake::AccountType first_type = fake::AccountType::kOAuth;
};

void PrintTo(const FailureCase& failure, std::ostream* os) { *os << failure.name; }

std::vector<FailureCase> FailureCases() {
  using K = fake::BehaviourKind;
  return {
      {"quota_429", Behave(K::kQuota429)},
      {"throttle_429", WithRetryAfter(K::kThrottle429, 60)},
      {"overloaded_529", Behave(K::kOverloaded529)},
      {"server_error_500", ServerError(500)},
      {"server_error_502", ServerError(502)},
      {"server_error_503", ServerError(503)},
      {"server_error_504", ServerError(504)},
      {"banned_403", Behave(K::kBanned403)},
      {"unauthorized_401_api_key", Behave(K::kUnauthorized401), fake::AccountType::kApiKey},
      {"reset_before_headers", Behave(K::kResetBeforeHeaders)},
      {"stall_before_headers", Behave(K::kStallBeforeHeaders)},
  };
}

class FailoverBeforeFirstByte : public ::testing::TestWithParam<std::tuple<FailureCase, bool>> {};

TEST_P(FailoverBeforeFirstByte, ClientGetsTheOtherAccountsAnswerAndNothingOfTheFirst) {
  const auto& [failure, stream] = GetParam();
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  if (failure.behaviour.kind == fake::BehaviourKind::kStallBeforeHeaders) {
    options.proxy.ttfb = std::chrono::milliseconds(800);  // give up on A fast
  }
  ProxyHarness h(options);
  fake::FakeAccountSpec first;
  first.type = failure.first_type;
  const std::string a = h.AddAccount("A", first);
  h.AddAccount("B");
  h.Start();
  Script(h, a, {failure.behaviour});

  fake::HttpResponse response = PostSettled(h, stream);

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("x-maxpool-account"), "B");
  EXPECT_THAT(response.body, Not(HasSubstr("error")));
  if (stream) {
    // One upstream stream, from its first event: no heartbeat, no bytes of A (§14 item 32).
    const fake::SseParse sse = fake::ParseSse(response.body);
    ASSERT_FALSE(sse.events.empty());
    EXPECT_EQ(sse.events.front().event, "message_start");
    EXPECT_EQ(sse.events.back().event, "message_stop");
    EXPECT_EQ(CountEvents(sse, "message_start"), 1);
    EXPECT_EQ(sse.residual, "");
  } else {
    EXPECT_THAT(response.body, HasSubstr(R"("type":"message")"));
  }
  EXPECT_THAT(UpstreamAccounts(h), ::testing::ElementsAre("A", "B"));
}

INSTANTIATE_TEST_SUITE_P(EachFailureClass, FailoverBeforeFirstByte,
                         ::testing::Combine(::testing::ValuesIn(FailureCases()), ::testing::Bool()),
                         [](const auto& test_info) {
                           return absl::StrCat(std::get<0>(test_info.param).name,
                                               std::get<1>(test_info.param) ? "_stream" : "_json");
                         });

TEST(Failover, HeadersSlowerThanUsualButWithinTheTtfbAreNotAFailure) {
  // §4.1 step 6: only the TTFB timeout turns a slow answer into a failure.
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.proxy.ttfb = std::chrono::milliseconds(2000);
  ProxyHarness h(options);
  const std::string a = h.AddAccount("A");
  h.AddAccount("B");
  h.Start();
  fake::Behaviour delay = Behave(fake::BehaviourKind::kDelayHeaders);
  delay.delay_ms = 300;
  Script(h, a, {delay});

  fake::HttpResponse response = PostSettled(h, /*stream=*/true);

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("x-maxpool-account"), "A");
  EXPECT_THAT(UpstreamAccounts(h), ::testing::ElementsAre("A"));
}

TEST(Failover, NeverAfterTheFirstByteTheClientGetsAnErrorEventInstead) {
  // §4.1 step 8, §4.8, §14 items 32 and 45: bytes were sent, so no second account is tried and
  // the broken stream ends with an SSE error, not a clean end.
  ProxyHarness h;
  const std::string a = h.AddAccount("A");
  h.AddAccount("B");
  h.Start();
  fake::Behaviour drop = Behave(fake::BehaviourKind::kDropMidStream);
  drop.after_events = 3;
  Script(h, a, {drop});

  fake::HttpResponse response = PostSettled(h, /*stream=*/true);

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("x-maxpool-account"), "A");
  const fake::SseParse sse = fake::ParseSse(response.body);
  ASSERT_FALSE(sse.events.empty());
  EXPECT_EQ(sse.events.front().event, "message_start");
  EXPECT_EQ(sse.events.back().event, "error");
  EXPECT_THAT(sse.events.back().data, HasSubstr("api_error"));
  EXPECT_EQ(CountEvents(sse, "message_start"), 1);
  EXPECT_EQ(CountEvents(sse, "message_stop"), 0);
  EXPECT_THAT(UpstreamAccounts(h), ::testing::ElementsAre("A"));
  // A network-class failure: fixed short cooldown, failure count unchanged (§4.7, §14 item 25).
  const core::Account after = AccountNamed(h, "A");
  EXPECT_EQ(after.state.consecutive_failures, 0);
  EXPECT_TRUE(after.state.cooldown_until.has_value());
}

// ---- 429 (§4.2) --------------------------------------------------------------------------------

TEST(Failover, Scenario15_QuotaRejectedAccountIsBenchedAndTheNextRequestSkipsIt) {
  ProxyHarness h;
  const std::string a = h.AddAccount("A");
  h.AddAccount("B");
  h.Start();
  Script(h, a, {WithRetryAfter(fake::BehaviourKind::kQuota429, 120)});
  const absl::Time before = absl::Now();

  fake::HttpResponse first = PostSettled(h, /*stream=*/false);

  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.Header("x-maxpool-account"), "B");
  EXPECT_THAT(first.body, HasSubstr(R"("type":"message")"));
  const core::Account benched = AccountNamed(h, "A");
  EXPECT_EQ(benched.state.status, core::AccountStatus::kThrottled);
  ASSERT_TRUE(benched.state.rate_limited_until.has_value());
  EXPECT_GE(*benched.state.rate_limited_until, before + absl::Seconds(120));
  EXPECT_LE(*benched.state.rate_limited_until, absl::Now() + absl::Seconds(120));
  EXPECT_EQ(benched.state.consecutive_failures, 1);

  fake::HttpResponse second = PostSettled(h, /*stream=*/false);

  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.Header("x-maxpool-account"), "B");
  EXPECT_THAT(UpstreamAccounts(h), ::testing::ElementsAre("A", "B", "B"));
}

TEST(Failover, Scenario16_IdenticalUnexplained429sOpenTheBreakerAndItsProbeServesTheHeldStream) {
  // §4.2 scope unknown, §4.6, §5.4, §14 items 34-35: the same unexplained 429 from A and B
  // within 30 s is Anthropic throttling everyone. The streaming request is held with heartbeats
  // until the breaker expires; then exactly one request (the probe) goes upstream and its answer
  // follows the pings on the same response.
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.proxy.heartbeat = std::chrono::milliseconds(200);
  ProxyHarness h(options);
  const std::string a = h.AddAccount("A");
  const std::string b = h.AddAccount("B");
  h.Start();
  Script(h, a, {WithRetryAfter(fake::BehaviourKind::kThrottle429, 1)});
  Script(h, b, {WithRetryAfter(fake::BehaviourKind::kThrottle429, 1)});
  const auto started = std::chrono::steady_clock::now();

  fake::HttpResponse response = PostSettled(h, /*stream=*/true);

  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.Header("content-type").value_or(""), HasSubstr("text/event-stream"));
  const fake::SseParse sse = fake::ParseSse(response.body);
  ASSERT_GE(sse.events.size(), 3u);
  // Pings (real SSE events, §14 item 37) from the moment the request is held ...
  EXPECT_EQ(sse.events[0].event, "ping");
  EXPECT_EQ(sse.events[1].event, "ping");
  int pings_before_answer = 0;
  while (pings_before_answer < static_cast<int>(sse.events.size()) &&
         sse.events[pings_before_answer].event == "ping") {
    ++pings_before_answer;
  }
  EXPECT_GE(pings_before_answer, 3);  // the first at once, then every 200 ms for ~1 s
  // ... then the probe's stream, whole, and nothing of the two 429s.
  ASSERT_LT(pings_before_answer, static_cast<int>(sse.events.size()));
  EXPECT_EQ(sse.events[pings_before_answer].event, "message_start");
  EXPECT_EQ(sse.events.back().event, "message_stop");
  EXPECT_EQ(CountEvents(sse, "error"), 0);
  EXPECT_GE(took, std::chrono::milliseconds(900));  // held until the breaker's 1 s passed
  // A, B (the two 429s), then the single probe.
  const std::vector<std::string> seen = UpstreamAccounts(h);
  EXPECT_EQ(seen.size(), 3u);
  // A's provisional bench was lifted when the 429 turned out to be shared (§14 item 35).
  for (const core::Account& account : h.pool().Snapshot()) {
    EXPECT_NE(account.state.status, core::AccountStatus::kThrottled) << account.settings.name;
  }
  EXPECT_EQ(h.pool().waiting(), 0);
}

TEST(Failover, Scenario16_NewcomersWaitBehindTheOpenBreakerAndAllComplete) {
  // While the breaker blocks every Claude account, a second (non-streaming) request is held too;
  // after the probe closes the breaker both complete (§4.6, §5.5).
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.proxy.heartbeat = std::chrono::milliseconds(200);
  ProxyHarness h(options);
  const std::string a = h.AddAccount("A");
  const std::string b = h.AddAccount("B");
  h.Start();
  Script(h, a, {WithRetryAfter(fake::BehaviourKind::kThrottle429, 1)});
  Script(h, b, {WithRetryAfter(fake::BehaviourKind::kThrottle429, 1)});

  fake::HttpResponse streamed;
  std::thread first([&] { streamed = h.Post(/*stream=*/true); });
  // Wait until the first request is held (the breaker is open), then send the second.
  EXPECT_TRUE(Eventually([&] { return h.pool().waiting() > 0; }, std::chrono::milliseconds(1000)));
  EXPECT_EQ(h.pool().waiting(), 1);
  fake::HttpResponse json = h.Post(/*stream=*/false);
  first.join();
  EXPECT_TRUE(Settled(h));

  EXPECT_EQ(streamed.status, 200);
  EXPECT_THAT(streamed.body, HasSubstr("event: message_stop"));
  EXPECT_EQ(json.status, 200);
  EXPECT_THAT(json.body, HasSubstr(R"("type":"message")"));
  EXPECT_EQ(UpstreamAccounts(h).size(), 4u);  // two 429s, the probe, the second request
}

TEST(Failover, Scenario19_BodyOverTheRetryBufferIsSentOnceAndNotFailedOver) {
  // §4.1 canRetry, §13 item 3: the body is too big to replay, so the 429 ends the request.
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.pool.retry.max_retry_buffer_bytes = 1024;
  ProxyHarness h(options);
  const std::string a = h.AddAccount("A");
  h.AddAccount("B");
  h.Start();
  Script(h, a, {Behave(fake::BehaviourKind::kQuota429)});

  fake::HttpResponse response = PostSettled(
      h, /*stream=*/false, {}, ProxyHarness::MessageBody(false, std::string(2048, 'x')));

  EXPECT_EQ(response.status, 429);
  EXPECT_THAT(response.Header("content-type").value_or(""), HasSubstr("application/json"));
  EXPECT_THAT(response.body, HasSubstr(R"("type":"rate_limit_error")"));
  EXPECT_TRUE(response.Header("retry-after").has_value());
  EXPECT_THAT(UpstreamAccounts(h), ::testing::ElementsAre("A"));
  EXPECT_EQ(h.pool().waiting(), 0);
}

// ---- 529 and 5xx (§4.3, §4.5, §4.7) -------------------------------------------------------------

TEST(Failover, Scenario20_Overloaded529BlocksTheAccountProvisionallyAndFailsOver) {
  ProxyHarness h;
  const std::string a = h.AddAccount("A");
  h.AddAccount("B");
  h.Start();
  Script(h, a, {WithRetryAfter(fake::BehaviourKind::kOverloaded529, 10)});
  const absl::Time before = absl::Now();

  fake::HttpResponse response = PostSettled(h, /*stream=*/false);

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("x-maxpool-account"), "B");
  const core::Account blocked = AccountNamed(h, "A");
  ASSERT_TRUE(blocked.state.provisional_upstream_until.has_value());
  EXPECT_GE(*blocked.state.provisional_upstream_until, before + absl::Seconds(10));
  EXPECT_LE(*blocked.state.provisional_upstream_until, absl::Now() + absl::Seconds(10));
  EXPECT_EQ(blocked.state.consecutive_failures, 0);  // neutral: no failure counters
  EXPECT_NE(blocked.state.status, core::AccountStatus::kThrottled);
  // No breaker: the next request is served at once by B.
  fake::HttpResponse next = PostSettled(h, /*stream=*/false);
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.Header("x-maxpool-account"), "B");
}

TEST(Failover, Scenario21_All529sWithoutAQueueAnswer529Overloaded) {
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.pool.queue.enabled = false;
  ProxyHarness h(options);
  for (const char* name : {"A", "B", "C"}) {
    Script(h, h.AddAccount(name), {Behave(fake::BehaviourKind::kOverloaded529)});
  }
  h.Start();

  fake::HttpResponse response = PostSettled(h, /*stream=*/false);

  EXPECT_EQ(response.status, 529);
  EXPECT_THAT(response.Header("content-type").value_or(""), HasSubstr("application/json"));
  EXPECT_THAT(response.body, HasSubstr(R"("type":"overloaded_error")"));
  EXPECT_THAT(response.body, HasSubstr("maxpool retries automatically"));
  EXPECT_FALSE(response.Header("retry-after").has_value());
  EXPECT_EQ(UpstreamAccounts(h).size(), 3u);
  // The breaker took over from the provisional per-account blocks (§4.2 promotion).
  for (const core::Account& account : h.pool().Snapshot()) {
    EXPECT_FALSE(account.state.provisional_upstream_until.has_value()) << account.settings.name;
  }
  // While the breaker is open nothing is sent upstream.
  fake::HttpResponse blocked = PostSettled(h, /*stream=*/false);
  EXPECT_NE(blocked.status, 200);
  EXPECT_EQ(UpstreamAccounts(h).size(), 3u);
}

TEST(Failover, Scenario22_Consecutive500sDoubleTheCooldownUntilASuccessResetsIt) {
  // §4.7 with the base scaled from 30 s to 10 ms and the cap from 900 s to 300 ms (the same
  // 30x ratio): 10, 20, 40, 80, 160, 300 ms; a success resets the sequence.
  FakeClock clock(absl::Now());
  ProxyHarness::Options options = OnClock(clock);
  options.pool.queue.enabled = false;
  options.pool.scheduler.cooldown = absl::Milliseconds(10);
  options.pool.scheduler.max_cooldown = absl::Milliseconds(300);
  ProxyHarness h(options);
  const std::string a = h.AddAccount("A");
  h.Start();
  std::vector<fake::Behaviour> script(6, ServerError(500));
  script.push_back(Behave(fake::BehaviourKind::kOk));
  script.push_back(ServerError(500));
  Script(h, a, script);

  const int expected_ms[] = {10, 20, 40, 80, 160, 300};
  for (int i = 0; i < 6; ++i) {
    SCOPED_TRACE(absl::StrCat("500 number ", i + 1));
    fake::HttpResponse response = PostSettled(h, /*stream=*/false);
    EXPECT_EQ(response.status, 500);
    EXPECT_THAT(response.body, HasSubstr(R"("type":"overloaded_error")"));
    EXPECT_THAT(response.body, HasSubstr("Upstream returned 500"));
    const core::Account account = AccountNamed(h, "A");
    EXPECT_EQ(account.state.consecutive_failures, i + 1);
    EXPECT_EQ(account.state.failed_requests, i + 1);
    ASSERT_TRUE(account.state.cooldown_until.has_value());
    ASSERT_TRUE(account.state.last_error_at.has_value());
    EXPECT_EQ(*account.state.cooldown_until - *account.state.last_error_at,
              absl::Milliseconds(expected_ms[i]));
    MovePast(clock, *account.state.cooldown_until);
  }

  fake::HttpResponse success = PostSettled(h, /*stream=*/false);
  EXPECT_EQ(success.status, 200);  // settled: its release (a success) has been counted
  EXPECT_EQ(AccountNamed(h, "A").state.consecutive_failures, 0);

  fake::HttpResponse again = PostSettled(h, /*stream=*/false);
  EXPECT_EQ(again.status, 500);
  const core::Account restarted = AccountNamed(h, "A");
  EXPECT_EQ(restarted.state.consecutive_failures, 1);
  EXPECT_EQ(*restarted.state.cooldown_until - *restarted.state.last_error_at,
            absl::Milliseconds(10));
}

// ---- Session affinity (§6.4) and the preferred account (§6.7) ----------------------------------

TEST(Affinity, Scenario41_SessionOnAHotHomeMovesToTheOtherAccount) {
  ProxyHarness h;
  fake::FakeAccountSpec hot;
  hot.utilization_5h = 0.87;  // 0.88 after the first answer: hot, and >= 0.85
  h.AddAccount("A", hot);
  h.AddAccount("B");
  h.Start();
  const fake::ClientHeaders session = {{kSessionHeader, "S"}};

  EXPECT_EQ(PostSettled(h, false, session).Header("x-maxpool-account"),
            "A");  // placed by the balancer
  EXPECT_EQ(PostSettled(h, false, session).Header("x-maxpool-account"), "B");
  EXPECT_EQ(PostSettled(h, false, session).Header("x-maxpool-account"), "B");
  EXPECT_THAT(UpstreamAccounts(h), ::testing::ElementsAre("A", "B", "B"));
}

TEST(Affinity, Scenario42_SessionUsesTheOtherAccountWhileHomeIsBenchedThenReturns) {
  FakeClock clock(absl::Now());
  ProxyHarness h(OnClock(clock));
  const std::string a = h.AddAccount("A");
  h.AddAccount("B");
  h.Start();
  Script(h, a,
         {Behave(fake::BehaviourKind::kOk), WithRetryAfter(fake::BehaviourKind::kThrottle429, 1)});
  const fake::ClientHeaders session = {{kSessionHeader, "S"}};

  // Home is A; a non-session request in between does not disturb the binding.
  EXPECT_EQ(PostSettled(h, false, session).Header("x-maxpool-account"), "A");
  EXPECT_EQ(PostSettled(h, false).Header("x-maxpool-account"), "B");
  // A is benched by its 429: this request fails over to B ...
  EXPECT_EQ(PostSettled(h, false, session).Header("x-maxpool-account"), "B");
  const core::Account benched = AccountNamed(h, "A");
  ASSERT_TRUE(benched.state.rate_limited_until.has_value());
  // ... and the next one goes straight to B without trying A.
  EXPECT_EQ(PostSettled(h, false, session).Header("x-maxpool-account"), "B");
  EXPECT_THAT(UpstreamAccounts(h), ::testing::ElementsAre("A", "B", "A", "B", "B"));
  // Once A's bench is over the session is back home (the failover kept the home).
  MovePast(clock, *benched.state.rate_limited_until);
  EXPECT_EQ(PostSettled(h, false, session).Header("x-maxpool-account"), "A");
  EXPECT_EQ(PostSettled(h, false, session).Header("x-maxpool-account"), "A");
}

TEST(Preferred, Scenario43_PreferredAccountServesUntilBenchedReturnsAndRevertsWhenDisabled) {
  FakeClock clock(absl::Now());
  ProxyHarness h(OnClock(clock));
  h.AddAccount("A");
  const std::string b = h.AddAccount("B");
  h.Start();
  ASSERT_TRUE(h.pool().SetPreferred("B").ok());
  Script(h, b,
         {Behave(fake::BehaviourKind::kOk), Behave(fake::BehaviourKind::kOk),
          WithRetryAfter(fake::BehaviourKind::kThrottle429, 1)});

  // Every request goes to B, even the first (A is first in rotation) and a bound session.
  EXPECT_EQ(PostSettled(h, false).Header("x-maxpool-account"), "B");
  EXPECT_EQ(PostSettled(h, false, {{kSessionHeader, "S"}}).Header("x-maxpool-account"), "B");
  // B throttled: automatic failover to A, and A until B recovers.
  EXPECT_EQ(PostSettled(h, false).Header("x-maxpool-account"), "A");
  const core::Account benched = AccountNamed(h, "B");
  ASSERT_TRUE(benched.state.rate_limited_until.has_value());
  EXPECT_EQ(PostSettled(h, false).Header("x-maxpool-account"), "A");
  EXPECT_THAT(UpstreamAccounts(h), ::testing::ElementsAre("B", "B", "B", "A", "A"));
  MovePast(clock, *benched.state.rate_limited_until);
  EXPECT_EQ(PostSettled(h, false).Header("x-maxpool-account"), "B");

  // Disabling the preferred account reverts routing to automatic, for good (§1.3, §6.7).
  ASSERT_TRUE(h.pool().SetEnabled("B", false).ok());
  EXPECT_EQ(PostSettled(h, false).Header("x-maxpool-account"), "A");
  ASSERT_TRUE(h.pool().SetEnabled("B", true).ok());
  std::vector<std::string> automatic;
  for (int i = 0; i < 2; ++i) {
    automatic.push_back(PostSettled(h, false).Header("x-maxpool-account").value_or(""));
  }
  EXPECT_THAT(automatic, ::testing::Contains("A"));
}

}  // namespace
}  // namespace maxpool
