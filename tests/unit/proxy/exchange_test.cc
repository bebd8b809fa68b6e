// proxy::Exchange in memory: a client on Beast's test stream, upstreams over in-process socket
// pairs that send exact bytes. An upstream answer cut at every byte offset of a stream ends, for
// the client, with an SSE error event and never a clean end (spec §4.8, §14 item 45); an answer
// cut before anything reached the client, and every failure class of the upstream, fails over
// (§4.1); a request held on its only account is moved by the fake clock alone (§5).

#include "proxy/exchange.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/string_body.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pool/pool.h"
#include "proxy/drain.h"
#include "proxy/error_body.h"
#include "proxy/relay_buffers.h"
#include "support/fake_clock.h"
#include "support/memory_client.h"
#include "support/pair_upstreams.h"
#include "support/pool_credential.h"
#include "support/router_harness.h"

namespace maxpool::proxy {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using ::maxpool::testing::ApiKeyAccount;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::MemoryClient;
using ::maxpool::testing::PairUpstreams;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUpstream[] = "http://127.0.0.1:9";

const std::vector<std::string>& Events() {
  static const std::vector<std::string> events = {
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
      "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],"
      "\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n",
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
      "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n",
      "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
      "\"end_turn\"},\"usage\":{\"output_tokens\":5}}\n\n",
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
  };
  return events;
}

std::string EventText() {
  std::string text;
  for (const std::string& event : Events()) text += event;
  return text;
}

// The event stream's body on the wire: one chunk per event, or close-delimited.
std::string ChunkedEvents() {
  std::string body;
  for (const std::string& event : Events()) {
    absl::StrAppend(&body, absl::Hex(event.size()), "\r\n", event, "\r\n");
  }
  return body + "0\r\n\r\n";
}

constexpr char kChunkedHead[] =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
constexpr char kCloseDelimitedHead[] =
    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";

std::string JsonMessage() {
  return "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
         "\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"Hello\"}],"
         "\"usage\":{\"input_tokens\":10,\"output_tokens\":5}}";
}

std::string JsonAnswer() {
  const std::string body = JsonMessage();
  return absl::StrCat("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ",
                      body.size(), "\r\n\r\n", body);
}

// What the client got, parsed.
struct ClientView {
  bool complete = false;
  unsigned status = 0;
  std::string content_type;
  std::string account;
  std::string body;
};

ClientView Parse(const std::string& received) {
  ClientView view;
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(asio::buffer(received), ec);
  if (ec || !parser.is_done()) return view;
  view.complete = true;
  view.status = parser.get().result_int();
  view.content_type = std::string(parser.get()[http::field::content_type]);
  view.account = std::string(parser.get()["x-maxpool-account"]);
  view.body = parser.get().body();
  return view;
}

// One request through an Exchange, on its own io_context, until it is done.
class ExchangeRun {
 public:
  ExchangeRun(std::vector<std::string> accounts, PairUpstreams::Script script, bool streaming)
      : upstreams_(ioc_, std::move(script)), drain_(clock_), client_(ioc_) {
    streaming_ = streaming;
    pool::PoolOptions pool_options;
    pool_options.jitter_seed = 1;
    pool_options.queue.poll = absl::Hours(1);  // only events and the clock's jumps wake a hold
    pool_.emplace(clock_, pool_options);
    for (const std::string& name : accounts) {
      pool_->AddAccount(ApiKeyAccount(name),
                        ::maxpool::testing::MakeCredential(pool::CredentialKind::kApiKey,
                                                           "key-" + name, kUpstream));
    }
    options_.default_upstream = kUpstream;
    request_ = {http::verb::post, "/v1/messages", 11};
    request_.set(http::field::content_type, "application/json");
    request_.body() = absl::StrCat(R"({"model":"claude-sonnet-4-5","max_tokens":64,"stream":)",
                                   streaming ? "true" : "false",
                                   R"(,"messages":[{"role":"user","content":"hi"}]})");
    request_.prepare_payload();
  }

  // While Run() runs: once a request is held (and a streamed one has been told so), the fake
  // clock moves on by `by`, once.
  void AdvanceTheClockOnceHeld(absl::Duration by) { advance_when_held_ = by; }

  ExchangeSummary Run() {
    Exchange exchange(ExchangeEnv{*pool_, options_, upstreams_, buffers_, drain_}, client_,
                      request_, /*keep_alive=*/true);
    std::optional<ExchangeSummary> summary;
    if (advance_when_held_) {
      asio::co_spawn(ioc_, AdvanceOnceHeld(*advance_when_held_), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
    }
    asio::co_spawn(ioc_, exchange.Run(), [&](std::exception_ptr e, ExchangeSummary s) {
      if (e) std::rethrow_exception(e);
      summary = s;
    });
    ioc_.run();
    EXPECT_TRUE(summary.has_value());
    return summary.value_or(ExchangeSummary{});
  }

  ClientView Client() const { return Parse(client_.Received()); }
  int InFlight() const {
    int total = 0;
    for (const core::Account& account : pool_->Snapshot()) total += account.state.in_flight;
    return total;
  }
  const PairUpstreams& upstreams() const { return upstreams_; }

 private:
  asio::awaitable<void> AdvanceOnceHeld(absl::Duration by) {
    asio::steady_timer poll(ioc_);
    while (pool_->waiting() == 0 || (streaming_ && client_.Received().empty())) {
      poll.expires_after(std::chrono::milliseconds(1));
      co_await poll.async_wait(asio::use_awaitable);
    }
    clock_.Advance(by);
  }

  asio::io_context ioc_;
  FakeClock clock_;
  std::optional<pool::Pool> pool_;
  ProxyOptions options_;
  PairUpstreams upstreams_;
  RelayBuffers buffers_{16384, 4};
  DrainState drain_;
  MemoryClient client_;
  http::request<http::string_body> request_;
  std::optional<absl::Duration> advance_when_held_;
  bool streaming_ = false;
};

std::string Answer(absl::string_view status_line, absl::string_view extra_headers,
                   absl::string_view body) {
  return absl::StrCat("HTTP/1.1 ", status_line, "\r\ncontent-type: application/json\r\n",
                      extra_headers, "content-length: ", body.size(), "\r\n\r\n", body);
}

std::string RateLimited() {
  return Answer("429 Too Many Requests", "retry-after: 30\r\n",
                R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})");
}

TEST(ExchangeInMemory, ACompleteStreamIsRelayedAsItCameAndEndsCleanly) {
  for (const char* head : {kChunkedHead, kCloseDelimitedHead}) {
    const std::string framed = head == kChunkedHead ? ChunkedEvents() : EventText();
    ExchangeRun run(
        {"A"}, [&](int) { return std::string(head) + framed; }, /*streaming=*/true);
    const ExchangeSummary summary = run.Run();
    const ClientView client = run.Client();
    ASSERT_TRUE(client.complete) << head;
    EXPECT_EQ(client.status, 200u);
    EXPECT_EQ(client.account, "A");
    EXPECT_EQ(client.body, EventText());
    EXPECT_FALSE(summary.truncated);
    EXPECT_EQ(summary.failure, core::FailureClass::kNone);
    EXPECT_EQ(summary.output_tokens, 5);
    EXPECT_EQ(run.InFlight(), 0);
  }
}

// Every byte offset of the body, for both framings: the client sees an SSE error event at an
// event boundary, never a clean end, and the lease goes back charged with a network failure.
TEST(ExchangeInMemory, AStreamCutAtEveryByteOffsetEndsWithAnErrorEvent) {
  for (const char* head : {kChunkedHead, kCloseDelimitedHead}) {
    const std::string framed = head == kChunkedHead ? ChunkedEvents() : EventText();
    // Close-delimited: the whole text is a complete body, so cut strictly inside it.
    for (size_t cut = 0; cut < framed.size(); ++cut) {
      SCOPED_TRACE(absl::StrCat(head == kChunkedHead ? "chunked" : "close-delimited", " cut at ",
                                cut, " of ", framed.size()));
      ExchangeRun run(
          {"A"}, [&](int) { return std::string(head) + framed.substr(0, cut); },
          /*streaming=*/true);
      const ExchangeSummary summary = run.Run();
      const ClientView client = run.Client();
      ASSERT_TRUE(client.complete);
      EXPECT_EQ(client.status, 200u);
      EXPECT_THAT(client.content_type, HasSubstr("text/event-stream"));
      const size_t error_at = client.body.rfind("event: error\n");
      ASSERT_NE(error_at, std::string::npos) << client.body;
      EXPECT_TRUE(error_at == 0 || client.body.compare(error_at - 2, 2, "\n\n") == 0)
          << "the error event starts at an event boundary";
      EXPECT_THAT(client.body, EndsWith("\n\n"));
      EXPECT_THAT(client.body.substr(error_at), HasSubstr("\"type\":\"error\""));
      EXPECT_TRUE(summary.truncated);
      EXPECT_EQ(summary.failure, core::FailureClass::kNetwork);
      EXPECT_EQ(run.InFlight(), 0);
      EXPECT_EQ(run.upstreams().attempts(), 1) << "bytes reached the client: no failover";
    }
  }
}

// A JSON answer is read whole before anything is sent: a cut anywhere in it fails over to the
// other account, and the client gets that account's complete answer.
TEST(ExchangeInMemory, AJsonAnswerCutAtEveryByteOffsetFailsOverWithNothingSent) {
  const std::string full = JsonAnswer();
  const size_t head_end = full.find("\r\n\r\n") + 4;
  for (size_t cut = head_end; cut < full.size(); ++cut) {
    SCOPED_TRACE(absl::StrCat("cut at ", cut, " of ", full.size()));
    ExchangeRun run(
        {"A", "B"}, [&](int n) { return n == 0 ? full.substr(0, cut) : full; },
        /*streaming=*/false);
    const ExchangeSummary summary = run.Run();
    const ClientView client = run.Client();
    ASSERT_TRUE(client.complete);
    EXPECT_EQ(client.status, 200u);
    EXPECT_EQ(client.body, JsonMessage());
    EXPECT_EQ(summary.attempts, 2);
    EXPECT_EQ(summary.failure, core::FailureClass::kNone);
    EXPECT_EQ(run.upstreams().attempts(), 2);
    EXPECT_EQ(run.InFlight(), 0);
  }
}

TEST(ExchangeInMemory, AnUpstream429FailsOverAndTheClientNeverSeesIt) {
  ExchangeRun run(
      {"A", "B"},
      [](int n) {
        if (n == 0) {
          const std::string body =
              R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})";
          return absl::StrCat(
              "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n"
              "retry-after: 30\r\ncontent-length: ",
              body.size(), "\r\n\r\n", body);
        }
        return JsonAnswer();
      },
      /*streaming=*/false);
  const ExchangeSummary summary = run.Run();
  const ClientView client = run.Client();
  ASSERT_TRUE(client.complete);
  EXPECT_EQ(client.status, 200u);
  EXPECT_THAT(client.body, Not(HasSubstr("slow down")));
  EXPECT_EQ(summary.attempts, 2);
  EXPECT_EQ(run.InFlight(), 0);
}

TEST(ExchangeInMemory, AClientErrorIsRelayedAsItCame) {
  const std::string body =
      R"({"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: required"}})";
  ExchangeRun run(
      {"A", "B"},
      [&](int) {
        return absl::StrCat(
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ",
            body.size(), "\r\n\r\n", body);
      },
      /*streaming=*/false);
  const ExchangeSummary summary = run.Run();
  const ClientView client = run.Client();
  ASSERT_TRUE(client.complete);
  EXPECT_EQ(client.status, 400u);
  EXPECT_EQ(client.body, body);
  EXPECT_EQ(summary.attempts, 1);
  EXPECT_EQ(run.upstreams().attempts(), 1);
  EXPECT_EQ(run.InFlight(), 0);
}

// What the first account's upstream does, one row per failure class the proxy fails over on.
struct UpstreamFailureCase {
  const char* name;
  std::string answer;  // the bytes A's upstream sends before it closes
};

class ExchangeFailoverTest : public ::testing::TestWithParam<UpstreamFailureCase> {};

// Whatever A's upstream does before a byte reaches the client, the client gets B's complete
// answer, nothing of A's failure, and no lease stays taken.
TEST_P(ExchangeFailoverTest, TheClientGetsTheOtherAccountsAnswer) {
  for (const bool streaming : {false, true}) {
    SCOPED_TRACE(streaming ? "SSE" : "JSON");
    const std::string failure = GetParam().answer;
    ExchangeRun run(
        {"A", "B"},
        [&](int n) {
          if (n > 0) return streaming ? std::string(kChunkedHead) + ChunkedEvents() : JsonAnswer();
          return failure;
        },
        streaming);
    const ExchangeSummary summary = run.Run();
    const ClientView client = run.Client();
    ASSERT_TRUE(client.complete);
    EXPECT_EQ(client.status, 200u);
    EXPECT_EQ(client.account, "B");
    EXPECT_EQ(client.body, streaming ? EventText() : JsonMessage());
    EXPECT_FALSE(summary.truncated);
    EXPECT_EQ(summary.attempts, 2);
    EXPECT_EQ(run.upstreams().attempts(), 2);
    EXPECT_EQ(run.InFlight(), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Classes, ExchangeFailoverTest,
    ::testing::Values(
        UpstreamFailureCase{"rate_limited", RateLimited()},
        UpstreamFailureCase{
            "quota_rejected",
            Answer("429 Too Many Requests",
                   "anthropic-ratelimit-unified-status: rejected\r\n"
                   "anthropic-ratelimit-unified-5h-utilization: 1.0\r\n",
                   R"({"type":"error","error":{"type":"rate_limit_error","message":"quota"}})")},
        UpstreamFailureCase{
            "overloaded",
            Answer("529 Overloaded", "",
                   R"({"type":"error","error":{"type":"overloaded_error","message":"busy"}})")},
        UpstreamFailureCase{
            "upstream_5xx",
            Answer("502 Bad Gateway", "",
                   R"({"type":"error","error":{"type":"api_error","message":"bad gateway"}})")},
        UpstreamFailureCase{"key_refused",
                            Answer("401 Unauthorized", "",
                                   R"({"type":"error","error":{"type":"authentication_error",)"
                                   R"("message":"invalid x-api-key"}})")},
        UpstreamFailureCase{"forbidden",
                            Answer("403 Forbidden", "",
                                   R"({"type":"error","error":{"type":"permission_error",)"
                                   R"("message":"not allowed"}})")},
        UpstreamFailureCase{"closed_before_the_head", ""},
        UpstreamFailureCase{"garbage_instead_of_a_head", "SSH-2.0-OpenSSH_9.2\r\n\r\n"},
        UpstreamFailureCase{"cut_inside_the_head", "HTTP/1.1 200 OK\r\ncontent-ty"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// §5: a 429 on the only account holds the request until the account's block ends, on the pool's
// clock. The hold's poll is an hour, so only the fake clock's jump past the block moves it; the
// retry on the same account answers. A streamed request is told it is waiting (a ping) first.
TEST(ExchangeInMemory, ARequestHeldOnItsOnlyAccountIsAnsweredWhenTheFakeClockPassesTheBlock) {
  for (const bool streaming : {false, true}) {
    SCOPED_TRACE(streaming ? "SSE" : "JSON");
    ExchangeRun run(
        {"A"},
        [&](int n) {
          if (n == 0) return RateLimited();
          return streaming ? std::string(kChunkedHead) + ChunkedEvents() : JsonAnswer();
        },
        streaming);
    run.AdvanceTheClockOnceHeld(absl::Seconds(31));
    const ExchangeSummary summary = run.Run();
    const ClientView client = run.Client();
    ASSERT_TRUE(client.complete);
    EXPECT_EQ(client.status, 200u);
    EXPECT_TRUE(summary.held);
    EXPECT_EQ(summary.attempts, 2);
    EXPECT_EQ(run.upstreams().attempts(), 2);
    EXPECT_EQ(run.InFlight(), 0);
    if (streaming) {
      EXPECT_THAT(client.body, ::testing::StartsWith(std::string(kPingEvent)));
      EXPECT_THAT(client.body, EndsWith(EventText()));
      EXPECT_THAT(client.body, Not(HasSubstr("slow down")));
    } else {
      EXPECT_EQ(client.body, JsonMessage());
    }
  }
}

}  // namespace
}  // namespace maxpool::proxy
