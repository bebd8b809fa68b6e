// The hold queue through real HTTP (spec §5, §14 items 37-41, §15 scenarios 29-37): held
// streaming requests get an immediate 200 with `event: ping` heartbeats and then the real answer
// on the same response; held requests wake on release and at the window's reset, in FIFO order;
// holds that cannot succeed end with an honest 429 (or an in-band SSE error once committed).
//
// Time is real here (the proxy and the fake run on their own threads), so the windows are short:
// 5h resets 0.6-1.6 s away, heartbeats of 100-200 ms, hold windows of 1-5 s.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/proxy_harness.h"

namespace maxpool {
namespace {

using ::maxpool::testing::ProxyHarness;
using std::chrono::milliseconds;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kProxyPing = "event: ping\ndata: {}\n\n";

// Options shared by every test: short heartbeats and stream windows, quick teardown of the
// fake's slow streams, and polls slow enough that a prompt wake-up can only come from an event
// (a release, the reset timer), never from polling.
ProxyHarness::Options FastOptions() {
  ProxyHarness::Options o = ProxyHarness::DefaultOptions();
  o.fake.stop_grace = milliseconds(200);
  o.proxy.heartbeat = milliseconds(200);
  o.pool.queue.poll = absl::Seconds(5);
  o.pool.queue.stream_client_tolerance = absl::Seconds(5);
  o.pool.jitter_seed = 1;
  return o;
}

// A 5h reset on a whole second (the headers carry epoch seconds, §3.1), 0.6-1.6 s from now,
// plus `later`.
absl::Time ResetSoon(absl::Duration later = absl::ZeroDuration()) {
  return absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() + absl::Milliseconds(600)) + 1) +
         later;
}

// An OAuth account past the session bench (0.90, §2.3) until `reset`. The fake still serves it
// (it rejects at 1.0), so one request teaches the pool the window from the response headers.
fake::FakeAccountSpec AtSessionLimit(absl::Time reset) {
  fake::FakeAccountSpec spec;
  spec.utilization_5h = 0.95;
  spec.reset_5h = reset;
  return spec;
}

// One request per account: each lands on a fresh account, because the one just served is now
// benched at >= 0.90 (§2.2), so afterwards the pool knows every account's window (§3.1).
void LearnQuota(ProxyHarness& h, int accounts) {
  for (int i = 0; i < accounts; ++i) {
    fake::HttpResponse r = h.Post(/*stream=*/false);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  ASSERT_EQ(h.pool().waiting(), 0);
}

// A request that needs signed-thinking integrity: the only kind the FIFO gate holds behind
// other waiters instead of rejecting (§5.5, §15 scenario 36).
std::string ThinkingBody(bool stream, const std::string& text) {
  return absl::StrCat(R"({"model":"claude-sonnet-4-5","max_tokens":2048,"stream":)",
                      stream ? "true" : "false",
                      R"(,"thinking":{"type":"enabled","budget_tokens":1024},)",
                      R"("messages":[{"role":"user","content":")", text, R"("}]})");
}

std::unique_ptr<fake::BlockingHttpClient> SendMessage(ProxyHarness& h, const std::string& body,
                                                      std::string_view target = "/v1/messages") {
  std::unique_ptr<fake::BlockingHttpClient> client = h.Client();
  EXPECT_TRUE(client->Send("POST", target, ProxyHarness::JsonHeaders(), body).ok());
  return client;
}

bool Eventually(const std::function<bool()>& done, milliseconds timeout = milliseconds(3000)) {
  return testing::Eventually(done, timeout);
}

// The pieces of a streamed body, each stamped with the wall time it arrived.
struct Piece {
  absl::Time at;
  std::string bytes;
};

std::vector<Piece> ReadPieces(fake::BlockingHttpClient& client) {
  std::vector<Piece> pieces;
  while (true) {
    absl::StatusOr<std::string> piece = client.ReadSome();
    EXPECT_TRUE(piece.ok()) << piece.status();
    if (!piece.ok() || piece->empty()) break;
    pieces.push_back({absl::Now(), std::move(*piece)});
  }
  EXPECT_TRUE(client.body_complete());
  return pieces;
}

std::string Join(const std::vector<Piece>& pieces) {
  std::string all;
  for (const Piece& p : pieces) all += p.bytes;
  return all;
}

// Whole seconds, rounded up, as `retry-after` counts them (§5.6).
int CeilSeconds(absl::Duration d) {
  return static_cast<int>(absl::ToInt64Seconds(absl::Ceil(d, absl::Seconds(1))));
}

std::vector<std::string> MessageBodies(ProxyHarness& h) {
  std::vector<std::string> bodies;
  for (const fake::RecordedRequest& r : h.upstream().Requests()) bodies.push_back(r.body);
  return bodies;
}

// §15 scenario 29, §5.4, §14 item 37.
TEST(Hold, StreamingRequestGetsHeartbeatsThenTheAnswerOnTheSameResponse) {
  ProxyHarness::Options options = FastOptions();
  ProxyHarness h(options);
  const absl::Time reset_a = ResetSoon();
  const std::string a = h.AddAccount("A", AtSessionLimit(reset_a));
  h.AddAccount("B", AtSessionLimit(reset_a + absl::Seconds(1)));
  h.Start();
  LearnQuota(h, 2);
  // A's answer arrives slower than the heartbeat: a proxy ping left running would show up in it.
  fake::Behaviour slow = fake::Behaviour::Of(fake::BehaviourKind::kSlowStream);
  slow.delay_ms = 250;
  slow.events = 1;
  ASSERT_TRUE(h.upstream().Script(a, {slow}).ok());

  const absl::Time sent = absl::Now();
  auto client = SendMessage(h, ProxyHarness::MessageBody(/*stream=*/true));
  absl::StatusOr<fake::HttpResponse> head = client->ReadHeaders();
  ASSERT_TRUE(head.ok()) << head.status();
  const absl::Time headers_at = absl::Now();
  EXPECT_EQ(head->status, 200);
  EXPECT_THAT(head->Header("content-type").value_or(""), HasSubstr("text/event-stream"));
  EXPECT_EQ(head->Header("cache-control"), "no-cache");
  EXPECT_LT(headers_at - sent, absl::Milliseconds(500));  // immediately, not after the hold
  EXPECT_EQ(h.pool().waiting(), 1);

  const std::vector<Piece> pieces = ReadPieces(*client);
  ASSERT_FALSE(pieces.empty());
  EXPECT_THAT(pieces.front().bytes, StartsWith(kProxyPing));  // a ping right away
  EXPECT_LT(pieces.front().at - sent, absl::Milliseconds(500));

  // Heartbeats until the window reset, then A's events, framed cleanly.
  const fake::SseParse sse = fake::ParseSse(Join(pieces));
  EXPECT_EQ(sse.residual, "");
  size_t first_real = 0;
  while (first_real < sse.events.size() && sse.events[first_real].event == "ping" &&
         sse.events[first_real].data == "{}") {
    ++first_real;
  }
  EXPECT_GE(first_real, 3u) << "heartbeats during a hold of " << (reset_a - sent);
  ASSERT_LT(first_real, sse.events.size());
  EXPECT_EQ(sse.events[first_real].event, "message_start");
  EXPECT_EQ(sse.events.back().event, "message_stop");
  for (size_t i = first_real; i < sse.events.size(); ++i) {
    const fake::SseEvent& e = sse.events[i];
    // Real events only (the upstream's own pings carry {"type":"ping"}): no proxy ping bytes
    // inside or between them once the answer flows.
    EXPECT_THAT(e.data, HasSubstr(absl::StrCat(R"("type":")", e.event, R"(")"))) << i;
  }

  // Every heartbeat interval while held, and forwarded only once A's window had reset.
  size_t offset = 0;
  absl::Time last_ping = headers_at;
  absl::Time answer_at = absl::InfiniteFuture();
  const std::string all = Join(pieces);
  const size_t answer_offset = all.find("event: message_start");
  for (const Piece& p : pieces) {
    if (offset + p.bytes.size() > answer_offset) {
      answer_at = p.at;
      break;
    }
    EXPECT_LT(p.at - last_ping, absl::FromChrono(options.proxy.heartbeat) * 2);
    last_ping = p.at;
    offset += p.bytes.size();
  }
  EXPECT_GE(answer_at, reset_a);
  EXPECT_LT(answer_at - reset_a, absl::Milliseconds(700));

  const std::vector<fake::RecordedRequest> sent_upstream = h.upstream().Requests();
  ASSERT_EQ(sent_upstream.size(), 3u);
  EXPECT_EQ(sent_upstream[2].credential, a);
  EXPECT_EQ(h.pool().waiting(), 0);
}

// §5.3: a held request wakes when a lease is released, not at its next poll (5 s here).
TEST(Hold, HeldRequestIsForwardedAsSoonAsCapacityIsReleased) {
  ProxyHarness::Options options = FastOptions();
  options.pool.scheduler.safety_max_active_per_account = 1;
  ProxyHarness h(options);
  fake::Behaviour slow = fake::Behaviour::Of(fake::BehaviourKind::kSlowStream);
  slow.delay_ms = 150;
  slow.events = 1;
  fake::FakeAccountSpec spec;
  spec.script = {slow};
  h.AddAccount("A", spec);
  h.Start();

  auto first = SendMessage(h, ProxyHarness::MessageBody(/*stream=*/true));
  ASSERT_TRUE(first->ReadHeaders().ok());  // in flight: A's only slot is taken

  SteadyClock::time_point second_at;
  int second_status = 0;
  std::thread second([&] {
    auto client = SendMessage(h, ProxyHarness::MessageBody(/*stream=*/false));
    absl::StatusOr<fake::HttpResponse> head = client->ReadHeaders();
    second_at = SteadyClock::now();
    if (head.ok()) second_status = head->status;
  });
  EXPECT_TRUE(Eventually([&] { return h.pool().waiting() == 1; }));
  std::string body;
  EXPECT_TRUE(first->ReadBodyInto(body).ok());
  const SteadyClock::time_point first_done = SteadyClock::now();
  second.join();

  EXPECT_THAT(body, HasSubstr("event: message_stop"));
  EXPECT_EQ(second_status, 200);
  const auto latency = std::chrono::duration_cast<milliseconds>(second_at - first_done);
  // Typically 5-10 ms; the bound leaves room for a loaded machine and is far below the poll.
  RecordProperty("wake_latency_ms", static_cast<int>(latency.count()));
  EXPECT_LT(latency, milliseconds(200)) << "forwarded " << latency.count() << " ms after release";
  EXPECT_EQ(h.upstream().Requests().size(), 2u);
}

// §5.1 step 4, §5.6, §15 scenarios 30 and 32: resets beyond the window are not held.
TEST(Hold, NonStreamingRequestBeyondTheWindowGetsAnHonest429) {
  ProxyHarness::Options options = FastOptions();
  options.pool.queue.non_stream_max_wait = absl::Seconds(1);
  ProxyHarness h(options);
  const absl::Time reset_a = ResetSoon(absl::Seconds(2));
  h.AddAccount("A", AtSessionLimit(reset_a));
  h.AddAccount("B", AtSessionLimit(reset_a + absl::Seconds(1)));
  h.Start();
  LearnQuota(h, 2);

  const absl::Time before = absl::Now();
  fake::HttpResponse r = h.Post(/*stream=*/false);
  const absl::Time after = absl::Now();
  EXPECT_LT(after - before, absl::Milliseconds(500));  // at once, not after a hold
  EXPECT_EQ(r.status, 429);
  EXPECT_THAT(r.Header("content-type").value_or(""), HasSubstr("application/json"));
  EXPECT_THAT(r.body, HasSubstr(R"({"type":"error","error":{"type":"rate_limit_error")"));
  EXPECT_THAT(r.body, HasSubstr("all 2 Claude accounts"));
  EXPECT_THAT(r.body, HasSubstr("A: session_limit"));
  EXPECT_THAT(r.body, HasSubstr("B: session_limit"));
  const int retry_after = std::stoi(r.Header("retry-after").value_or("0"));
  EXPECT_GE(retry_after, CeilSeconds(reset_a - after));
  EXPECT_LE(retry_after, CeilSeconds(reset_a - before));
  EXPECT_EQ(h.upstream().Requests().size(), 2u);  // only the two that taught the pool
}

// §5.1 step 5, §5.4, §5.6: a re-hold keeps the first hold's start, so its deadline does not move;
// once the heartbeat committed the response, the expiry is told in-band.
TEST(Hold, StreamingHoldThatExpiresEndsWithAnSseErrorEvent) {
  ProxyHarness::Options options = FastOptions();
  options.proxy.heartbeat = milliseconds(100);
  options.pool.queue.stream_client_tolerance = absl::Seconds(2);  // W
  ProxyHarness h(options);
  const std::string a = h.AddAccount("A", AtSessionLimit(ResetSoon()));
  h.Start();
  LearnQuota(h, 1);
  // When A's window resets the request is forwarded, and A benches itself for 2 s more: within W,
  // so it is held again, but past the deadline the first hold set.
  fake::Behaviour throttled = fake::Behaviour::Of(fake::BehaviourKind::kThrottle429);
  throttled.retry_after = 2;
  ASSERT_TRUE(h.upstream().Script(a, {throttled}).ok());

  const absl::Time sent = absl::Now();
  auto client = SendMessage(h, ProxyHarness::MessageBody(/*stream=*/true));
  absl::StatusOr<fake::HttpResponse> head = client->ReadHeaders();
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->status, 200);
  EXPECT_THAT(head->Header("content-type").value_or(""), HasSubstr("text/event-stream"));

  const std::vector<Piece> pieces = ReadPieces(*client);  // ends with the chunked terminator
  ASSERT_FALSE(pieces.empty());
  const absl::Duration held_for = pieces.back().at - sent;
  EXPECT_GE(held_for, absl::Milliseconds(1950));
  EXPECT_LT(held_for, absl::Milliseconds(2500));
  const fake::SseParse sse = fake::ParseSse(Join(pieces));
  EXPECT_EQ(sse.residual, "");
  ASSERT_GE(sse.events.size(), 2u);
  for (size_t i = 0; i + 1 < sse.events.size(); ++i) {
    EXPECT_EQ(sse.events[i].event, "ping");
    EXPECT_EQ(sse.events[i].data, "{}");
  }
  EXPECT_EQ(sse.events.back().event, "error");
  EXPECT_THAT(sse.events.back().data,
              HasSubstr(R"({"type":"error","error":{"type":"rate_limit_error")"));
  EXPECT_THAT(sse.events.back().data, HasSubstr("A: rate_limited"));
  // The upstream's 429 was never relayed: one forward, then the proxy's own error.
  EXPECT_EQ(h.upstream().Requests().size(), 2u);
  EXPECT_EQ(h.pool().waiting(), 0);
}

// §15 scenario 37, §5.4 ghost reaping, §14 item 41.
TEST(Hold, HeldClientThatDisconnectsLeavesTheQueueAndIsNeverForwarded) {
  ProxyHarness::Options options = FastOptions();
  options.proxy.heartbeat = milliseconds(100);
  ProxyHarness h(options);
  const absl::Time reset = ResetSoon();
  h.AddAccount("A", AtSessionLimit(reset));
  h.AddAccount("B", AtSessionLimit(reset + absl::Seconds(1)));
  h.Start();
  LearnQuota(h, 2);

  // A streaming client (gone at a heartbeat write) and a plain one (its socket is watched).
  for (const bool stream : {true, false}) {
    SCOPED_TRACE(stream ? "streaming" : "non-streaming");
    auto client = SendMessage(h, ProxyHarness::MessageBody(stream, "ghost"));
    if (stream) {
      ASSERT_TRUE(client->ReadHeaders().ok());
      ASSERT_TRUE(client->ReadSome().ok());  // the first ping
    }
    ASSERT_TRUE(Eventually([&] { return h.pool().waiting() == 1; }));
    client->Close();
    const SteadyClock::time_point closed = SteadyClock::now();
    EXPECT_TRUE(Eventually([&] { return h.pool().waiting() == 0; }, milliseconds(1000)));
    EXPECT_LT(SteadyClock::now() - closed, milliseconds(500));
  }

  // Past the reset a live ticket would have been forwarded: nothing was.
  std::this_thread::sleep_for(absl::ToChronoMilliseconds(reset - absl::Now()) + milliseconds(300));
  EXPECT_EQ(h.upstream().Requests().size(), 2u);
  EXPECT_EQ(h.Post(/*stream=*/false).status, 200);  // A is back
}

// §5.5 backpressure, §15 scenario 35, §14 item 40.
TEST(Hold, RequestBeyondTheQueueCapGets429AtOnce) {
  ProxyHarness::Options options = FastOptions();
  options.pool.queue.max_concurrent_queued = 2;
  ProxyHarness h(options);
  const absl::Time reset = ResetSoon();
  h.AddAccount("A", AtSessionLimit(reset));
  h.AddAccount("B", AtSessionLimit(reset));
  h.Start();
  LearnQuota(h, 2);

  auto first = SendMessage(h, ThinkingBody(/*stream=*/true, "one"));
  ASSERT_TRUE(Eventually([&] { return h.pool().waiting() == 1; }));
  auto second = SendMessage(h, ThinkingBody(/*stream=*/true, "two"));
  ASSERT_TRUE(Eventually([&] { return h.pool().waiting() == 2; }));

  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "streaming" : "non-streaming");
    auto client = h.Client();
    const SteadyClock::time_point sent = SteadyClock::now();
    absl::StatusOr<fake::HttpResponse> r = client->Request(
        "POST", "/v1/messages", ProxyHarness::JsonHeaders(), ThinkingBody(stream, "three"));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_LT(SteadyClock::now() - sent, milliseconds(500));
    EXPECT_EQ(r->status, 429);
    EXPECT_THAT(r->Header("content-type").value_or(""), HasSubstr("application/json"));
    EXPECT_THAT(r->body, HasSubstr(R"("type":"rate_limit_error")"));
    EXPECT_TRUE(r->Header("retry-after").has_value());
    EXPECT_EQ(h.pool().waiting(), 2);
  }
  EXPECT_EQ(h.upstream().Requests().size(), 2u);
}

// §5.5 FIFO fairness: waiters are admitted in arrival order as capacity returns one slot at a
// time.
TEST(Hold, HeldRequestsAreForwardedInArrivalOrder) {
  ProxyHarness::Options options = FastOptions();
  options.pool.scheduler.safety_max_active_per_account = 1;
  ProxyHarness h(options);
  fake::Behaviour slow = fake::Behaviour::Of(fake::BehaviourKind::kSlowStream);
  slow.delay_ms = 100;
  slow.events = 1;
  fake::Behaviour delayed = fake::Behaviour::Of(fake::BehaviourKind::kDelayHeaders);
  delayed.delay_ms = 50;  // each waiter holds the slot a little while
  fake::FakeAccountSpec spec;
  spec.script = {slow};
  spec.default_behaviour = delayed;
  h.AddAccount("A", spec);
  h.Start();

  auto busy = SendMessage(h, ProxyHarness::MessageBody(/*stream=*/true, "busy"));
  ASSERT_TRUE(busy->ReadHeaders().ok());
  std::vector<std::thread> waiters;
  std::vector<int> statuses(3, 0);
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&h, &statuses, i] {
      auto client = h.Client();
      absl::StatusOr<fake::HttpResponse> r =
          client->Request("POST", "/v1/messages", ProxyHarness::JsonHeaders(),
                          ThinkingBody(/*stream=*/false, absl::StrCat("waiter-", i)));
      if (r.ok()) statuses[i] = r->status;
    });
    ASSERT_TRUE(Eventually([&] { return h.pool().waiting() == i + 1; }));
  }
  std::string body;
  EXPECT_TRUE(busy->ReadBodyInto(body).ok());
  for (std::thread& t : waiters) t.join();

  EXPECT_THAT(statuses, Each(200));
  const std::vector<std::string> bodies = MessageBodies(h);
  ASSERT_EQ(bodies.size(), 4u);
  for (int i = 0; i < 3; ++i) EXPECT_THAT(bodies[i + 1], HasSubstr(absl::StrCat("waiter-", i)));
  EXPECT_EQ(h.pool().waiting(), 0);
}

std::string CountTokensBody() {
  return R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"count me"}]})";
}

// §5.2 (count_tokens waits at most 8 s), §15 scenario 33, §14 item 49.
TEST(Hold, CountTokensBeyondEightSecondsGets429Quickly) {
  ProxyHarness h(FastOptions());
  const absl::Time reset = ResetSoon(absl::Seconds(9));  // 9.6-10.6 s away
  h.AddAccount("A", AtSessionLimit(reset));
  h.AddAccount("B", AtSessionLimit(reset));
  h.Start();
  LearnQuota(h, 2);

  auto client = h.Client();
  const absl::Time before = absl::Now();
  absl::StatusOr<fake::HttpResponse> r = client->Request(
      "POST", "/v1/messages/count_tokens", ProxyHarness::JsonHeaders(), CountTokensBody());
  const absl::Time after = absl::Now();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LT(after - before, absl::Milliseconds(500));
  EXPECT_EQ(r->status, 429);
  EXPECT_THAT(r->body, HasSubstr(R"("type":"rate_limit_error")"));
  const int retry_after = std::stoi(r->Header("retry-after").value_or("0"));
  EXPECT_GE(retry_after, CeilSeconds(reset - after));
  EXPECT_LE(retry_after, CeilSeconds(reset - before));
  EXPECT_GE(retry_after, 10);
  EXPECT_EQ(h.upstream().Requests().size(), 2u);
}

// The other side of scenario 33: a reset within 8 s is waited for.
TEST(Hold, CountTokensWithinEightSecondsIsHeldAndServed) {
  ProxyHarness h(FastOptions());
  const absl::Time reset = ResetSoon();
  h.AddAccount("A", AtSessionLimit(reset));
  h.Start();
  LearnQuota(h, 1);

  auto client = h.Client();
  absl::StatusOr<fake::HttpResponse> r = client->Request(
      "POST", "/v1/messages/count_tokens", ProxyHarness::JsonHeaders(), CountTokensBody());
  const absl::Time served = absl::Now();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_GE(served, reset);
  EXPECT_THAT(r->body, HasSubstr("input_tokens"));
}

}  // namespace
}  // namespace maxpool
