// The fake upstream's API surface: routing, authentication, quota headers, recording, stats,
// limits and lifecycle (anthropic-wire.md §1, §3, §4, §8).

#include "fake/fake_upstream.h"

#include <chrono>
#include <thread>

#include "fake/test_client.h"
#include "fake_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"

namespace maxpool::fake {
namespace {

using ::maxpool::fake::testing::ApiKeyAccount;
using ::maxpool::fake::testing::ApiKeyHeaders;
using ::maxpool::fake::testing::CheckMessageStream;
using ::maxpool::fake::testing::ConnectTo;
using ::maxpool::fake::testing::ErrorMessage;
using ::maxpool::fake::testing::ErrorType;
using ::maxpool::fake::testing::Json;
using ::maxpool::fake::testing::kApiKey;
using ::maxpool::fake::testing::kOAuthToken;
using ::maxpool::fake::testing::kOAuthTokenB;
using ::maxpool::fake::testing::MessageBody;
using ::maxpool::fake::testing::OAuthAccount;
using ::maxpool::fake::testing::OAuthHeaders;
using ::maxpool::fake::testing::StartFake;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Pair;

std::unique_ptr<FakeUpstream> FakeWithAccounts(FakeOptions options = {}) {
  auto fake = StartFake(std::move(options));
  EXPECT_THAT(fake->AddAccount(OAuthAccount()), IsOk());
  EXPECT_THAT(fake->AddAccount(ApiKeyAccount()), IsOk());
  return fake;
}

TEST(FakeUpstreamTest, StartsOnAnEphemeralPort) {
  auto fake = StartFake();
  EXPECT_GT(fake->port(), 0);
  EXPECT_EQ(fake->base_url(), "http://127.0.0.1:" + std::to_string(fake->port()));
  fake->Stop();
  fake->Stop();  // idempotent
}

TEST(FakeUpstreamTest, RejectsBadOptions) {
  FakeOptions half_tls;
  half_tls.tls_cert_file = "cert.pem";
  EXPECT_THAT(FakeUpstream::Start(half_tls), StatusIs(absl::StatusCode::kInvalidArgument));
  FakeOptions missing_files;
  missing_files.tls_cert_file = "/nonexistent/cert.pem";
  missing_files.tls_key_file = "/nonexistent/key.pem";
  EXPECT_THAT(FakeUpstream::Start(missing_files), StatusIs(absl::StatusCode::kUnavailable));
  auto taken = StartFake();
  FakeOptions same_port;
  same_port.port = taken->port();
  EXPECT_THAT(FakeUpstream::Start(same_port), StatusIs(absl::StatusCode::kUnavailable));
}

// anthropic-wire.md §8 item 2, §3.2.
TEST(FakeUpstreamTest, UnknownCredentialGets401) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  auto r = client->Request("POST", "/v1/messages", ApiKeyHeaders("sk-ant-api03-nope"),
                           MessageBody(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(ErrorType(r->body), "authentication_error");
  EXPECT_EQ(ErrorMessage(r->body), "invalid x-api-key");
  EXPECT_EQ(Json(r->body).at("request_id").as_string(), r->Header("request-id").value_or("?"));

  r = client->Request("POST", "/v1/messages", OAuthHeaders("sk-ant-oat01-nope"),
                      MessageBody(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(ErrorMessage(r->body), "Invalid bearer token");

  r = client->Request("POST", "/v1/messages", {{"anthropic-version", "2023-06-01"}},
                      MessageBody(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(ErrorMessage(r->body), "x-api-key header is required");

  // An OAuth token is not an API key.
  r = client->Request("POST", "/v1/messages", ApiKeyHeaders(kOAuthToken), MessageBody(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(ErrorMessage(r->body), "invalid x-api-key");
}

// anthropic-wire.md §1.2.
TEST(FakeUpstreamTest, OAuthWithoutBetaGets401) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  ClientHeaders headers = {{"anthropic-version", "2023-06-01"},
                           {"authorization", std::string("Bearer ") + kOAuthToken},
                           {"anthropic-beta", "claude-code-20250219"}};
  auto r = client->Request("POST", "/v1/messages", headers, MessageBody(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(ErrorType(r->body), "authentication_error");
  EXPECT_EQ(ErrorMessage(r->body), "OAuth authentication is currently not supported.");
  // The beta flag may come in its own header line.
  headers.emplace_back("anthropic-beta", "oauth-2025-04-20");
  r = client->Request("POST", "/v1/messages", headers, MessageBody(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
}

TEST(FakeUpstreamTest, ApiKeyAlsoWorksAsBearer) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  auto r = client->Request(
      "POST", "/v1/messages",
      {{"anthropic-version", "2023-06-01"}, {"authorization", std::string("Bearer ") + kApiKey}},
      MessageBody(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("anthropic-ratelimit-requests-remaining"), "999");
}

TEST(FakeUpstreamTest, MissingAnthropicVersionGets400) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  auto r = client->Request("POST", "/v1/messages", {{"x-api-key", kApiKey}}, MessageBody(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(ErrorType(r->body), "invalid_request_error");
  EXPECT_THAT(ErrorMessage(r->body), HasSubstr("anthropic-version"));
}

TEST(FakeUpstreamTest, MalformedJsonGets400) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  auto r = client->Request("POST", "/v1/messages", ApiKeyHeaders(), "{\"model\": ");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(ErrorType(r->body), "invalid_request_error");
  r = client->Request("POST", "/v1/messages", ApiKeyHeaders(), R"({"model":"m","messages":[]})");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(ErrorMessage(r->body), "max_tokens: Field required");
}

// anthropic-wire.md §1.3 / §3.2: Cloudflare's 413 before the API.
TEST(FakeUpstreamTest, BodyOver32MiBGets413) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  ASSERT_THAT(client->SendRaw(
                  "POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + std::string(kApiKey) +
                  "\r\ncontent-type: application/json\r\ncontent-length: " +
                  std::to_string(32 * 1024 * 1024 + 1) + "\r\n\r\n{"),
              IsOk());
  auto r = client->ReadHeaders();
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 413);
  std::string body;
  ASSERT_THAT(client->ReadBodyInto(body), IsOk());
  EXPECT_EQ(ErrorType(body), "request_too_large");
  EXPECT_EQ(r->Header("connection"), "close");
}

// Bodies above Beast's default 1 MiB request limit are fine (the limit is 32 MiB).
TEST(FakeUpstreamTest, LargeBodiesAreAccepted) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  const std::string body = MessageBody(false, "claude-sonnet-4-5", std::string(3 << 20, 'a'));
  auto r = client->Request("POST", "/v1/messages", ApiKeyHeaders(), body);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Json(r->body).at("usage").at("input_tokens").as_int64(), ((3 << 20) + 4 + 3) / 4);
}

TEST(FakeUpstreamTest, QuotaAdvancesPerRequest) {
  auto fake = StartFake();
  FakeAccountSpec spec = OAuthAccount();
  spec.utilization_5h = 0.25;
  spec.increment_5h = 0.05;
  spec.increment_7d = 0.01;
  ASSERT_THAT(fake->AddAccount(spec), IsOk());
  auto client = ConnectTo(*fake);
  std::vector<std::string> five_hour, seven_day;
  for (int i = 0; i < 3; ++i) {
    auto r = client->Request("POST", "/v1/messages", OAuthHeaders(), MessageBody(i % 2 == 1));
    ASSERT_THAT(r, IsOk());
    ASSERT_EQ(r->status, 200);
    five_hour.push_back(r->Header("anthropic-ratelimit-unified-5h-utilization").value_or(""));
    seven_day.push_back(r->Header("anthropic-ratelimit-unified-7d-utilization").value_or(""));
  }
  EXPECT_EQ(five_hour, (std::vector<std::string>{"0.3", "0.35", "0.4"}));
  EXPECT_EQ(seven_day, (std::vector<std::string>{"0.01", "0.02", "0.03"}));
}

// An account that runs out answers quota 429s on its own.
TEST(FakeUpstreamTest, ExhaustedAccountAnswersQuota429UntilTheReset) {
  FakeClock clock;
  FakeOptions options;
  options.clock = &clock;
  auto fake = StartFake(options);
  FakeAccountSpec spec = OAuthAccount();
  spec.utilization_5h = 0.98;
  spec.increment_5h = 0.01;
  spec.reset_5h = clock.Now() + absl::Seconds(600);
  ASSERT_THAT(fake->AddAccount(spec), IsOk());
  auto client = ConnectTo(*fake);
  std::vector<int> statuses;
  for (int i = 0; i < 3; ++i) {
    auto r = client->Request("POST", "/v1/messages", OAuthHeaders(), MessageBody(false));
    ASSERT_THAT(r, IsOk());
    statuses.push_back(r->status);
    if (r->status == 429) {
      EXPECT_EQ(r->Header("retry-after"), "600");
      EXPECT_EQ(r->Header("anthropic-ratelimit-unified-status"), "rejected");
    }
  }
  EXPECT_EQ(statuses, (std::vector<int>{200, 200, 429}));
  clock.Advance(absl::Seconds(601));
  auto r = client->Request("POST", "/v1/messages", OAuthHeaders(), MessageBody(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("anthropic-ratelimit-unified-5h-utilization"), "0.01");
  EXPECT_EQ(r->Header("anthropic-ratelimit-unified-5h-reset"),
            std::to_string(absl::ToUnixSeconds(clock.Now()) - 1 + 5 * 3600));
}

TEST(FakeUpstreamTest, RecordsRequestsWithTheHeadersSent) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  ClientHeaders headers = OAuthHeaders();
  headers.emplace_back("X-Claude-Code-Session-Id", "5f2c0d3e-0000-4000-8000-000000000001");
  headers.emplace_back("x-stainless-retry-count", "0");
  const std::string body = MessageBody(true);
  ASSERT_THAT(client->Request("POST", "/v1/messages?beta=true", headers, body), IsOk());
  ASSERT_THAT(client->Request("GET", "/_fake/stats"), IsOk());  // not recorded
  const std::vector<RecordedRequest> requests = fake->Requests();
  ASSERT_EQ(requests.size(), 1u);
  const RecordedRequest& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/v1/messages?beta=true");
  EXPECT_EQ(r.body, body);
  EXPECT_EQ(r.credential, kOAuthToken);
  EXPECT_EQ(r.behaviour, "ok");
  for (const auto& [name, value] : headers) EXPECT_THAT(r.headers, Contains(Pair(name, value)));
  EXPECT_EQ(r.Header("x-claude-code-session-id"), "5f2c0d3e-0000-4000-8000-000000000001");
  fake->ClearRequests();
  EXPECT_TRUE(fake->Requests().empty());
}

TEST(FakeUpstreamTest, StatsCountRequestsStreamsAndTokens) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  ASSERT_THAT(client->Request("POST", "/v1/messages", OAuthHeaders(), MessageBody(true)), IsOk());
  auto json = client->Request("POST", "/v1/messages", OAuthHeaders(), MessageBody(false));
  ASSERT_THAT(json, IsOk());
  const boost::json::value usage = Json(json->body).at("usage");
  const auto stats = fake->Stats();
  const CredentialStats& s = stats.at(kOAuthToken);
  EXPECT_EQ(s.requests, 2);
  EXPECT_EQ(s.streams_completed, 1);
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_EQ(s.input_tokens, 2 * usage.at("input_tokens").as_int64());
  EXPECT_EQ(s.output_tokens, 2 * usage.at("output_tokens").as_int64());
  EXPECT_EQ(s.tokens_served(), s.input_tokens + s.output_tokens);
  EXPECT_EQ(stats.at(kApiKey).requests, 0);
}

// anthropic-wire.md §1.5.
TEST(FakeUpstreamTest, CountTokensMatchesMessageStartUsage) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  const std::string conversation =
      R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"count these words please"}]})";
  auto count =
      client->Request("POST", "/v1/messages/count_tokens?beta=true", OAuthHeaders(), conversation);
  ASSERT_THAT(count, IsOk());
  EXPECT_EQ(count->status, 200);
  const int64_t counted = Json(count->body).at("input_tokens").as_int64();
  EXPECT_EQ(count->body, "{\"input_tokens\":" + std::to_string(counted) + "}");
  auto stream = client->Request("POST", "/v1/messages", OAuthHeaders(),
                                MessageBody(true, "claude-sonnet-4-5", "count these words please"));
  ASSERT_THAT(stream, IsOk());
  CheckMessageStream(stream->body, 4);
  const boost::json::value start = Json(ParseSse(stream->body).events[0].data);
  EXPECT_EQ(start.at("message").at("usage").at("input_tokens").as_int64(), counted);
}

TEST(FakeUpstreamTest, ListsModels) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  auto r = client->Request("GET", "/v1/models?limit=3", ApiKeyHeaders());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  const boost::json::value page = Json(r->body);
  EXPECT_EQ(page.at("data").as_array().size(), 3u);
  EXPECT_TRUE(page.at("has_more").as_bool());
  auto one = client->Request("GET", "/v1/models/claude-opus-4-8", ApiKeyHeaders());
  ASSERT_THAT(one, IsOk());
  EXPECT_EQ(Json(one->body).at("id").as_string(), "claude-opus-4-8");
  auto missing = client->Request("GET", "/v1/models/gpt-9", ApiKeyHeaders());
  ASSERT_THAT(missing, IsOk());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(ErrorType(missing->body), "not_found_error");
  auto anonymous = client->Request("GET", "/v1/models", {{"anthropic-version", "2023-06-01"}});
  ASSERT_THAT(anonymous, IsOk());
  EXPECT_EQ(anonymous->status, 401);
}

TEST(FakeUpstreamTest, UnknownPathsAndMethods) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  auto r = client->Request("GET", "/v1/complete", ApiKeyHeaders());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(ErrorType(r->body), "not_found_error");
  r = client->Request("GET", "/v1/messages", ApiKeyHeaders());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 405);
}

// The token endpoint itself is covered by oauth_*_test.cc; its OAuth-style errors echo the body.
TEST(FakeUpstreamTest, OAuthTokenEndpointErrorsEchoTheRequest) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  auto r = client->Request("POST", "/v1/oauth/token", {{"content-type", "application/json"}},
                           R"({"grant_type":"refresh_token"})");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 400);
  const boost::json::value body = Json(r->body);
  EXPECT_EQ(body.at("error").as_string(), "invalid_request");
  EXPECT_EQ(body.at("echo").as_string(), R"({"grant_type":"refresh_token"})");
}

TEST(FakeUpstreamTest, FixedResponsesOptionNeedsNoAccount) {
  FakeOptions options;
  options.fixed_responses = true;
  auto fake = StartFake(options);
  auto client = ConnectTo(*fake);
  for (int i = 0; i < 3; ++i) {
    auto r = client->Request("POST", "/v1/messages", {}, MessageBody(i == 1));
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->Header("request-id").has_value());
    if (i == 1) {
      CheckMessageStream(r->body, 2);
    } else {
      EXPECT_EQ(Json(r->body).at("type").as_string(), "message");
    }
  }
  EXPECT_TRUE(fake->Requests().empty());
}

TEST(FakeUpstreamTest, AcceptUnknownCredentialsCreatesAccounts) {
  FakeOptions options;
  options.accept_unknown_credentials = true;
  auto fake = StartFake(options);
  auto client = ConnectTo(*fake);
  auto r = client->Request("POST", "/v1/messages", OAuthHeaders(kOAuthTokenB), MessageBody(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->Header("anthropic-ratelimit-unified-status").has_value());
  r = client->Request("POST", "/v1/messages", ApiKeyHeaders("sk-ant-api03-new"),
                      MessageBody(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(r->Header("anthropic-ratelimit-tokens-limit").has_value());
  EXPECT_EQ(fake->Stats().size(), 2u);
}

// Many concurrent streams on several threads: no crossed wires, counters add up.
TEST(FakeUpstreamTest, ServesConcurrentStreams) {
  FakeOptions options;
  options.threads = 2;
  options.event_delay = std::chrono::milliseconds(2);
  auto fake = FakeWithAccounts(options);
  constexpr int kClients = 16;
  constexpr int kRequests = 4;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto client = ConnectTo(*fake);
      for (int i = 0; i < kRequests; ++i) {
        const std::string text = "client " + std::to_string(c) + " request " + std::to_string(i);
        auto r =
            client->Request("POST", "/v1/messages", c % 2 == 0 ? OAuthHeaders() : ApiKeyHeaders(),
                            MessageBody(true, "claude-sonnet-4-5", text));
        if (r.ok() && r->status == 200) {
          CheckMessageStream(r->body, 4);
          ++ok;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, kClients * kRequests);
  const auto stats = fake->Stats();
  EXPECT_EQ(stats.at(kOAuthToken).streams_completed + stats.at(kApiKey).streams_completed,
            kClients * kRequests);
  EXPECT_EQ(stats.at(kOAuthToken).in_flight + stats.at(kApiKey).in_flight, 0);
}

TEST(FakeUpstreamTest, StopClosesIdleKeepAliveConnections) {
  auto fake = FakeWithAccounts();
  auto client = ConnectTo(*fake);
  ASSERT_THAT(client->Request("POST", "/v1/messages", ApiKeyHeaders(), MessageBody(false)), IsOk());
  const auto start = std::chrono::steady_clock::now();
  fake->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_THAT(client->WaitForClose(), IsOk());
}

}  // namespace
}  // namespace maxpool::fake
