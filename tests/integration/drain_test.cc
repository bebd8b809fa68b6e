// Graceful drain of the data plane through real HTTP (docs/architecture.md "Drain", spec §9):
// ProxyServer::BeginDrain() keeps serving for the accept grace, then answers every new request
// with 503 + `retry-after` + `connection: close`, lets requests in flight finish and closes idle
// kept-alive connections at once; AbortInFlight() is the deadline that ends the rest, with an
// SSE error event on committed streams and the 503 where nothing was sent, and no retries.
//
// Time is real (the proxy and the fake run on their own threads); slow answers are scripted in
// the fake (slow_stream, stall_before_headers) and every wait is bounded by a client timeout or a
// poll, never asserted with a sleep.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/account.h"
#include "fake/behaviour.h"
#include "fake/fake_account.h"
#include "fake/test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/proxy_harness.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::ProxyHarness;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kDrainingBody =
    R"({"type":"error","error":{"type":"overloaded_error",)"
    R"("message":"maxpool is draining for shutdown; retry in a moment"}})";
constexpr std::string_view kShutdownData =
    R"({"type":"error","error":{"type":"overloaded_error",)"
    R"("message":"maxpool shut down before this response finished"}})";

ProxyHarness::Options DrainOptions() {
  ProxyHarness::Options o = ProxyHarness::DefaultOptions();
  o.fake.stop_grace = milliseconds(200);  // quick teardown of the fake's slow answers
  o.proxy.heartbeat = milliseconds(100);
  o.proxy.idle_keepalive = milliseconds(60000);  // far beyond any wait below
  return o;
}

// `events` text deltas, `delay_ms` apart.
fake::FakeAccountSpec SlowStreams(int delay_ms, int events) {
  fake::Behaviour slow = fake::Behaviour::Of(fake::BehaviourKind::kSlowStream);
  slow.delay_ms = delay_ms;
  slow.events = events;
  fake::FakeAccountSpec spec;
  spec.default_behaviour = slow;
  return spec;
}

// A request that needs signed-thinking integrity: the kind the FIFO gate holds behind other
// waiters instead of refusing (§5.5), so that several can be held at once.
std::string ThinkingBody(bool stream, const std::string& text) {
  return absl::StrCat(R"({"model":"claude-sonnet-4-5","max_tokens":2048,"stream":)",
                      stream ? "true" : "false",
                      R"(,"thinking":{"type":"enabled","budget_tokens":1024},)",
                      R"("messages":[{"role":"user","content":")", text, R"("}]})");
}

// `timeout` bounds each read: the aborts below must answer well within it.
std::unique_ptr<fake::BlockingHttpClient> SendMessage(ProxyHarness& h, const std::string& body,
                                                      milliseconds timeout = milliseconds(10000)) {
  std::unique_ptr<fake::BlockingHttpClient> client = h.Client(timeout);
  EXPECT_TRUE(client->Send("POST", "/v1/messages", ProxyHarness::JsonHeaders(), body).ok());
  return client;
}

void ExpectDraining503(const fake::HttpResponse& r) {
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_EQ(r.Header("connection"), "close");
  EXPECT_THAT(r.Header("content-type").value_or(""), HasSubstr("application/json"));
  EXPECT_EQ(r.body, kDrainingBody);
}

// The rest of a streamed body; ADD_FAILURE when it does not complete.
std::string ReadRest(fake::BlockingHttpClient& client) {
  std::string body;
  const absl::Status status = client.ReadBodyInto(body);
  EXPECT_TRUE(status.ok()) << status << " after: " << body;
  return body;
}

// A stream cut by the drain deadline: well framed, ending with the shutdown's error event.
void ExpectEndsWithShutdownError(const std::string& body) {
  const fake::SseParse sse = fake::ParseSse(body);
  EXPECT_EQ(sse.residual, "");
  ASSERT_FALSE(sse.events.empty()) << body;
  EXPECT_EQ(sse.events.back().event, "error");
  EXPECT_EQ(sse.events.back().data, kShutdownData);
  EXPECT_THAT(body, Not(HasSubstr("event: message_stop")));
}

bool NoLeases(ProxyHarness& h) {
  for (const core::Account& account : h.pool().Snapshot()) {
    if (account.state.in_flight != 0) return false;
  }
  return true;
}

TEST(Drain, StreamsInFlightFinishIntactWhileNewRequestsGet503) {
  ProxyHarness h(DrainOptions());
  h.AddAccount("A", SlowStreams(/*delay_ms=*/100, /*events=*/6));
  h.Start();
  EXPECT_FALSE(h.proxy().draining());
  std::vector<std::unique_ptr<fake::BlockingHttpClient>> streams;
  for (int i = 0; i < 2; ++i) {
    streams.push_back(SendMessage(h, ProxyHarness::MessageBody(/*stream=*/true)));
    absl::StatusOr<fake::HttpResponse> head = streams.back()->ReadHeaders();
    ASSERT_TRUE(head.ok()) << head.status();
    ASSERT_EQ(head->status, 200);
  }
  EXPECT_EQ(h.proxy().in_flight(), 2);

  h.proxy().BeginDrain(milliseconds(0));
  EXPECT_TRUE(h.proxy().draining());

  // A new connection is still accepted, and told to come back.
  auto late = h.Client();
  absl::StatusOr<fake::HttpResponse> refused = late->Request(
      "POST", "/v1/messages", ProxyHarness::JsonHeaders(), ProxyHarness::MessageBody(true));
  ASSERT_TRUE(refused.ok()) << refused.status();
  ExpectDraining503(*refused);
  EXPECT_TRUE(late->WaitForClose().ok());

  for (auto& stream : streams) {
    const std::string body = ReadRest(*stream);
    const fake::SseParse sse = fake::ParseSse(body);
    EXPECT_EQ(sse.residual, "");
    ASSERT_FALSE(sse.events.empty());
    EXPECT_EQ(sse.events.back().event, "message_stop");
    EXPECT_THAT(body, Not(HasSubstr("event: error")));
    // Its connection closes after it, though its head promised keep-alive.
    EXPECT_TRUE(stream->WaitForClose().ok());
  }
  EXPECT_TRUE(Eventually([&] { return h.proxy().in_flight() == 0; }));
  EXPECT_TRUE(Eventually([&] { return NoLeases(h); }));
  EXPECT_EQ(h.upstream().Requests().size(), 2u);  // the refused request never left
}

TEST(Drain, AcceptGraceServesNewRequestsThenRefusesThem) {
  ProxyHarness h(DrainOptions());
  h.AddAccount("A");
  h.Start();
  const milliseconds grace(1500);
  const SteadyClock::time_point began = SteadyClock::now();
  h.proxy().BeginDrain(grace);
  h.proxy().BeginDrain(milliseconds(0));  // idempotent: the first grace stands

  fake::HttpResponse during = h.Post(/*stream=*/false);
  ASSERT_LT(SteadyClock::now() - began, grace) << "too slow to test the grace";
  EXPECT_EQ(during.status, 200) << during.body;
  EXPECT_EQ(during.Header("connection"), "close");  // served, but no keep-alive while draining

  std::this_thread::sleep_until(began + grace + milliseconds(50));  // past the grace
  ExpectDraining503(h.Post(/*stream=*/false));
  EXPECT_EQ(h.upstream().Requests().size(), 1u);
  EXPECT_TRUE(Eventually([&] { return h.proxy().in_flight() == 0; }));
}

TEST(Drain, IdleKeepAliveConnectionIsClosedAtOnce) {
  ProxyHarness h(DrainOptions());
  h.AddAccount("A");
  h.Start();
  // The client gives up after 2 s; the proxy's own idle timeout is 60 s.
  auto client = h.Client(milliseconds(2000));
  absl::StatusOr<fake::HttpResponse> r = client->Request(
      "POST", "/v1/messages", ProxyHarness::JsonHeaders(), ProxyHarness::MessageBody(false));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->status, 200);
  ASSERT_FALSE(r->Header("connection").has_value());  // kept alive
  ASSERT_TRUE(Eventually([&] { return h.proxy().in_flight() == 0; }));
  // (So that the connection waits for its next request rather than finishing its last one.)
  std::this_thread::sleep_for(milliseconds(50));

  const SteadyClock::time_point began = SteadyClock::now();
  h.proxy().BeginDrain(milliseconds(10000));  // during the grace too
  EXPECT_TRUE(client->WaitForClose().ok());
  RecordProperty("close_after_ms",
                 static_cast<int>(
                     std::chrono::duration_cast<milliseconds>(SteadyClock::now() - began).count()));
}

TEST(Drain, RequestArrivingOnAKeptAliveConnectionAsTheDrainStartsIsAnswered) {
  ProxyHarness h(DrainOptions());
  h.AddAccount("A");
  h.Start();
  auto client = h.Client();
  absl::StatusOr<fake::HttpResponse> r = client->Request(
      "POST", "/v1/messages", ProxyHarness::JsonHeaders(), ProxyHarness::MessageBody(false));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->status, 200);

  // Half a request is on the wire when the drain closes idle connections: it is not dropped.
  const std::string body = ProxyHarness::MessageBody(false);
  ASSERT_TRUE(client->SendRaw("POST /v1/messages HTTP/1.1\r\nHost: proxy\r\n").ok());
  std::this_thread::sleep_for(milliseconds(50));  // (lets the bytes reach the proxy's socket)
  h.proxy().BeginDrain(milliseconds(0));
  std::this_thread::sleep_for(milliseconds(50));  // (lets the drain reach the connection)
  ASSERT_TRUE(client
                  ->SendRaw(absl::StrCat("content-type: application/json\r\n",
                                         "anthropic-version: 2023-06-01\r\ncontent-length: ",
                                         body.size(), "\r\n\r\n", body))
                  .ok());
  absl::StatusOr<fake::HttpResponse> head = client->ReadHeaders();
  ASSERT_TRUE(head.ok()) << head.status();
  fake::HttpResponse refused = *head;
  ASSERT_TRUE(client->ReadBodyInto(refused.body).ok());
  ExpectDraining503(refused);
  EXPECT_TRUE(client->WaitForClose().ok());
  EXPECT_EQ(h.upstream().Requests().size(), 1u);
}

// Events 8 s apart (a ping mid-gap): the abort cannot wait for the upstream's next bytes.
constexpr int kSlowEventMs = 8000;
constexpr milliseconds kAbortAnswerTimeout(3000);

TEST(Drain, AbortEndsASlowStreamWithAnSseErrorEvent) {
  ProxyHarness h(DrainOptions());
  h.AddAccount("A", SlowStreams(kSlowEventMs, /*events=*/20));
  h.Start();
  auto client = SendMessage(h, ProxyHarness::MessageBody(/*stream=*/true), kAbortAnswerTimeout);
  absl::StatusOr<fake::HttpResponse> head = client->ReadHeaders();
  ASSERT_TRUE(head.ok()) << head.status();
  ASSERT_EQ(head->status, 200);
  absl::StatusOr<std::string> start = client->ReadSome();
  ASSERT_TRUE(start.ok()) << start.status();
  ASSERT_THAT(*start, HasSubstr("event: message_start"));

  h.proxy().BeginDrain(milliseconds(0));
  EXPECT_EQ(h.proxy().in_flight(), 1);  // the stream goes on until the deadline
  h.proxy().AbortInFlight();
  h.proxy().AbortInFlight();  // idempotent

  const std::string body = *start + ReadRest(*client);
  ExpectEndsWithShutdownError(body);
  EXPECT_TRUE(client->WaitForClose().ok());
  EXPECT_TRUE(Eventually([&] { return h.proxy().in_flight() == 0; }));
  EXPECT_TRUE(Eventually([&] { return NoLeases(h); }));
  EXPECT_EQ(h.upstream().Requests().size(), 1u);
}

TEST(Drain, AbortEndsHeldRequestsWithoutForwardingThem) {
  ProxyHarness::Options options = DrainOptions();
  options.pool.scheduler.safety_max_active_per_account = 1;
  options.pool.queue.poll = absl::Seconds(5);
  options.pool.jitter_seed = 1;
  ProxyHarness h(options);
  h.AddAccount("A", SlowStreams(kSlowEventMs, /*events=*/20));
  h.Start();

  // A's only slot is taken by a long stream; two requests are held behind it.
  auto busy =
      SendMessage(h, ProxyHarness::MessageBody(/*stream=*/true, "busy"), kAbortAnswerTimeout);
  ASSERT_TRUE(busy->ReadHeaders().ok());
  auto held_stream =
      SendMessage(h, ThinkingBody(/*stream=*/true, "held-stream"), kAbortAnswerTimeout);
  absl::StatusOr<fake::HttpResponse> held_head = held_stream->ReadHeaders();
  ASSERT_TRUE(held_head.ok()) << held_head.status();
  EXPECT_EQ(held_head->status, 200);  // the heartbeat stream is committed
  absl::StatusOr<std::string> first_ping = held_stream->ReadSome();
  ASSERT_TRUE(first_ping.ok()) << first_ping.status();
  ASSERT_TRUE(Eventually([&] { return h.pool().waiting() == 1; }));
  auto held_plain =
      SendMessage(h, ThinkingBody(/*stream=*/false, "held-plain"), kAbortAnswerTimeout);
  ASSERT_TRUE(Eventually([&] { return h.pool().waiting() == 2; }));
  EXPECT_EQ(h.proxy().in_flight(), 3);
  ASSERT_EQ(h.upstream().Requests().size(), 1u);

  h.proxy().AbortInFlight();  // without BeginDrain(): the drain starts with it
  EXPECT_TRUE(h.proxy().draining());

  ExpectEndsWithShutdownError(ReadRest(*busy));
  const std::string held_body = *first_ping + ReadRest(*held_stream);
  ExpectEndsWithShutdownError(held_body);
  EXPECT_THAT(held_body, HasSubstr("event: ping"));
  absl::StatusOr<fake::HttpResponse> plain = held_plain->ReadHeaders();
  ASSERT_TRUE(plain.ok()) << plain.status();
  fake::HttpResponse refused = *plain;
  EXPECT_TRUE(held_plain->ReadBodyInto(refused.body).ok());
  ExpectDraining503(refused);
  for (auto* client : {busy.get(), held_stream.get(), held_plain.get()}) {
    EXPECT_TRUE(client->WaitForClose().ok());
  }

  EXPECT_TRUE(Eventually([&] { return h.proxy().in_flight() == 0; }));
  EXPECT_TRUE(Eventually([&] { return NoLeases(h); }));
  EXPECT_EQ(h.pool().waiting(), 0);
  // The busy stream's slot came free at the abort: no held request was forwarded into it.
  std::this_thread::sleep_for(milliseconds(200));  // (room for a wrongly admitted request)
  EXPECT_EQ(h.upstream().Requests().size(), 1u);
}

TEST(Drain, AbortBeforeTheAnswerStartedGets503AndNoRetry) {
  ProxyHarness h(DrainOptions());
  fake::FakeAccountSpec stall;
  stall.default_behaviour = fake::Behaviour::Of(fake::BehaviourKind::kStallBeforeHeaders);
  h.AddAccount("A", stall);
  h.AddAccount("B", stall);
  h.Start();

  std::vector<std::unique_ptr<fake::BlockingHttpClient>> clients;
  for (const bool stream : {false, true}) {  // a stream still inside its heartbeat grace (10 s)
    clients.push_back(SendMessage(h, ProxyHarness::MessageBody(stream), kAbortAnswerTimeout));
  }
  ASSERT_TRUE(Eventually([&] { return h.upstream().Requests().size() == 2; }));
  EXPECT_EQ(h.proxy().in_flight(), 2);

  h.proxy().BeginDrain(milliseconds(0));
  h.proxy().AbortInFlight();
  for (auto& client : clients) {
    absl::StatusOr<fake::HttpResponse> head = client->ReadHeaders();
    ASSERT_TRUE(head.ok()) << head.status();
    fake::HttpResponse refused = *head;
    EXPECT_TRUE(client->ReadBodyInto(refused.body).ok());
    ExpectDraining503(refused);
    EXPECT_TRUE(client->WaitForClose().ok());
  }
  EXPECT_TRUE(Eventually([&] { return h.proxy().in_flight() == 0; }));
  EXPECT_TRUE(Eventually([&] { return NoLeases(h); }));
  // Not failed over to the other account.
  std::this_thread::sleep_for(milliseconds(200));  // (room for a wrong retry)
  EXPECT_EQ(h.upstream().Requests().size(), 2u);
}

}  // namespace
}  // namespace maxpool
