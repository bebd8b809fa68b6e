// Relaying answers and rewriting headers through the real proxy, against the fake upstream
// (spec §4.8, §6.3, §7.5, §14 items 32, 37, 38, 45, 48, §15 scenarios 27, 28, 47, 48, 50;
// anthropic-wire.md §1, §2).
//
// Several tests compare what the client got through the proxy with what the fake sends for the
// same request sent to it directly. The fake's answers are deterministic except for the random
// part of message and request ids (msg_…, req_…), which MaskIds() blanks on both sides.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "boost/json/parse.hpp"
#include "fake/behaviour.h"
#include "fake/fake_account.h"
#include "fake/fake_state.h"
#include "fake/test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/proxy_harness.h"
#include "support/status_matchers.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::ProxyHarness;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Optional;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using namespace std::chrono_literals;

constexpr std::string_view kOAuthBeta = "oauth-2025-04-20";

// Blanks the random part of every msg_… and req_… id.
std::string MaskIds(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  size_t i = 0;
  while (i < body.size()) {
    const std::string_view rest = body.substr(i);
    if (rest.starts_with("msg_") || rest.starts_with("req_")) {
      out.append(rest.substr(0, 4));
      out += '*';
      i += 4;
      while (i < body.size() && absl::ascii_isalnum(static_cast<unsigned char>(body[i]))) ++i;
    } else {
      out += body[i++];
    }
  }
  return out;
}

// A messages body whose answer is not cut short by max_tokens.
std::string StreamBody(const std::string& text) {
  return absl::StrCat(R"({"model":"claude-sonnet-4-5","max_tokens":64000,"stream":true,)",
                      R"("messages":[{"role":"user","content":")", text, R"("}]})");
}

// The headers a client of the real API sends for `credential`.
fake::ClientHeaders DirectHeaders(fake::AccountType type, const std::string& credential) {
  fake::ClientHeaders headers = ProxyHarness::JsonHeaders();
  if (type == fake::AccountType::kOAuth) {
    headers.emplace_back("authorization", "Bearer " + credential);
    headers.emplace_back("anthropic-beta", std::string(kOAuthBeta));
  } else {
    headers.emplace_back("x-api-key", credential);
  }
  return headers;
}

// One request on a fresh connection to `port`; the whole response.
fake::HttpResponse Call(uint16_t port, std::string_view method, std::string_view target,
                        const fake::ClientHeaders& headers, std::string_view body) {
  fake::ClientOptions options;
  options.port = port;
  options.timeout = 5s;
  auto client = fake::BlockingHttpClient::Connect(options);
  EXPECT_THAT(client, IsOk());
  if (!client.ok()) return {};
  auto response = (*client)->Request(method, target, headers, body);
  EXPECT_THAT(response, IsOk());
  return response.ok() ? *response : fake::HttpResponse{};
}

std::vector<std::string> ValuesOf(const fake::ClientHeaders& headers, const std::string& name) {
  std::vector<std::string> values;
  for (const auto& [n, v] : headers) {
    if (absl::EqualsIgnoreCase(n, name)) values.push_back(v);
  }
  return values;
}

// Every flag of every anthropic-beta header line.
std::vector<std::string> BetaFlags(const fake::ClientHeaders& headers) {
  std::vector<std::string> flags;
  for (const std::string& value : ValuesOf(headers, "anthropic-beta")) {
    for (absl::string_view flag : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      flags.emplace_back(absl::StripAsciiWhitespace(flag));
    }
  }
  return flags;
}

// The single recorded upstream request, or a failed assertion.
fake::RecordedRequest OnlyRequest(ProxyHarness& h) {
  std::vector<fake::RecordedRequest> requests = h.upstream().Requests();
  EXPECT_EQ(requests.size(), 1u);
  return requests.empty() ? fake::RecordedRequest{} : requests.front();
}

std::optional<core::Account> AccountNamed(ProxyHarness& h, std::string_view name) {
  for (core::Account& account : h.pool().Snapshot()) {
    if (account.settings.name == name) return account;
  }
  return std::nullopt;
}

// The JSON of the stream's last event, which must be an `error` event.
boost::json::object LastErrorEvent(std::string_view body) {
  const fake::SseParse parse = fake::ParseSse(body);
  EXPECT_THAT(parse.residual, IsEmpty());
  if (parse.events.empty()) return {};
  const fake::SseEvent& last = parse.events.back();
  EXPECT_EQ(last.event, "error");
  boost::system::error_code ec;
  boost::json::value json = boost::json::parse(last.data, ec);
  EXPECT_FALSE(ec) << last.data;
  return !ec && json.is_object() ? json.as_object() : boost::json::object{};
}

std::string ErrorTypeOf(const boost::json::object& event) {
  const auto* error = event.if_contains("error");
  if (error == nullptr || !error->is_object()) return "";
  const auto* type = error->as_object().if_contains("type");
  return type != nullptr && type->is_string() ? std::string(type->as_string()) : "";
}

std::string ErrorMessageOf(const boost::json::object& event) {
  const auto* error = event.if_contains("error");
  if (error == nullptr || !error->is_object()) return "";
  const auto* message = error->as_object().if_contains("message");
  return message != nullptr && message->is_string() ? std::string(message->as_string()) : "";
}

fake::FakeAccountSpec Scripted(std::vector<fake::Behaviour> script) {
  fake::FakeAccountSpec spec;
  spec.script = std::move(script);
  return spec;
}

// The account was cooled down for the 5 s network cooldown just now (§4.7, §15 scenario 27).
void ExpectNetworkCooldown(ProxyHarness& h, std::string_view name) {
  std::optional<core::Account> account = AccountNamed(h, name);
  ASSERT_TRUE(account.has_value()) << name;
  ASSERT_TRUE(account->state.cooldown_until.has_value()) << name;
  const absl::Duration left = *account->state.cooldown_until - absl::Now();
  EXPECT_GT(left, absl::Seconds(3)) << name;
  EXPECT_LE(left, absl::Seconds(5)) << name;
  EXPECT_THAT(account->state.last_error, Not(IsEmpty()));
}

// --- Streaming relay (§4.8) ------------------------------------------------------------------

void ExpectStreamRelayedByteForByte(ProxyHarness::Options options, int64_t text_bytes, int events) {
  ProxyHarness h(std::move(options));
  fake::FakeAccountSpec spec;
  spec.default_behaviour.text_bytes = text_bytes;
  spec.default_behaviour.events = events;
  const std::string credential = h.AddAccount("A", spec);
  h.Start();
  const std::string body = StreamBody("relay me byte for byte");

  const fake::HttpResponse proxied = h.Post(/*stream=*/true, {}, body);
  const fake::HttpResponse direct =
      Call(h.upstream().port(), "POST", "/v1/messages",
           DirectHeaders(fake::AccountType::kOAuth, credential), body);

  ASSERT_EQ(proxied.status, 200);
  ASSERT_EQ(direct.status, 200);
  EXPECT_EQ(proxied.Header("content-type"), direct.Header("content-type"));
  EXPECT_THAT(proxied.body, HasSubstr("event: message_stop"));
  EXPECT_GE(proxied.body.size(), static_cast<size_t>(text_bytes));
  // Only the random part of the ids differs, and the ids have a fixed length.
  EXPECT_EQ(proxied.body.size(), direct.body.size());
  EXPECT_TRUE(MaskIds(proxied.body) == MaskIds(direct.body))
      << "the relayed stream differs from the upstream's";
}

// §4.8: chunks are forwarded as they arrive, unchanged.
TEST(RelayTest, StreamReachesTheClientByteForByte) {
  ExpectStreamRelayedByteForByte(ProxyHarness::DefaultOptions(), /*text_bytes=*/100000,
                                 /*events=*/40);
}

// §4.8: the relay buffer size (here far smaller than one event) changes nothing the client sees.
TEST(RelayTest, StreamRelayedInPiecesSmallerThanAnEventIsUnchanged) {
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.proxy.relay_buffer_bytes = 97;
  ExpectStreamRelayedByteForByte(options, /*text_bytes=*/6000, /*events=*/12);
}

// --- Header rewriting toward the upstream and back (§6.3, §4.8; §15 scenarios 47, 48) ----------

class HeaderRewriteTest : public ::testing::TestWithParam<fake::AccountType> {
 protected:
  bool oauth() const { return GetParam() == fake::AccountType::kOAuth; }
};

// §6.3, §15 scenarios 47 and 48, §14 item 48.
TEST_P(HeaderRewriteTest, UpstreamSeesOnlyTheAccountCredentialAndTheClientsOtherHeaders) {
  ProxyHarness h;
  fake::FakeAccountSpec spec;
  spec.type = GetParam();
  const std::string credential = h.AddAccount("A", spec);
  h.Start();
  const std::string client_betas = "claude-code-20250219,interleaved-thinking-2025-05-14";
  const fake::HttpResponse r =
      h.Post(/*stream=*/false, {{"x-maxpool-session", "session-1"},
                                {"x-maxpool-profile", "claude"},
                                {"x-teamclaude-session", "legacy-session"},
                                {"x-api-key", "client-key"},
                                {"authorization", "Bearer client-token"},
                                {"accept-encoding", "gzip, deflate, br"},
                                {"anthropic-beta", client_betas},
                                {"x-app", "cli"},
                                {"user-agent", "claude-cli/2.1.88 (external, cli)"},
                                {"x-claude-code-session-id", "2f1c7d6e-session"}});
  ASSERT_EQ(r.status, 200) << r.body;

  const fake::RecordedRequest seen = OnlyRequest(h);
  EXPECT_EQ(seen.credential, credential);
  for (const auto& [name, value] : seen.headers) {
    const std::string lower = absl::AsciiStrToLower(name);
    EXPECT_FALSE(absl::StartsWith(lower, "x-maxpool-")) << name;
    EXPECT_FALSE(absl::StartsWith(lower, "x-teamclaude-")) << name;
    EXPECT_NE(lower, "accept-encoding");
    EXPECT_THAT(value, Not(HasSubstr("client-token")));
    EXPECT_THAT(value, Not(HasSubstr("client-key")));
  }
  EXPECT_THAT(seen.Header("anthropic-version"), Optional(std::string("2023-06-01")));
  EXPECT_THAT(seen.Header("content-type"), Optional(std::string("application/json")));
  EXPECT_THAT(seen.Header("x-app"), Optional(std::string("cli")));
  EXPECT_THAT(seen.Header("user-agent"),
              Optional(std::string("claude-cli/2.1.88 (external, cli)")));
  EXPECT_THAT(seen.Header("x-claude-code-session-id"), Optional(std::string("2f1c7d6e-session")));
  // The upstream is addressed by its own authority, not the proxy's.
  EXPECT_THAT(ValuesOf(seen.headers, "host"),
              ElementsAre(absl::StrCat("127.0.0.1:", h.upstream().port())));
  if (oauth()) {
    EXPECT_THAT(ValuesOf(seen.headers, "authorization"), ElementsAre("Bearer " + credential));
    EXPECT_THAT(ValuesOf(seen.headers, "x-api-key"), IsEmpty());
    // The client's betas, plus the OAuth flag the bearer token needs (§6.3 RECOMMENDED).
    EXPECT_THAT(BetaFlags(seen.headers),
                UnorderedElementsAre("claude-code-20250219", "interleaved-thinking-2025-05-14",
                                     std::string(kOAuthBeta)));
  } else {
    EXPECT_THAT(ValuesOf(seen.headers, "x-api-key"), ElementsAre(credential));
    EXPECT_THAT(ValuesOf(seen.headers, "authorization"), IsEmpty());
    EXPECT_THAT(ValuesOf(seen.headers, "anthropic-beta"), ElementsAre(client_betas));
  }
}

// §4.8, §14 item 48, §15 scenario 47: every upstream header but the framing ones reaches the
// client, including the rate-limit headers, and the proxy names the account and itself.
TEST_P(HeaderRewriteTest, ClientGetsTheUpstreamHeadersWithoutTheirFraming) {
  ProxyHarness h;
  fake::FakeAccountSpec spec;
  spec.type = GetParam();
  const std::string credential = h.AddAccount("A", spec);
  h.Start();
  const std::string body = ProxyHarness::MessageBody(/*stream=*/false);
  const fake::HttpResponse direct = Call(h.upstream().port(), "POST", "/v1/messages",
                                         DirectHeaders(GetParam(), credential), body);
  ASSERT_EQ(direct.status, 200);
  ASSERT_TRUE(direct.Header("content-length").has_value()) << "the fake frames JSON by length";

  const fake::HttpResponse r =
      h.Post(/*stream=*/false, {{"accept-encoding", "gzip, deflate, br"}}, body);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(MaskIds(r.body), MaskIds(direct.body));
  for (const auto& [name, value] : direct.headers) {
    const std::string lower = absl::AsciiStrToLower(name);
    if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection" ||
        lower == "keep-alive" || lower == "content-encoding") {
      continue;
    }
    EXPECT_TRUE(r.Header(lower).has_value()) << "upstream header " << name << " was not relayed";
  }
  // The proxy frames the body itself (§4.8, §14 item 48): a small JSON answer is sent whole with
  // its own length, which always matches the bytes the client gets; never a content-encoding.
  EXPECT_EQ(r.Header("content-length"), std::to_string(r.body.size()));
  EXPECT_EQ(r.Header("transfer-encoding"), std::nullopt);
  EXPECT_EQ(r.Header("content-encoding"), std::nullopt);
  EXPECT_EQ(r.Header("content-type"), direct.Header("content-type"));
  EXPECT_THAT(r.Header("request-id"), Optional(StartsWith("req_")));
  EXPECT_THAT(r.Header("x-maxpool-account"), Optional(std::string("A")));
  EXPECT_THAT(r.Header("x-maxpool-worker"), Optional(std::to_string(::getpid())));
  if (oauth()) {
    EXPECT_TRUE(r.Header("anthropic-ratelimit-unified-5h-utilization").has_value());
    EXPECT_TRUE(r.Header("anthropic-ratelimit-unified-7d-reset").has_value());
  } else {
    EXPECT_TRUE(r.Header("anthropic-ratelimit-requests-remaining").has_value());
    EXPECT_TRUE(r.Header("anthropic-ratelimit-tokens-reset").has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(AccountTypes, HeaderRewriteTest,
                         ::testing::Values(fake::AccountType::kOAuth, fake::AccountType::kApiKey),
                         [](const ::testing::TestParamInfo<fake::AccountType>& param_info) {
                           return param_info.param == fake::AccountType::kOAuth ? "OAuth"
                                                                                : "ApiKey";
                         });

// §6.3 RECOMMENDED: an API-key-mode client (no betas at all) works with an OAuth account.
TEST(RelayTest, OAuthBetaIsAddedWhenTheClientSentNoBetas) {
  ProxyHarness h;
  h.AddAccount("A");
  h.Start();
  const fake::HttpResponse r = h.Post(/*stream=*/true);
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr("event: message_stop"));
  EXPECT_THAT(ValuesOf(OnlyRequest(h).headers, "anthropic-beta"),
              ElementsAre(std::string(kOAuthBeta)));
}

// §6.3: a subscription client already sends the OAuth flag; it must not be doubled.
TEST(RelayTest, OAuthBetaTheClientSentIsNotRepeated) {
  ProxyHarness h;
  h.AddAccount("A");
  h.Start();
  const fake::HttpResponse r = h.Post(
      /*stream=*/false, {{"anthropic-beta", "claude-code-20250219, oauth-2025-04-20"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(BetaFlags(OnlyRequest(h).headers),
              UnorderedElementsAre("claude-code-20250219", std::string(kOAuthBeta)));
}

// §6.3: betas split over several header lines (a valid HTTP list) are all kept.
TEST(RelayTest, OAuthBetaMergeKeepsEveryClientBetaHeaderLine) {
  ProxyHarness h;
  h.AddAccount("A");
  h.Start();
  const fake::HttpResponse r = h.Post(
      /*stream=*/false,
      {{"anthropic-beta", "claude-code-20250219"}, {"anthropic-beta", "context-1m-2025-08-07"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(BetaFlags(OnlyRequest(h).headers),
              UnorderedElementsAre("claude-code-20250219", "context-1m-2025-08-07",
                                   std::string(kOAuthBeta)));
}

// --- Broken streams (§4.8, §14 items 32 and 45; §15 scenarios 27 and 28) -----------------------

// §15 scenario 28, §14 items 32 and 45: the client keeps the partial data, then gets an error
// event it can act on; the response still ends properly; bytes were sent, so no failover.
TEST(RelayTest, StreamCutMidEventEndsWithAnErrorEventAndNoFailover) {
  ProxyHarness h;
  const fake::Behaviour drop = fake::Behaviour::Of(fake::BehaviourKind::kDropMidStream);
  const std::string a = h.AddAccount("A", Scripted({drop}));
  const std::string b = h.AddAccount("B", Scripted({drop}));
  h.Start();
  const std::string body = StreamBody("cut me off");

  const fake::HttpResponse r = h.Post(/*stream=*/true, {}, body);  // a complete chunked body
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(h.upstream().Requests().size(), 1u) << "failed over after bytes were sent";
  const std::string account = r.Header("x-maxpool-account").value_or("?");
  ASSERT_THAT(account, ::testing::AnyOf("A", "B"));

  // The same request straight to the fake (its script is spent: a full answer) gives the
  // reference the client's partial data must be a prefix of.
  const fake::HttpResponse direct =
      Call(h.upstream().port(), "POST", "/v1/messages",
           DirectHeaders(fake::AccountType::kOAuth, account == "A" ? a : b), body);
  ASSERT_EQ(direct.status, 200);
  const size_t error_at = r.body.rfind("event: error\n");
  ASSERT_NE(error_at, std::string::npos) << r.body;
  std::string partial = r.body.substr(0, error_at);
  // The torn event is closed with a blank line so that the error event parses on its own.
  ASSERT_TRUE(absl::EndsWith(partial, "\n\n")) << partial;
  partial.resize(partial.size() - 2);
  EXPECT_THAT(partial, HasSubstr("event: message_start"));
  EXPECT_FALSE(absl::EndsWith(partial, "\n\n")) << "the fake cuts inside an event";
  EXPECT_THAT(MaskIds(direct.body), StartsWith(MaskIds(partial)));
  EXPECT_LT(partial.size(), direct.body.size());
  EXPECT_THAT(r.body, Not(HasSubstr("message_stop")));

  const boost::json::object error = LastErrorEvent(r.body.substr(error_at));
  const auto* type = error.if_contains("type");
  EXPECT_TRUE(type != nullptr && type->is_string() && type->as_string() == "error");
  EXPECT_EQ(ErrorTypeOf(error), "api_error");
  EXPECT_THAT(ErrorMessageOf(error), HasSubstr("retry"));

  ExpectNetworkCooldown(h, account);
  EXPECT_TRUE(Eventually([&] { return AccountNamed(h, account)->state.in_flight == 0; }));
}

// §15 scenario 27: headers and some events, then silence; the per-chunk idle timeout ends the
// stream with an error event, the account cools down, and nothing is retried.
TEST(RelayTest, StalledStreamEndsWithAnErrorEventAfterTheIdleTimeout) {
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.proxy.stream_idle = 500ms;
  ProxyHarness h(options);
  fake::Behaviour stall = fake::Behaviour::Of(fake::BehaviourKind::kStall);
  stall.after_events = 3;
  const std::string a = h.AddAccount("A", Scripted({stall}));
  const std::string b = h.AddAccount("B", Scripted({stall}));
  h.Start();
  const std::string body = StreamBody("stall after three events");

  const auto started = std::chrono::steady_clock::now();
  const fake::HttpResponse r = h.Post(/*stream=*/true, {}, body);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(r.status, 200);
  EXPECT_GE(elapsed, 450ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_EQ(h.upstream().Requests().size(), 1u) << "failed over after bytes were sent";
  const std::string account = r.Header("x-maxpool-account").value_or("?");
  ASSERT_THAT(account, ::testing::AnyOf("A", "B"));

  const fake::HttpResponse direct =
      Call(h.upstream().port(), "POST", "/v1/messages",
           DirectHeaders(fake::AccountType::kOAuth, account == "A" ? a : b), body);
  const size_t error_at = r.body.rfind("event: error\n");
  ASSERT_NE(error_at, std::string::npos) << r.body;
  const std::string relayed = r.body.substr(0, error_at);  // three whole events
  EXPECT_EQ(fake::ParseSse(relayed).events.size(), 3u);
  EXPECT_THAT(MaskIds(direct.body), StartsWith(MaskIds(relayed)));
  const boost::json::object error = LastErrorEvent(r.body.substr(error_at));
  EXPECT_EQ(ErrorTypeOf(error), "api_error");
  EXPECT_THAT(r.body, Not(HasSubstr("message_stop")));

  ExpectNetworkCooldown(h, account);
}

// anthropic-wire.md §2.4: an error the upstream reports inside its stream is the upstream's
// answer; it reaches the client unchanged and the proxy adds nothing of its own.
TEST(RelayTest, UpstreamErrorEventIsRelayedAsIs) {
  ProxyHarness h;
  const fake::Behaviour stream_error = fake::Behaviour::Of(fake::BehaviourKind::kStreamError);
  const std::string a = h.AddAccount("A", Scripted({stream_error, stream_error}));
  h.Start();
  const std::string body = StreamBody("overload me");

  const fake::HttpResponse r = h.Post(/*stream=*/true, {}, body);
  EXPECT_EQ(h.upstream().Requests().size(), 1u);
  const fake::HttpResponse direct = Call(h.upstream().port(), "POST", "/v1/messages",
                                         DirectHeaders(fake::AccountType::kOAuth, a), body);

  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(MaskIds(r.body), MaskIds(direct.body));
  const fake::SseParse parse = fake::ParseSse(r.body);
  EXPECT_EQ(std::count_if(parse.events.begin(), parse.events.end(),
                          [](const fake::SseEvent& e) { return e.event == "error"; }),
            1);
  EXPECT_EQ(ErrorTypeOf(LastErrorEvent(r.body)), "overloaded_error");
  EXPECT_THAT(r.body, Not(HasSubstr("message_stop")));
}

// --- Other endpoints (anthropic-wire.md §1.1, §1.5, §1.6; spec §7.5, §15 scenario 50) ---------

// anthropic-wire.md §1.1: Claude Code's beta forms (?beta=true) and the side endpoints pass
// through with their query strings and the account's credential.
TEST(RelayTest, CountTokensModelsAndBetaQueriesAreForwarded) {
  ProxyHarness h;
  const std::string credential = h.AddAccount("A");
  h.Start();
  auto client = h.Client();
  ASSERT_NE(client, nullptr);
  const std::string count_body =
      R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"count me"}]})";
  fake::ClientHeaders count_headers = ProxyHarness::JsonHeaders();
  count_headers.emplace_back("anthropic-beta", "token-counting-2024-11-01");

  auto count =
      client->Request("POST", "/v1/messages/count_tokens?beta=true", count_headers, count_body);
  ASSERT_THAT(count, IsOk());
  auto models =
      client->Request("GET", "/v1/models?beta=true&limit=2", {{"anthropic-version", "2023-06-01"}});
  ASSERT_THAT(models, IsOk());
  auto stream = client->Request("POST", "/v1/messages?beta=true", ProxyHarness::JsonHeaders(),
                                ProxyHarness::MessageBody(/*stream=*/true));
  ASSERT_THAT(stream, IsOk());

  EXPECT_EQ(count->status, 200) << count->body;
  const fake::HttpResponse direct_count =
      Call(h.upstream().port(), "POST", "/v1/messages/count_tokens",
           DirectHeaders(fake::AccountType::kOAuth, credential), count_body);
  EXPECT_THAT(count->body, StartsWith(R"({"input_tokens":)"));
  EXPECT_EQ(count->body, direct_count.body);
  EXPECT_EQ(models->status, 200) << models->body;
  EXPECT_THAT(models->body, HasSubstr(R"("data":[)"));
  EXPECT_THAT(models->body, HasSubstr(R"("has_more":true)"));
  EXPECT_EQ(stream->status, 200);
  EXPECT_THAT(stream->body, HasSubstr("event: message_stop"));

  std::vector<fake::RecordedRequest> seen = h.upstream().Requests();
  ASSERT_EQ(seen.size(), 4u);  // three proxied, then the direct count
  EXPECT_EQ(seen[0].target, "/v1/messages/count_tokens?beta=true");
  EXPECT_EQ(seen[1].method, "GET");
  EXPECT_EQ(seen[1].target, "/v1/models?beta=true&limit=2");
  EXPECT_EQ(seen[2].target, "/v1/messages?beta=true");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(seen[i].credential, credential) << seen[i].target;
  }
  EXPECT_THAT(BetaFlags(seen[0].headers),
              UnorderedElementsAre("token-counting-2024-11-01", std::string(kOAuthBeta)));
  EXPECT_EQ(seen[0].body, count_body);
}

// §7.5, §15 scenario 50: the client's own token refresh goes to the default upstream with only
// content-type, accept and user-agent, never with a pooled credential, and the answer comes
// back unchanged.
TEST(RelayTest, ClientTokenRefreshIsRelayedWithoutAnyPoolCredential) {
  ProxyHarness h;
  const std::string pooled = h.AddAccount("A");
  h.proxy_options().default_upstream = h.upstream().base_url();
  h.Start();
  const std::string refresh =
      R"({"grant_type":"refresh_token","refresh_token":"sk-ant-ort01-client-own",)"
      R"("client_id":"9d1c250a-e61b-44d9-88ed-5944d1962f5e"})";
  auto client = h.Client();
  ASSERT_NE(client, nullptr);
  auto r = client->Request("POST", "/v1/oauth/token",
                           {{"content-type", "application/json"},
                            {"accept", "application/json, text/plain, */*"},
                            {"user-agent", "claude-cli/2.1.88 (external, cli)"},
                            {"authorization", "Bearer client-token"},
                            {"x-api-key", "client-key"},
                            {"anthropic-beta", std::string(kOAuthBeta)},
                            {"x-maxpool-session", "session-1"}},
                           refresh);
  ASSERT_THAT(r, IsOk());
  const fake::HttpResponse direct = Call(h.upstream().port(), "POST", "/v1/oauth/token",
                                         {{"content-type", "application/json"}}, refresh);

  EXPECT_EQ(r->status, direct.status);
  EXPECT_EQ(r->body, direct.body);  // the fake's answer echoes the body it got
  EXPECT_THAT(r->body, HasSubstr("sk-ant-ort01-client-own"));
  EXPECT_THAT(r->Header("request-id"), Optional(StartsWith("req_")));

  std::vector<fake::RecordedRequest> seen = h.upstream().Requests();
  ASSERT_EQ(seen.size(), 2u);
  const fake::RecordedRequest& relayed = seen[0];
  EXPECT_EQ(relayed.method, "POST");
  EXPECT_EQ(relayed.target, "/v1/oauth/token");
  EXPECT_EQ(relayed.body, refresh);
  EXPECT_THAT(relayed.Header("content-type"), Optional(std::string("application/json")));
  EXPECT_THAT(relayed.Header("accept"), Optional(std::string("application/json, text/plain, */*")));
  EXPECT_THAT(relayed.Header("user-agent"),
              Optional(std::string("claude-cli/2.1.88 (external, cli)")));
  EXPECT_EQ(relayed.Header("authorization"), std::nullopt);
  EXPECT_EQ(relayed.Header("x-api-key"), std::nullopt);
  EXPECT_EQ(relayed.Header("anthropic-beta"), std::nullopt);
  for (const auto& [name, value] : relayed.headers) {
    EXPECT_FALSE(absl::StartsWithIgnoreCase(name, "x-maxpool-")) << name;
    EXPECT_THAT(value, Not(HasSubstr(pooled)));
  }
}

// --- Load and connection reuse ----------------------------------------------------------------

// §4.8, §14 item 32: many concurrent streams over several accounts; every client gets its whole
// stream, the fake finished each exactly once, and the pool's in-flight counts return to zero.
TEST(RelayTest, TwoHundredConcurrentStreamsAllCompleteAcrossFourAccounts) {
  constexpr int kStreams = 200;
  ProxyHarness::Options harness_options = ProxyHarness::DefaultOptions();
  // Room for every stream at once: with the default global cap (150) the overflow is held, and
  // while anything is held newcomers are turned away by design (§5.5, §13 item 17).
  harness_options.pool.scheduler.safety_max_global_active = kStreams;
  ProxyHarness h(harness_options);
  fake::FakeAccountSpec spec;
  spec.increment_5h = 0.0001;  // no account reaches its session bench (§2.3) during the test
  for (const char* name : {"A", "B", "C", "D"}) h.AddAccount(name, spec);
  h.Start();

  std::vector<std::string> failures(kStreams);
  std::atomic<int> complete{0};
  std::vector<std::thread> threads;
  threads.reserve(kStreams);
  for (int i = 0; i < kStreams; ++i) {
    threads.emplace_back([&h, &failures, &complete, i] {
      fake::ClientOptions options;
      options.port = h.port();
      options.timeout = 10s;
      auto client = fake::BlockingHttpClient::Connect(options);
      if (!client.ok()) {
        failures[i] = client.status().ToString();
        return;
      }
      auto r = (*client)->Request(
          "POST", "/v1/messages", ProxyHarness::JsonHeaders(),
          ProxyHarness::MessageBody(/*stream=*/true, absl::StrCat("stream ", i)));
      if (!r.ok()) {
        failures[i] = r.status().ToString();
        return;
      }
      const fake::SseParse parse = fake::ParseSse(r->body);
      if (r->status != 200 || parse.events.empty() || parse.events.back().event != "message_stop" ||
          !parse.residual.empty()) {
        failures[i] = absl::StrCat("status ", r->status, ": ", r->body);
        return;
      }
      ++complete;
    });
  }
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(complete.load(), kStreams);
  for (int i = 0; i < kStreams; ++i) EXPECT_THAT(failures[i], IsEmpty()) << "stream " << i;
  auto completed_upstream = [&] {
    int64_t sum = 0;
    for (const auto& [credential, stats] : h.upstream().Stats()) sum += stats.streams_completed;
    return sum;
  };
  EXPECT_TRUE(Eventually([&] { return completed_upstream() == kStreams; })) << completed_upstream();
  EXPECT_EQ(h.upstream().Requests().size(), static_cast<size_t>(kStreams));
  EXPECT_TRUE(Eventually([&] {
    for (const core::Account& account : h.pool().Snapshot()) {
      if (account.state.in_flight != 0) return false;
    }
    return true;
  }));
  EXPECT_EQ(h.pool().waiting(), 0);
}

// A client connection serves request after request (HTTP/1.1 keep-alive), streamed or not.
TEST(RelayTest, TwoRequestsShareOneClientConnection) {
  ProxyHarness h;
  h.AddAccount("A");
  h.Start();
  auto client = h.Client();
  ASSERT_NE(client, nullptr);
  auto first = client->Request("POST", "/v1/messages", ProxyHarness::JsonHeaders(),
                               ProxyHarness::MessageBody(/*stream=*/true));
  ASSERT_THAT(first, IsOk());
  auto second = client->Request("POST", "/v1/messages", ProxyHarness::JsonHeaders(),
                                ProxyHarness::MessageBody(/*stream=*/false));
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(first->status, 200);
  EXPECT_NE(first->Header("connection"), std::optional<std::string>("close"));
  EXPECT_THAT(first->body, HasSubstr("event: message_stop"));
  EXPECT_EQ(second->status, 200);
  EXPECT_THAT(second->body, HasSubstr(R"("type":"message")"));
  EXPECT_EQ(h.upstream().Requests().size(), 2u);
}

}  // namespace
}  // namespace maxpool
