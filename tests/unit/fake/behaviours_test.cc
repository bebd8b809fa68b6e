// One test per scriptable behaviour of the fake upstream (behaviour.h), over real loopback HTTP.

#include <chrono>
#include <thread>

#include "fake/fake_upstream.h"
#include "fake/test_client.h"
#include "fake_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"

namespace maxpool::fake {
namespace {

using ::maxpool::fake::testing::ApiKeyHeaders;
using ::maxpool::fake::testing::CheckMessageStream;
using ::maxpool::fake::testing::ConnectTo;
using ::maxpool::fake::testing::ErrorMessage;
using ::maxpool::fake::testing::ErrorType;
using ::maxpool::fake::testing::Json;
using ::maxpool::fake::testing::kApiKey;
using ::maxpool::fake::testing::kOAuthToken;
using ::maxpool::fake::testing::MessageBody;
using ::maxpool::fake::testing::OAuthHeaders;
using ::maxpool::fake::testing::StartFake;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A fake with one OAuth and one API-key account; `behaviour` is scripted for the OAuth one (or
// the API key when `api_key`).
struct Rig {
  explicit Rig(const Behaviour& behaviour, bool api_key = false, FakeOptions options = {}) {
    fake = StartFake(std::move(options));
    EXPECT_THAT(fake->AddAccount(testing::OAuthAccount()), IsOk());
    EXPECT_THAT(fake->AddAccount(testing::ApiKeyAccount()), IsOk());
    EXPECT_THAT(fake->Script(api_key ? kApiKey : kOAuthToken, {behaviour}), IsOk());
    client = ConnectTo(*fake);
    headers = api_key ? ApiKeyHeaders() : OAuthHeaders();
  }
  absl::StatusOr<HttpResponse> Post(bool stream, std::string_view model = "claude-sonnet-4-5") {
    return client->Request("POST", "/v1/messages?beta=true", headers, MessageBody(stream, model));
  }
  std::unique_ptr<FakeUpstream> fake;
  std::unique_ptr<BlockingHttpClient> client;
  ClientHeaders headers;
};

Behaviour Of(BehaviourKind kind) { return Behaviour::Of(kind); }

bool HasRateLimitHeaders(const HttpResponse& r) {
  for (const auto& [name, value] : r.headers) {
    if (name.rfind("anthropic-ratelimit-", 0) == 0) return true;
  }
  return false;
}

TEST(BehavioursTest, OkAnswersJsonMessage) {
  Rig rig(Of(BehaviourKind::kOk));
  auto r = rig.Post(false, "claude-opus-4-8");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_THAT(r->Header("request-id").value_or(""), StartsWith("req_"));
  EXPECT_EQ(r->Header("anthropic-ratelimit-unified-status"), "allowed");
  const boost::json::value m = Json(r->body);
  EXPECT_EQ(m.at("model").as_string(), "claude-opus-4-8");
  EXPECT_EQ(m.at("content").at(0).at("text").as_string().size(), 64u);  // default text_bytes
}

// anthropic-wire.md §2.1/§2.2, §8 item 5.
TEST(BehavioursTest, OkStreamsTheExactSseSequence) {
  Behaviour b = Of(BehaviourKind::kOk);
  b.events = 7;
  b.text_bytes = 70;
  Rig rig(b);
  auto r = rig.Post(true, "claude-haiku-4-5");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-type"), "text/event-stream; charset=utf-8");
  EXPECT_EQ(r->Header("transfer-encoding"), "chunked");
  EXPECT_EQ(r->Header("cache-control"), "no-cache");
  EXPECT_TRUE(r->Header("content-length") == std::nullopt);
  const std::string text = CheckMessageStream(r->body, 7);
  EXPECT_EQ(text.size(), 70u);
  const SseParse parse = ParseSse(r->body);
  EXPECT_EQ(Json(parse.events[0].data).at("message").at("model").as_string(), "claude-haiku-4-5");
  // Same request, same text (deterministic), and the JSON form carries it too.
  auto again = rig.client->Request("POST", "/v1/messages", rig.headers,
                                   MessageBody(false, "claude-haiku-4-5"));
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(Json(again->body).at("content").at(0).at("text").as_string().size(), 64u);
}

TEST(BehavioursTest, FixedAnswersPrecomputedBodies) {
  Rig rig(Of(BehaviourKind::kFixed));
  ASSERT_THAT(rig.fake->Script(kOAuthToken, {Of(BehaviourKind::kFixed)}), IsOk());
  auto json = rig.Post(false);
  ASSERT_THAT(json, IsOk());
  EXPECT_EQ(json->status, 200);
  EXPECT_EQ(Json(json->body).at("type").as_string(), "message");
  auto sse = rig.Post(true);
  ASSERT_THAT(sse, IsOk());
  EXPECT_EQ(sse->Header("content-type"), "text/event-stream; charset=utf-8");
  CheckMessageStream(sse->body, 2);
}

// anthropic-wire.md §4.2 real 429 capture; maxpool-behaviour.md §15 scenario 15.
TEST(BehavioursTest, Quota429RejectsTheFiveHourWindow) {
  Rig rig(Of(BehaviourKind::kQuota429));
  auto r = rig.Post(true);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_EQ(ErrorType(r->body), "rate_limit_error");
  EXPECT_EQ(r->Header("anthropic-ratelimit-unified-status"), "rejected");
  EXPECT_EQ(r->Header("anthropic-ratelimit-unified-5h-status"), "rejected");
  EXPECT_EQ(r->Header("anthropic-ratelimit-unified-5h-utilization"), "1.0");
  EXPECT_EQ(r->Header("anthropic-ratelimit-unified-representative-claim"), "five_hour");
  const int64_t retry_after = std::stoll(r->Header("retry-after").value_or("0"));
  EXPECT_GT(retry_after, 5 * 3600 - 60);  // until the 5h reset
  EXPECT_LE(retry_after, 5 * 3600);
  EXPECT_EQ(Json(r->body).at("request_id").as_string(), r->Header("request-id").value_or("?"));
}

TEST(BehavioursTest, Quota429WithExplicitRetryAfter) {
  Behaviour b = Of(BehaviourKind::kQuota429);
  b.retry_after = 120;
  Rig rig(b);
  auto r = rig.Post(false);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->Header("retry-after"), "120");
}

TEST(BehavioursTest, Quota429ForApiKeyHasZeroTokensRemaining) {
  Rig rig(Of(BehaviourKind::kQuota429), /*api_key=*/true);
  auto r = rig.Post(false);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->Header("anthropic-ratelimit-tokens-remaining"), "0");
  EXPECT_TRUE(r->Header("anthropic-ratelimit-unified-status") == std::nullopt);
  EXPECT_TRUE(r->Header("retry-after").has_value());
  EXPECT_THAT(ErrorMessage(r->body), HasSubstr("rate limit"));
}

// maxpool-behaviour.md §15 scenario 16.
TEST(BehavioursTest, Throttle429HasNoUnifiedHeaders) {
  Behaviour b = Of(BehaviourKind::kThrottle429);
  b.retry_after = 120;
  Rig rig(b);
  auto r = rig.Post(false);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 429);
  EXPECT_FALSE(HasRateLimitHeaders(*r));
  EXPECT_EQ(r->Header("retry-after"), "120");
  EXPECT_EQ(ErrorType(r->body), "rate_limit_error");
  EXPECT_EQ(ErrorMessage(r->body), "Rate limited");
  // Without retry_after there is no retry-after header.
  ASSERT_THAT(rig.fake->Script(kOAuthToken, {Of(BehaviourKind::kThrottle429)}), IsOk());
  auto bare = rig.Post(false);
  ASSERT_THAT(bare, IsOk());
  EXPECT_TRUE(bare->Header("retry-after") == std::nullopt);
}

// maxpool-behaviour.md §4.2 explicit shared throttle.
TEST(BehavioursTest, UpstreamThrottle429SaysTemporarilyLimiting) {
  Rig rig(Of(BehaviourKind::kUpstreamThrottle429));
  auto r = rig.Post(false);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 429);
  EXPECT_FALSE(HasRateLimitHeaders(*r));
  EXPECT_THAT(ErrorMessage(r->body), HasSubstr("temporarily limiting requests"));
}

// maxpool-behaviour.md §4.2 model-scope test, §15 scenario 17.
TEST(BehavioursTest, Model429KeepsBucketsHealthyWithLongRetryAfter) {
  Rig rig(Of(BehaviourKind::kModel429));
  auto r = rig.Post(false, "claude-opus-4-8");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 429);
  EXPECT_GE(std::stoll(r->Header("retry-after").value_or("0")), 1800);
  EXPECT_LT(std::stod(r->Header("anthropic-ratelimit-unified-5h-utilization").value_or("9")),
            0.999);
  EXPECT_LT(std::stod(r->Header("anthropic-ratelimit-unified-7d-utilization").value_or("9")),
            0.999);
  EXPECT_EQ(r->Header("anthropic-ratelimit-unified-status"), "rejected");
  EXPECT_EQ(r->Header("anthropic-ratelimit-unified-representative-claim"), "seven_day_opus");
}

TEST(BehavioursTest, Headerless429HasNoRateLimitHeadersNorRetryAfter) {
  Behaviour b = Of(BehaviourKind::kHeaderless429);
  b.retry_after = 30;  // ignored: headerless means headerless
  Rig rig(b, /*api_key=*/true);
  auto r = rig.Post(false);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 429);
  EXPECT_FALSE(HasRateLimitHeaders(*r));
  EXPECT_TRUE(r->Header("retry-after") == std::nullopt);
  EXPECT_TRUE(r->Header("request-id").has_value());
}

// anthropic-wire.md §3.2 (529 body).
TEST(BehavioursTest, Overloaded529) {
  Behaviour b = Of(BehaviourKind::kOverloaded529);
  b.should_retry = true;
  Rig rig(b);
  auto r = rig.Post(true);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 529);
  EXPECT_EQ(ErrorType(r->body), "overloaded_error");
  EXPECT_EQ(ErrorMessage(r->body), "Overloaded");
  EXPECT_EQ(r->Header("x-should-retry"), "true");
  EXPECT_EQ(r->Header("anthropic-ratelimit-unified-status"), "allowed");
}

TEST(BehavioursTest, ServerErrorStatuses) {
  for (const auto& [status, type] : std::vector<std::pair<int, std::string>>{
           {500, "api_error"}, {502, "api_error"}, {503, "api_error"}, {504, "timeout_error"}}) {
    Behaviour b = Of(BehaviourKind::kServerError);
    b.status = status;
    Rig rig(b);
    auto r = rig.Post(false);
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->status, status);
    EXPECT_EQ(ErrorType(r->body), type) << status;
  }
}

TEST(BehavioursTest, Unauthorized401) {
  Rig rig(Of(BehaviourKind::kUnauthorized401));
  auto r = rig.Post(false);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(ErrorType(r->body), "authentication_error");
  EXPECT_THAT(ErrorMessage(r->body), HasSubstr("OAuth token has expired"));
}

TEST(BehavioursTest, Banned403) {
  Behaviour b = Of(BehaviourKind::kBanned403);
  b.message = "OAuth token has been revoked. Please obtain a new token.";
  Rig rig(b);
  auto r = rig.Post(false);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(ErrorType(r->body), "permission_error");
  EXPECT_EQ(ErrorMessage(r->body), *b.message);
}

// maxpool-behaviour.md §15 scenario 25.
TEST(BehavioursTest, ResetBeforeHeadersDropsTheConnection) {
  Rig rig(Of(BehaviourKind::kResetBeforeHeaders));
  ASSERT_THAT(rig.client->Send("POST", "/v1/messages", rig.headers, MessageBody(true)), IsOk());
  EXPECT_THAT(rig.client->ReadHeaders(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(rig.fake->Requests().back().behaviour, "reset_before_headers");
}

// maxpool-behaviour.md §15 scenario 27.
TEST(BehavioursTest, StallSendsHeadersThenNothing) {
  Rig rig(Of(BehaviourKind::kStall));
  rig.client->set_timeout(milliseconds(300));
  ASSERT_THAT(rig.client->Send("POST", "/v1/messages", rig.headers, MessageBody(true)), IsOk());
  auto headers = rig.client->ReadHeaders();
  ASSERT_THAT(headers, IsOk());
  EXPECT_EQ(headers->status, 200);
  EXPECT_EQ(headers->Header("content-type"), "text/event-stream; charset=utf-8");
  EXPECT_EQ(rig.fake->Stats().at(kOAuthToken).in_flight, 1);
  EXPECT_THAT(rig.client->ReadSome(), StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST(BehavioursTest, StallAfterSomeEvents) {
  Behaviour b = Of(BehaviourKind::kStall);
  b.after_events = 2;
  Rig rig(b);
  rig.client->set_timeout(milliseconds(300));
  ASSERT_THAT(rig.client->Send("POST", "/v1/messages", rig.headers, MessageBody(true)), IsOk());
  ASSERT_THAT(rig.client->ReadHeaders(), IsOk());
  std::string body;
  EXPECT_THAT(rig.client->ReadBodyInto(body), StatusIs(absl::StatusCode::kDeadlineExceeded));
  const SseParse parse = ParseSse(body);
  ASSERT_EQ(parse.events.size(), 2u);
  EXPECT_EQ(parse.events[1].event, "content_block_start");
  EXPECT_EQ(parse.residual, "");
}

TEST(BehavioursTest, StallBeforeHeadersSendsNothing) {
  Rig rig(Of(BehaviourKind::kStallBeforeHeaders));
  rig.client->set_timeout(milliseconds(300));
  ASSERT_THAT(rig.client->Send("POST", "/v1/messages", rig.headers, MessageBody(false)), IsOk());
  EXPECT_THAT(rig.client->ReadHeaders(), StatusIs(absl::StatusCode::kDeadlineExceeded));
  // A deliberately hung connection does not hold up Stop().
  const auto start = Clock::now();
  rig.fake->Stop();
  EXPECT_LT(Clock::now() - start, milliseconds(900));
}

// anthropic-wire.md §2.3: pings in the silences.
TEST(BehavioursTest, SlowStreamPacesEventsWithPings) {
  Behaviour b = Of(BehaviourKind::kSlowStream);
  b.delay_ms = 30;
  b.events = 2;
  Rig rig(b);
  const auto start = Clock::now();
  ASSERT_THAT(rig.client->Send("POST", "/v1/messages", rig.headers, MessageBody(true)), IsOk());
  ASSERT_THAT(rig.client->ReadHeaders(), IsOk());
  std::string body;
  int pieces = 0;
  for (;;) {
    auto piece = rig.client->ReadSome();
    ASSERT_THAT(piece, IsOk());
    if (piece->empty()) break;
    body += *piece;
    ++pieces;
  }
  const auto elapsed = Clock::now() - start;
  const SseParse parse = ParseSse(body);
  std::vector<std::string> names;
  int pings = 0;
  for (const SseEvent& e : parse.events) {
    if (e.event == "ping") {
      ++pings;
      EXPECT_EQ(e.data, R"({"type":"ping"})");
    } else {
      names.push_back(e.event);
    }
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                      "content_block_delta", "content_block_stop", "message_delta",
                                      "message_stop"}));
  const size_t events = names.size() + 1;                // plus the early ping
  EXPECT_EQ(pings, static_cast<int>(1 + (events - 1)));  // one per gap
  EXPECT_GE(elapsed, milliseconds(30 * static_cast<int>(events - 1)));
  EXPECT_GT(pieces, 3);  // arrived incrementally
  EXPECT_EQ(rig.fake->Stats().at(kOAuthToken).streams_completed, 1);
}

TEST(BehavioursTest, SlowStreamPingInterval) {
  Behaviour b = Of(BehaviourKind::kSlowStream);
  b.delay_ms = 35;
  b.ping_ms = 10;
  b.events = 1;
  Rig rig(b);
  auto r = rig.Post(true);
  ASSERT_THAT(r, IsOk());
  int pings = 0;
  for (const SseEvent& e : ParseSse(r->body).events) pings += e.event == "ping" ? 1 : 0;
  // 7 events, 6 gaps of 35 ms with a ping every 10 ms (3 each), plus the early ping.
  EXPECT_EQ(pings, 1 + 6 * 3);
}

// maxpool-behaviour.md §15 scenario 28.
TEST(BehavioursTest, DropMidStreamCutsAnEventInHalf) {
  Behaviour b = Of(BehaviourKind::kDropMidStream);
  b.after_events = 3;
  Rig rig(b);
  ASSERT_THAT(rig.client->Send("POST", "/v1/messages", rig.headers, MessageBody(true)), IsOk());
  ASSERT_THAT(rig.client->ReadHeaders(), IsOk());
  std::string body;
  EXPECT_THAT(rig.client->ReadBodyInto(body), StatusIs(absl::StatusCode::kUnavailable));
  const SseParse parse = ParseSse(body);
  ASSERT_EQ(parse.events.size(), 3u);
  EXPECT_EQ(parse.events[2].event, "ping");
  EXPECT_THAT(parse.residual, StartsWith("event: content_block_delta\ndata: {"));
  EXPECT_EQ(parse.residual.find("\n\n"), std::string::npos);
  EXPECT_EQ(rig.fake->Stats().at(kOAuthToken).streams_completed, 0);
}

TEST(BehavioursTest, DropMidStreamOfJsonBody) {
  Rig rig(Of(BehaviourKind::kDropMidStream));
  ASSERT_THAT(rig.client->Send("POST", "/v1/messages", rig.headers, MessageBody(false)), IsOk());
  auto headers = rig.client->ReadHeaders();
  ASSERT_THAT(headers, IsOk());
  const size_t length = std::stoul(headers->Header("content-length").value_or("0"));
  std::string body;
  EXPECT_THAT(rig.client->ReadBodyInto(body), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(body.size(), length / 2);
}

TEST(BehavioursTest, DelayHeadersAnswersLate) {
  Behaviour b = Of(BehaviourKind::kDelayHeaders);
  b.delay_ms = 150;
  Rig rig(b);
  const auto start = Clock::now();
  auto r = rig.Post(true);
  ASSERT_THAT(r, IsOk());
  EXPECT_GE(Clock::now() - start, milliseconds(150));
  EXPECT_EQ(r->status, 200);
  CheckMessageStream(r->body, 4);
}

// anthropic-wire.md §2.4.
TEST(BehavioursTest, StreamErrorEndsWithAnErrorEvent) {
  Behaviour b = Of(BehaviourKind::kStreamError);
  b.after_events = 4;
  Rig rig(b);
  auto r = rig.Post(true);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  const SseParse parse = ParseSse(r->body);
  ASSERT_EQ(parse.events.size(), 5u);
  EXPECT_EQ(parse.events.back().event, "error");
  const boost::json::value error = Json(parse.events.back().data);
  EXPECT_EQ(error.at("error").at("type").as_string(), "overloaded_error");
  EXPECT_EQ(error.at("request_id").as_string(), r->Header("request-id").value_or("?"));
  for (const SseEvent& e : parse.events) EXPECT_NE(e.event, "message_stop");
  EXPECT_EQ(rig.fake->Stats().at(kOAuthToken).streams_completed, 0);
}

TEST(BehavioursTest, ScriptIsFifoThenDefault) {
  Rig rig(Of(BehaviourKind::kThrottle429));
  Behaviour server = Of(BehaviourKind::kServerError);
  server.status = 503;
  ASSERT_THAT(rig.fake->Script(kOAuthToken, {Of(BehaviourKind::kOverloaded529), server}), IsOk());
  ASSERT_THAT(rig.fake->SetDefault(kOAuthToken, Of(BehaviourKind::kHeaderless429)), IsOk());
  std::vector<int> statuses;
  for (int i = 0; i < 5; ++i) {
    auto r = rig.Post(false);
    ASSERT_THAT(r, IsOk());
    statuses.push_back(r->status);
  }
  EXPECT_EQ(statuses, (std::vector<int>{429, 529, 503, 429, 429}));
  EXPECT_EQ(rig.fake->Requests().back().behaviour, "headerless_429");
  EXPECT_THAT(rig.fake->Script("sk-unknown", {}), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace maxpool::fake
