// What the upstream sends is read in step with what was asked, whatever its framing (RFC 9112 §6,
// RFC 9110 §15.2): interim 1xx answers are skipped, a second unsolicited response or stray bytes
// never reach the next request on a pooled connection, a HEAD answer has no body, and an SSE
// stream that ends without `message_stop` ends with an SSE `error` event for the client, whether
// the upstream framed it chunked, by length or by closing the connection.

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fake/test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/proxy_harness.h"
#include "support/raw_socket.h"
#include "support/scripted_upstream.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::ProxyHarness;
using ::maxpool::testing::RawSocket;
using ::maxpool::testing::ScriptedUpstream;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

// API-key accounts whose upstream is a ScriptedUpstream (one per account). One proxy worker, so
// that consecutive requests share its pool of upstream connections.
class UpstreamFraming : public ::testing::Test {
 protected:
  UpstreamFraming() : harness_(OneWorker()) {}
  static ProxyHarness::Options OneWorker() {
    ProxyHarness::Options o = ProxyHarness::DefaultOptions();
    o.proxy.threads = 1;
    return o;
  }

  void AddAccounts(int n) {
    for (int i = 0; i < n; ++i) {
      const std::string name = std::string(1, static_cast<char>('a' + i));
      fake::FakeAccountSpec spec;
      spec.type = fake::AccountType::kApiKey;
      harness_.AddAccount(name, spec, /*priority=*/i);
      upstreams_.push_back(std::make_unique<ScriptedUpstream>());
      harness_.Redirect(name, upstreams_.back()->base_url());
    }
    harness_.Start();
  }
  ScriptedUpstream& upstream(int i) { return *upstreams_[static_cast<size_t>(i)]; }

  // A request on a fresh client connection; the whole response.
  fake::HttpResponse Post(bool stream) { return harness_.Post(stream); }

  bool Settled() {
    return Eventually([&] {
      for (const core::Account& a : harness_.pool().Snapshot()) {
        if (a.state.in_flight != 0) return false;
      }
      return true;
    });
  }

  ProxyHarness harness_;
  std::vector<std::unique_ptr<ScriptedUpstream>> upstreams_;
};

std::string MessageJson(const std::string& id) {
  return absl::StrCat(R"({"id":")", id,
                      R"(","type":"message","role":"assistant","content":[],"usage":)",
                      R"({"input_tokens":1,"output_tokens":1}})");
}

// --- Interim and extra responses never cross clients -------------------------------------------

class InterimResponse : public UpstreamFraming,
                        public ::testing::WithParamInterface<std::string> {};

TEST_P(InterimResponse, IsSkippedAndEachClientGetsExactlyItsOwnAnswer) {
  AddAccounts(1);
  upstream(0).Push(
      {absl::StrCat(GetParam(), ScriptedUpstream::Json(200, MessageJson("msg_first")))});
  upstream(0).Push({ScriptedUpstream::Json(200, MessageJson("msg_second"))});

  const fake::HttpResponse first = Post(false);
  EXPECT_EQ(first.status, 200);
  EXPECT_THAT(first.body, HasSubstr("msg_first"));
  ASSERT_TRUE(Settled());
  const fake::HttpResponse second = Post(false);
  EXPECT_EQ(second.status, 200);
  EXPECT_THAT(second.body, HasSubstr("msg_second"));
  EXPECT_THAT(second.body, Not(HasSubstr("msg_first")));
}

INSTANTIATE_TEST_SUITE_P(
    UpstreamFraming, InterimResponse,
    ::testing::Values("HTTP/1.1 100 Continue\r\n\r\n",
                      "HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n",
                      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"));

TEST_F(UpstreamFraming, ExtraResponseAfterACompleteOneNeverReachesTheNextRequest) {
  AddAccounts(1);
  upstream(0).Push({absl::StrCat(ScriptedUpstream::Json(200, MessageJson("msg_first")),
                                 ScriptedUpstream::Json(200, MessageJson("msg_smuggled")))});
  upstream(0).Push({ScriptedUpstream::Json(200, MessageJson("msg_second"))});

  EXPECT_THAT(Post(false).body, HasSubstr("msg_first"));
  ASSERT_TRUE(Settled());
  const fake::HttpResponse second = Post(false);
  EXPECT_EQ(second.status, 200);
  EXPECT_THAT(second.body, HasSubstr("msg_second"));
  EXPECT_THAT(second.body, Not(HasSubstr("msg_smuggled")));
  // The connection with unread bytes was closed, not pooled.
  const std::vector<ScriptedUpstream::Seen> seen = upstream(0).requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_NE(seen[0].connection, seen[1].connection);
}

TEST_F(UpstreamFraming, BytesArrivingOnAnIdlePooledConnectionAreNeverTakenAsTheNextAnswer) {
  AddAccounts(1);
  ScriptedUpstream::Reply first{ScriptedUpstream::Json(200, MessageJson("msg_first"))};
  first.later = ScriptedUpstream::Json(200, MessageJson("msg_smuggled"));
  first.later_delay = 100ms;
  upstream(0).Push(first);
  upstream(0).Push({ScriptedUpstream::Json(200, MessageJson("msg_second"))});

  EXPECT_THAT(Post(false).body, HasSubstr("msg_first"));
  ASSERT_TRUE(Settled());
  std::this_thread::sleep_for(300ms);  // the stray response is on the idle connection now
  const fake::HttpResponse second = Post(false);
  EXPECT_EQ(second.status, 200);
  EXPECT_THAT(second.body, HasSubstr("msg_second"));
  EXPECT_THAT(second.body, Not(HasSubstr("msg_smuggled")));
}

TEST_F(UpstreamFraming, SwitchingProtocolsIsRefusedAndTheRequestFailsOver) {
  AddAccounts(2);
  upstream(0).Push(
      {"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n"
       "connection: upgrade\r\n\r\nraw bytes of another protocol"});
  upstream(1).Push({ScriptedUpstream::Json(200, MessageJson("msg_from_b"))});

  const fake::HttpResponse r = Post(false);
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("msg_from_b"));
  EXPECT_THAT(r.body, Not(HasSubstr("raw bytes")));
  EXPECT_EQ(r.Header("x-maxpool-account").value_or(""), "b");
}

TEST_F(UpstreamFraming, HeadAnswerHasNoBodyAndTheConnectionServesTheNextRequest) {
  AddAccounts(1);
  // The length of the body a GET would have had, and no body.
  upstream(0).Push(
      {"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
       "content-length: 1234\r\n\r\n"});
  upstream(0).Push({ScriptedUpstream::Json(200, MessageJson("msg_after_head"))});

  auto raw = RawSocket::Connect(harness_.port());
  ASSERT_NE(raw, nullptr);
  ASSERT_TRUE(raw->Write("HEAD /v1/models HTTP/1.1\r\nhost: x\r\n\r\n"));
  const std::string head = raw->ReadUntil("\r\n\r\n", 5s);
  ASSERT_THAT(head, HasSubstr("HTTP/1.1 200")) << head;
  ASSERT_TRUE(Settled()) << "the HEAD request still holds its lease";

  const std::string body = R"({"model":"claude-sonnet-4-5","max_tokens":8,"messages":[]})";
  ASSERT_TRUE(raw->Write(absl::StrCat(
      "POST /v1/messages HTTP/1.1\r\nhost: x\r\n",
      "content-type: application/json\r\ncontent-length: ", body.size(), "\r\n\r\n", body)));
  const std::string all = raw->ReadUntil("msg_after_head", 5s);
  const std::string after_head = all.substr(head.find("\r\n\r\n") + 4);
  EXPECT_TRUE(after_head.starts_with("HTTP/1.1 200")) << after_head;
  EXPECT_THAT(after_head, HasSubstr("msg_after_head"));
}

// --- A stream without message_stop never ends cleanly ------------------------------------------

std::string SseEvents(bool with_stop, bool cut_mid_event = false) {
  std::string s =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
      "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n"
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n"
      "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":2}}"
      "\n\n";
  if (with_stop) s += "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  if (cut_mid_event) s += "event: content_block_delta\ndata: {\"type\":\"conte";
  return s;
}

enum class Framing { kChunked, kLength, kClose };

ScriptedUpstream::Reply Framed(Framing framing, const std::string& body) {
  const std::string head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n";
  switch (framing) {
    case Framing::kChunked: {
      char size[32];
      std::snprintf(size, sizeof(size), "%zx", body.size());
      return {absl::StrCat(head, "transfer-encoding: chunked\r\n\r\n", size, "\r\n", body,
                           "\r\n0\r\n\r\n")};
    }
    case Framing::kLength:
      return {absl::StrCat(head, "content-length: ", body.size(), "\r\n\r\n", body)};
    case Framing::kClose: {
      ScriptedUpstream::Reply reply{absl::StrCat(head, "connection: close\r\n\r\n", body)};
      reply.close_after = true;
      return reply;
    }
  }
  return {};
}

struct StreamCase {
  std::string name;
  Framing framing;
  bool with_stop;
  bool cut_mid_event;
};

class StreamEnd : public UpstreamFraming, public ::testing::WithParamInterface<StreamCase> {};

TEST_P(StreamEnd, EndsCleanlyOnlyAfterMessageStop) {
  const StreamCase& c = GetParam();
  AddAccounts(1);
  upstream(0).Push(Framed(c.framing, SseEvents(c.with_stop, c.cut_mid_event)));

  const fake::HttpResponse r = Post(true);
  ASSERT_EQ(r.status, 200);
  const fake::SseParse sse = fake::ParseSse(r.body);
  ASSERT_FALSE(sse.events.empty()) << r.body;
  EXPECT_TRUE(sse.residual.empty()) << "the client must get whole events: " << r.body;
  if (c.with_stop) {
    EXPECT_EQ(sse.events.back().event, "message_stop") << r.body;
    EXPECT_THAT(r.body, Not(HasSubstr("event: error")));
  } else {
    EXPECT_EQ(sse.events.back().event, "error") << r.body;
    EXPECT_THAT(sse.events.back().data, HasSubstr("api_error"));
  }
  ASSERT_TRUE(Settled());
}

INSTANTIATE_TEST_SUITE_P(
    UpstreamFraming, StreamEnd,
    ::testing::Values(StreamCase{"chunked_complete", Framing::kChunked, true, false},
                      StreamCase{"chunked_no_stop", Framing::kChunked, false, false},
                      StreamCase{"length_complete", Framing::kLength, true, false},
                      StreamCase{"length_no_stop", Framing::kLength, false, false},
                      StreamCase{"close_complete", Framing::kClose, true, false},
                      StreamCase{"close_no_stop", Framing::kClose, false, false},
                      StreamCase{"close_cut_mid_event", Framing::kClose, false, true},
                      StreamCase{"chunked_cut_mid_event", Framing::kChunked, false, true}),
    [](const ::testing::TestParamInfo<StreamCase>& p) { return p.param.name; });

}  // namespace
}  // namespace maxpool
