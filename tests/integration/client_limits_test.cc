// Bad input and limits on the client side of the proxy (spec §8.1, §12.11, §14 items 41-43,
// 46): oversized bodies and headers, malformed HTTP, slow clients, clients that leave while the
// upstream has not answered, Expect: 100-continue, and keep-alive after an error.

#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "fake/behaviour.h"
#include "fake/test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/proxy_harness.h"
#include "support/raw_socket.h"
#include "support/status_matchers.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::ProxyHarness;
using ::maxpool::testing::RawSocket;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

// A request head for raw sockets; `extra` lines end with "\r\n".
std::string Head(const std::string& extra) {
  return absl::StrCat(
      "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "anthropic-version: 2023-06-01\r\n",
      extra, "\r\n");
}

int PoolInFlight(ProxyHarness& h) {
  int n = 0;
  for (const core::Account& a : h.pool().Snapshot()) n += a.state.in_flight;
  return n;
}

int64_t UpstreamInFlight(ProxyHarness& h, const std::string& credential) {
  auto stats = h.upstream().Stats();
  auto it = stats.find(credential);
  return it == stats.end() ? 0 : it->second.in_flight;
}

// ---- Oversized requests (§8.1: bodies are buffered whole, so they are bounded) ----------------

TEST(ClientLimits, BodyOverTheLimitGets413RequestTooLargeAndNothingGoesUpstream) {
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.proxy.max_body_bytes = 1024;
  ProxyHarness h(options);
  h.AddAccount("A");
  h.Start();

  fake::HttpResponse response =
      h.Post(/*stream=*/false, {}, ProxyHarness::MessageBody(false, std::string(2048, 'x')));

  EXPECT_EQ(response.status, 413);
  EXPECT_THAT(response.Header("content-type").value_or(""), HasSubstr("application/json"));
  EXPECT_THAT(response.body, HasSubstr(R"("type":"error")"));
  EXPECT_THAT(response.body, HasSubstr(R"("type":"request_too_large")"));
  EXPECT_TRUE(h.upstream().Requests().empty());
}

TEST(ClientLimits, ChunkedBodyGrowingOverTheLimitGets413) {
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.proxy.max_body_bytes = 1024;
  ProxyHarness h(options);
  h.AddAccount("A");
  h.Start();
  auto raw = RawSocket::Connect(h.port());
  ASSERT_NE(raw, nullptr);

  // No length up front: the limit is found while reading the body.
  ASSERT_TRUE(raw->Write(Head("Transfer-Encoding: chunked\r\n")));
  ASSERT_TRUE(raw->Write(absl::StrCat("800\r\n", std::string(0x800, 'x'), "\r\n")));

  const std::string& got = raw->ReadUntil("request_too_large", 2000ms);
  EXPECT_THAT(got, StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(got, HasSubstr("request_too_large"));
  EXPECT_TRUE(raw->WaitForClose(2000ms));
  EXPECT_TRUE(h.upstream().Requests().empty());
}

TEST(ClientLimits, ContentLengthOneByteOverTheDefault32MiBGets413AtOnce) {
  ProxyHarness h;  // default proxy.max_body_bytes: 32 MiB
  h.AddAccount("A");
  h.Start();
  auto raw = RawSocket::Connect(h.port());
  ASSERT_NE(raw, nullptr);

  // The announced length is enough to refuse: the client need not send the body.
  ASSERT_TRUE(raw->Write(Head(absl::StrCat("Content-Length: ", (32 << 20) + 1, "\r\n"))));

  const std::string& got = raw->ReadUntil("}}", 2000ms);
  EXPECT_THAT(got, StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(got, HasSubstr("request_too_large"));
  EXPECT_THAT(got, HasSubstr("32 MiB"));
  EXPECT_TRUE(raw->WaitForClose(2000ms));
  EXPECT_TRUE(h.upstream().Requests().empty());
}

TEST(ClientLimits, ChunkedBodyReachingTheDefault32MiBPlusOneByteGets413) {
  ProxyHarness h;
  h.AddAccount("A");
  h.Start();
  auto raw = RawSocket::Connect(h.port());
  ASSERT_NE(raw, nullptr);
  ASSERT_TRUE(raw->Write(Head("Transfer-Encoding: chunked\r\n")));

  // 32 chunks of 1 MiB are read whole; the one byte after them is over the limit.
  const std::string mib = absl::StrCat("100000\r\n", std::string(1 << 20, 'x'), "\r\n");
  std::thread sender([&raw, &mib] {
    for (int i = 0; i < 32 && raw->Write(mib); ++i) {
    }
    (void)raw->Write("1\r\nx\r\n0\r\n\r\n");
  });
  // About 1 s alone under ASan; many times that on a busy 2-core machine.
  const std::string got = raw->ReadUntil("}}", 60000ms);
  sender.join();

  EXPECT_THAT(got, StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(got, HasSubstr("request_too_large"));
  EXPECT_TRUE(h.upstream().Requests().empty());
}

TEST(ClientLimits, HeadersOverTheLimitGet431) {
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.proxy.max_header_bytes = 4096;
  ProxyHarness h(options);
  h.AddAccount("A");
  h.Start();
  auto raw = RawSocket::Connect(h.port());
  ASSERT_NE(raw, nullptr);

  ASSERT_TRUE(raw->Write(
      Head(absl::StrCat("x-filler: ", std::string(8192, 'f'), "\r\nContent-Length: 2\r\n"))));
  (void)raw->Write("{}");

  const std::string& got = raw->ReadUntil("}", 2000ms);
  EXPECT_THAT(got, StartsWith("HTTP/1.1 431"));
  EXPECT_THAT(got, HasSubstr("request_too_large"));
  EXPECT_TRUE(raw->WaitForClose(2000ms));
  EXPECT_TRUE(h.upstream().Requests().empty());
}

TEST(ClientLimits, HeadersOverTheDefault64KiBLimitGet431) {
  ProxyHarness h;
  h.AddAccount("A");
  h.Start();
  auto client = h.Client();
  ASSERT_NE(client, nullptr);

  absl::StatusOr<fake::HttpResponse> response =
      client->Request("POST", "/v1/messages",
                      {{"content-type", "application/json"},
                       {"anthropic-version", "2023-06-01"},
                       {"x-filler-1", std::string(33 * 1024, 'f')},
                       {"x-filler-2", std::string(33 * 1024, 'f')}},
                      ProxyHarness::MessageBody(false));

  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 431);
  EXPECT_TRUE(h.upstream().Requests().empty());
}

// ---- Malformed and slow clients ---------------------------------------------------------------

class MalformedRequest : public ::testing::TestWithParam<std::string> {};

TEST_P(MalformedRequest, Gets400AndTheConnectionCloses) {
  ProxyHarness h;
  h.AddAccount("A");
  h.Start();
  auto raw = RawSocket::Connect(h.port());
  ASSERT_NE(raw, nullptr);

  ASSERT_TRUE(raw->Write(GetParam()));

  EXPECT_TRUE(raw->WaitForClose(2000ms));
  EXPECT_THAT(raw->received(), StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(raw->received(), HasSubstr("invalid_request_error"));
  EXPECT_TRUE(h.upstream().Requests().empty());
  // The proxy still serves others.
  EXPECT_EQ(h.Post(/*stream=*/false).status, 200);
}

INSTANTIATE_TEST_SUITE_P(
    ClientLimits, MalformedRequest,
    ::testing::Values("THIS IS NOT HTTP\r\n\r\n",
                      "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                      "POST /v1/messages HTTP/1.1\r\nHost x\r\n\r\n",
                      "POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "zz\r\n{}\r\n0\r\n\r\n"));

TEST(ClientLimits, SlowHeadersAreTimedOutWith408WithoutBlockingOtherClients) {
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.proxy.header_timeout = 1000ms;
  ProxyHarness h(options);
  h.AddAccount("A");
  h.Start();
  auto slow = RawSocket::Connect(h.port());
  ASSERT_NE(slow, nullptr);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(slow->Write("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"));

  // Another client is served meanwhile, before the slow one times out.
  fake::HttpResponse other = h.Post(/*stream=*/false);
  EXPECT_EQ(other.status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 900ms);

  EXPECT_TRUE(slow->WaitForClose(3000ms));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 950ms);
  EXPECT_THAT(slow->received(), StartsWith("HTTP/1.1 408"));
  EXPECT_THAT(slow->received(), HasSubstr("timeout_error"));
}

TEST(ClientLimits, SilentConnectionIsClosedAfterTheHeaderTimeout) {
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.proxy.header_timeout = 300ms;
  ProxyHarness h(options);
  h.AddAccount("A");
  h.Start();
  auto silent = RawSocket::Connect(h.port());
  ASSERT_NE(silent, nullptr);

  EXPECT_TRUE(silent->WaitForClose(2000ms));
  EXPECT_EQ(silent->received(), "");
}

// ---- A client that leaves before the upstream answers (§4.1 step 2, §14 item 41) -------------

class ClientLeavesWhileUpstreamIsSilent : public ::testing::TestWithParam<bool> {};

TEST_P(ClientLeavesWhileUpstreamIsSilent, LeaseIsReleasedAndTheUpstreamCallClosed) {
  const bool stream = GetParam();
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.proxy.stream_grace = 100ms;  // streams: the heartbeat has committed the response
  options.proxy.heartbeat = 100ms;
  ProxyHarness h(options);
  const std::string a = h.AddAccount("A");
  const std::string b = h.AddAccount("B");
  h.Start();
  ASSERT_TRUE(
      h.upstream().Script(a, {fake::Behaviour::Of(fake::BehaviourKind::kStallBeforeHeaders)}).ok());
  auto client = h.Client();
  ASSERT_NE(client, nullptr);
  ASSERT_THAT(client->Send("POST", "/v1/messages", ProxyHarness::JsonHeaders(),
                           ProxyHarness::MessageBody(stream)),
              IsOk());
  ASSERT_TRUE(Eventually([&] { return UpstreamInFlight(h, a) == 1; }));
  if (stream) {
    absl::StatusOr<fake::HttpResponse> head = client->ReadHeaders();
    ASSERT_THAT(head, IsOk());
    EXPECT_EQ(head->status, 200);
  }
  EXPECT_EQ(PoolInFlight(h), 1);

  client->Close();

  EXPECT_TRUE(Eventually([&] { return PoolInFlight(h) == 0; }, 1000ms));
  EXPECT_TRUE(Eventually([&] { return UpstreamInFlight(h, a) == 0; }, 1000ms));
  // Not failed over, and A not penalised: the client simply left.
  EXPECT_EQ(h.upstream().Requests().size(), 1u);
  EXPECT_EQ(UpstreamInFlight(h, b), 0);
  for (const core::Account& account : h.pool().Snapshot()) {
    EXPECT_EQ(account.state.failed_requests, 0) << account.settings.name;
    EXPECT_FALSE(account.state.cooldown_until.has_value()) << account.settings.name;
  }
}

INSTANTIATE_TEST_SUITE_P(ClientLimits, ClientLeavesWhileUpstreamIsSilent, ::testing::Bool(),
                         [](const auto& test_info) { return test_info.param ? "Stream" : "Json"; });

// ---- Protocol details --------------------------------------------------------------------------

TEST(ClientLimits, Expect100ContinueGetsContinueThenTheAnswer) {
  ProxyHarness h;
  h.AddAccount("A");
  h.Start();
  auto raw = RawSocket::Connect(h.port());
  ASSERT_NE(raw, nullptr);
  const std::string body = ProxyHarness::MessageBody(false);

  ASSERT_TRUE(raw->Write(
      Head(absl::StrCat("Expect: 100-continue\r\nContent-Length: ", body.size(), "\r\n"))));
  EXPECT_EQ(raw->ReadUntil("\r\n\r\n", 2000ms), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(raw->Write(body));

  const std::string& got = raw->ReadUntil(R"("usage")", 2000ms);
  EXPECT_THAT(got, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(got, HasSubstr(R"("type":"message")"));
  ASSERT_EQ(h.upstream().Requests().size(), 1u);
  EXPECT_EQ(h.upstream().Requests()[0].body, body);
}

TEST(ClientLimits, ConnectionStaysUsableAfterARelayedClientError) {
  // §4.5: other 4xx are relayed as is; the exchange completed, so the connection is reusable.
  ProxyHarness h;
  h.AddAccount("A");
  h.Start();
  auto client = h.Client();
  ASSERT_NE(client, nullptr);

  absl::StatusOr<fake::HttpResponse> bad =
      client->Request("POST", "/v1/messages", ProxyHarness::JsonHeaders(), R"({"model":1})");
  ASSERT_THAT(bad, IsOk());
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(bad->body, HasSubstr("invalid_request_error"));

  absl::StatusOr<fake::HttpResponse> good = client->Request(
      "POST", "/v1/messages", ProxyHarness::JsonHeaders(), ProxyHarness::MessageBody(false));
  ASSERT_THAT(good, IsOk());
  EXPECT_EQ(good->status, 200);
}

TEST(ClientLimits, ConnectionStaysUsableAfterTheProxysOwn429) {
  // §5.6: nothing can serve and holding would not help; the 429 is a complete response.
  ProxyHarness h;
  const std::string a = h.AddAccount("A");
  h.Start();
  ASSERT_TRUE(h.upstream().Script(a, {fake::Behaviour::Of(fake::BehaviourKind::kQuota429)}).ok());
  auto client = h.Client();
  ASSERT_NE(client, nullptr);

  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    absl::StatusOr<fake::HttpResponse> response = client->Request(
        "POST", "/v1/messages", ProxyHarness::JsonHeaders(), ProxyHarness::MessageBody(false));
    ASSERT_THAT(response, IsOk());
    EXPECT_EQ(response->status, 429);
    EXPECT_THAT(response->body, HasSubstr("rate_limit_error"));
    EXPECT_TRUE(response->Header("retry-after").has_value());
    EXPECT_NE(response->Header("connection"), "close");
  }
  EXPECT_EQ(h.upstream().Requests().size(), 1u);  // the second never reached the benched A
}

TEST(ClientLimits, ConnectionClosesAfterARejectedRequest) {
  // After a 413 the rest of the request is unread: the connection cannot be reused.
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.proxy.max_body_bytes = 1024;
  ProxyHarness h(options);
  h.AddAccount("A");
  h.Start();
  auto client = h.Client();
  ASSERT_NE(client, nullptr);

  absl::StatusOr<fake::HttpResponse> response =
      client->Request("POST", "/v1/messages", ProxyHarness::JsonHeaders(),
                      ProxyHarness::MessageBody(false, std::string(2048, 'x')));
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->Header("connection"), "close");
  EXPECT_THAT(client->WaitForClose(), IsOk());
}

}  // namespace
}  // namespace maxpool
