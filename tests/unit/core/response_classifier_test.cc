#include "core/response_classifier.h"

#include <gtest/gtest.h>

#include <string>

#include "support/fake_clock.h"

namespace maxpool::core {
namespace {

const absl::Time kNow = testing::FakeClock::DefaultStart();

UpstreamContext OAuth(ModelFamily family = ModelFamily::kNone,
                      std::string_view model = "claude-opus-4-1") {
  return UpstreamContext{
      .type = AccountType::kOAuth, .request_family = family, .request_model = model};
}
UpstreamContext ApiKey() { return UpstreamContext{.type = AccountType::kApiKey}; }
UpstreamContext ProviderAccount(Provider provider) {
  return UpstreamContext{.type = AccountType::kProvider, .provider = provider};
}

std::string AnthropicError(std::string_view type, std::string_view message) {
  return std::string(R"({"type":"error","error":{"type":")") + std::string(type) +
         R"(","message":")" + std::string(message) + R"("},"request_id":"req_011CAbc"})";
}

ResponseVerdict Classify(int status, const FlatHeaders& headers, std::string_view body,
                         const UpstreamContext& context) {
  return ClassifyResponse(status, headers, body, context, kNow);
}

TEST(ClassifyResponseTest, SuccessAndRelayedStatusesAreNotFailures) {
  for (int status : {200, 201, 204, 304, 501, 505}) {
    const ResponseVerdict v = Classify(status, {}, "", OAuth());
    EXPECT_EQ(v.failure, FailureClass::kNone) << status;
    EXPECT_EQ(v.scope, ThrottleScope::kNone) << status;
    EXPECT_FALSE(v.neutral) << status;
  }
  // §14 item 19: a 200 at 100 % weekly with allowed_warning is a success.
  EXPECT_EQ(Classify(200,
                     {{"anthropic-ratelimit-unified-status", "allowed_warning"},
                      {"anthropic-ratelimit-unified-7d-utilization", "1.0"}},
                     "", OAuth())
                .failure,
            FailureClass::kNone);
}

// §15 scenario 15: 429 with unified-status rejected, 5h 1.0, retry-after 120 -> account-wide
// quota, benched 120 s, counted as a failure, fail over.
TEST(ClassifyResponseTest, Scenario15_QuotaRejectedByHeaders) {
  const ResponseVerdict v =
      Classify(429,
               {{"anthropic-ratelimit-unified-status", "rejected"},
                {"anthropic-ratelimit-unified-5h-utilization", "1.0"},
                {"retry-after", "120"}},
               AnthropicError("rate_limit_error", "Rate limited"), OAuth(ModelFamily::kOpus));
  EXPECT_EQ(v.failure, FailureClass::kQuotaRejected);
  EXPECT_EQ(v.scope, ThrottleScope::kAccount);
  EXPECT_EQ(v.model_scope, ModelFamily::kNone);
  EXPECT_EQ(v.retry_after, absl::Seconds(120));
  EXPECT_FALSE(v.neutral);
  EXPECT_TRUE(v.fingerprint.empty());
  EXPECT_TRUE(IsRetryable(v.failure));
}

// §4.2: remaining tokens or requests <= 0 are quota evidence too (API-key accounts).
TEST(ClassifyResponseTest, QuotaRejectedByApiKeyRemaining) {
  EXPECT_EQ(Classify(429, {{"anthropic-ratelimit-tokens-remaining", "0"}}, "", ApiKey()).failure,
            FailureClass::kQuotaRejected);
  EXPECT_EQ(Classify(429, {{"anthropic-ratelimit-requests-remaining", "-1"}}, "", ApiKey()).scope,
            ThrottleScope::kAccount);
  EXPECT_EQ(Classify(429, {{"anthropic-ratelimit-requests-remaining", "3"}}, "", ApiKey()).scope,
            ThrottleScope::kUnknown);
}

// §4.2 quota exhaustion by body: (account|plan|session|weekly|quota) then within 40 chars
// (exhausted|limit|exceeded|reached), or usage then (exhausted|exceeded|reached); whole words.
TEST(ClassifyResponseTest, QuotaRejectedByBody) {
  auto scope_of = [](std::string_view message) {
    return Classify(429, {}, AnthropicError("rate_limit_error", message), OAuth()).scope;
  };
  EXPECT_EQ(scope_of("You have reached your weekly usage limit"), ThrottleScope::kAccount);
  EXPECT_EQ(scope_of("Session quota EXHAUSTED"), ThrottleScope::kAccount);
  EXPECT_EQ(scope_of("Your usage has been exceeded"), ThrottleScope::kAccount);
  EXPECT_EQ(scope_of("This request would exceed your account's rate limit."),
            ThrottleScope::kAccount);
  EXPECT_EQ(scope_of("quota " + std::string(38, 'a') + " exceeded"), ThrottleScope::kAccount);
  EXPECT_EQ(scope_of("quota " + std::string(39, 'a') + " exceeded"), ThrottleScope::kUnknown);
  EXPECT_EQ(scope_of("quotas exceeded"), ThrottleScope::kUnknown);
  EXPECT_EQ(scope_of("usage limit"), ThrottleScope::kUnknown);
  EXPECT_EQ(scope_of("Rate limited"), ThrottleScope::kUnknown);
  EXPECT_EQ(Classify(429, {}, AnthropicError("rate_limit_error", "Weekly limit reached"), OAuth())
                .failure,
            FailureClass::kQuotaRejected);
}

// §15 scenario 16: two accounts' identical unexplained 429s share one fingerprint; 60 s default.
TEST(ClassifyResponseTest, Scenario16_IdenticalAmbiguous429sShareAFingerprint) {
  const ResponseVerdict a =
      Classify(429, {},
               R"({"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"},)"
               R"("request_id":"req_011CAbcdef0123456789"})",
               OAuth());
  const ResponseVerdict b =
      Classify(429, {},
               R"({"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"},)"
               R"("request_id":"req_011CZyxw98765"})",
               OAuth());
  EXPECT_EQ(a.failure, FailureClass::kRateLimited);
  EXPECT_EQ(a.scope, ThrottleScope::kUnknown);
  EXPECT_EQ(a.retry_after, absl::Seconds(60));
  EXPECT_FALSE(a.neutral);
  EXPECT_EQ(a.fingerprint, "429:rate_limit_error:rate limited");
  EXPECT_EQ(a.fingerprint, b.fingerprint);
}

// §4.2 fingerprint fallback when the body says nothing.
TEST(ClassifyResponseTest, EmptyBodyGetsFallbackFingerprint) {
  EXPECT_EQ(Classify(429, {}, "", OAuth()).fingerprint, "429:unknown_429");
  const ResponseVerdict html = Classify(429, {}, "<html>Too  Many\nRequests 42</html>", OAuth());
  EXPECT_EQ(html.scope, ThrottleScope::kUnknown);
  EXPECT_EQ(html.fingerprint, "429::<html>too many requests #</html>");
}

// §4.2 explicit shared throttle -> upstream scope, released neutrally.
TEST(ClassifyResponseTest, ExplicitSharedThrottleIsRequestRefused) {
  const ResponseVerdict v =
      Classify(429, {{"retry-after", "45"}},
               AnthropicError("rate_limit_error",
                              "Anthropic is temporarily limiting requests (not your usage limit)"),
               OAuth());
  EXPECT_EQ(v.failure, FailureClass::kRequestRefused);
  EXPECT_EQ(v.scope, ThrottleScope::kUpstream);
  EXPECT_TRUE(v.neutral);
  EXPECT_EQ(v.retry_after, absl::Seconds(45));
  EXPECT_EQ(v.fingerprint,
            "429:rate_limit_error:anthropic is temporarily limiting requests (not your usage "
            "limit)");
  EXPECT_EQ(Classify(429, {}, AnthropicError("overloaded_error", ""), OAuth()).failure,
            FailureClass::kRequestRefused);
  EXPECT_EQ(Classify(429, {}, R"({"type":"overloaded_error"})", OAuth()).fingerprint,
            "429:overloaded_error:");
}

// §15 scenario 17 and §14 item 18: healthy buckets, a known family and retry-after >= 1800 s
// make the 429 model-scoped: neutral, the account stays usable for other models.
TEST(ClassifyResponseTest, Scenario17_ModelScoped429) {
  const FlatHeaders headers{{"anthropic-ratelimit-unified-status", "rejected"},
                            {"anthropic-ratelimit-unified-5h-utilization", "0.3"},
                            {"anthropic-ratelimit-unified-7d-utilization", "0.5"},
                            {"retry-after", "7200"}};
  const ResponseVerdict v = Classify(429, headers, AnthropicError("rate_limit_error", "limited"),
                                     OAuth(ModelFamily::kFable, "claude-fable-5"));
  EXPECT_EQ(v.failure, FailureClass::kModelRejected);
  EXPECT_EQ(v.model_scope, ModelFamily::kFable);
  EXPECT_EQ(v.scope, ThrottleScope::kAccount);
  EXPECT_TRUE(v.neutral);
  EXPECT_EQ(v.retry_after, absl::Seconds(7200));
  EXPECT_TRUE(IsRetryable(v.failure));

  // Without the rejected status the scope is unknown, still model-scoped.
  const ResponseVerdict unknown = Classify(
      429, {{"anthropic-ratelimit-unified-7d-utilization", "0.5"}, {"retry-after", "1800"}}, "",
      OAuth(ModelFamily::kFable));
  EXPECT_EQ(unknown.failure, FailureClass::kModelRejected);
  EXPECT_EQ(unknown.scope, ThrottleScope::kUnknown);
  EXPECT_EQ(unknown.fingerprint, "429:unknown_429");
}

TEST(ClassifyResponseTest, ModelScopeNeedsEveryCondition) {
  const UpstreamContext fable = OAuth(ModelFamily::kFable);
  // retry-after below 1800 s.
  EXPECT_EQ(Classify(429,
                     {{"anthropic-ratelimit-unified-status", "rejected"},
                      {"anthropic-ratelimit-unified-5h-utilization", "0.3"},
                      {"retry-after", "1799"}},
                     "", fable)
                .failure,
            FailureClass::kQuotaRejected);
  // No utilization header.
  EXPECT_EQ(Classify(429, {{"retry-after", "7200"}}, "", fable).model_scope, ModelFamily::kNone);
  // A bucket at 0.999.
  EXPECT_EQ(Classify(429,
                     {{"anthropic-ratelimit-unified-5h-utilization", "0.3"},
                      {"anthropic-ratelimit-unified-7d-utilization", "0.999"},
                      {"retry-after", "7200"}},
                     "", fable)
                .failure,
            FailureClass::kQuotaRejected);
  // Unknown family.
  EXPECT_EQ(
      Classify(429,
               {{"anthropic-ratelimit-unified-5h-utilization", "0.3"}, {"retry-after", "7200"}}, "",
               OAuth(ModelFamily::kNone))
          .failure,
      FailureClass::kRateLimited);
  // Anthropic throttling everyone wins over the model scope.
  EXPECT_EQ(
      Classify(429,
               {{"anthropic-ratelimit-unified-5h-utilization", "0.3"}, {"retry-after", "7200"}},
               AnthropicError("overloaded_error", "Overloaded"), fable)
          .failure,
      FailureClass::kRequestRefused);
}

// §15 scenario 18: an HTTP-date retry-after is absent -> 60 s.
TEST(ClassifyResponseTest, Scenario18_HttpDateRetryAfterMeansSixtySeconds) {
  const ResponseVerdict v =
      Classify(429, {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}, "", OAuth());
  EXPECT_EQ(v.retry_after, absl::Seconds(60));
}

// §15 scenario 20 (§4.3): a Claude 529 blocks provisionally for min(retry-after or 30, 30) s.
TEST(ClassifyResponseTest, Scenario20_Claude529IsOverloaded) {
  const std::string body = AnthropicError("overloaded_error", "Overloaded");
  const ResponseVerdict v = Classify(529, {}, body, OAuth(ModelFamily::kOpus, "claude-opus-4-1"));
  EXPECT_EQ(v.failure, FailureClass::kOverloaded);
  EXPECT_EQ(v.scope, ThrottleScope::kUpstream);
  EXPECT_TRUE(v.neutral);
  EXPECT_EQ(v.retry_after, absl::Seconds(30));
  EXPECT_EQ(v.fingerprint, "529:claude-opus-#-#:overloaded_error:overloaded");
  EXPECT_EQ(Classify(529, {{"retry-after", "10"}}, body, OAuth()).retry_after, absl::Seconds(10));
  EXPECT_EQ(Classify(529, {{"retry-after", "120"}}, body, OAuth()).retry_after, absl::Seconds(30));
}

// §4.5: 500/502/503/504, and 529 from providers, are upstream 5xx.
TEST(ClassifyResponseTest, ServerErrorsAreUpstream5xx) {
  for (int status : {500, 502, 503, 504}) {
    const ResponseVerdict v = Classify(status, {}, "", OAuth());
    EXPECT_EQ(v.failure, FailureClass::kUpstream5xx) << status;
    EXPECT_FALSE(v.neutral) << status;
  }
  EXPECT_EQ(Classify(529, {}, "", ProviderAccount(Provider::kZai)).failure,
            FailureClass::kUpstream5xx);
}

// §15 scenario 57 through the classifier: provider 429s are account-scoped, timed by the body.
TEST(ClassifyResponseTest, Scenario57_Provider429sBenchTheAccount) {
  const ResponseVerdict glm = Classify(429, {}, R"({"error":{"code":"1308","message":"…"}})",
                                       ProviderAccount(Provider::kZai));
  EXPECT_EQ(glm.failure, FailureClass::kRateLimited);
  EXPECT_EQ(glm.scope, ThrottleScope::kAccount);
  EXPECT_EQ(glm.retry_after, absl::Seconds(3600));
  EXPECT_FALSE(glm.neutral);
  const ResponseVerdict kimi =
      Classify(429, {}, R"({"error":{"message":"… try again after 20 seconds"}})",
               ProviderAccount(Provider::kKimi));
  EXPECT_EQ(kimi.retry_after, absl::Seconds(20));
  // A retry-after header wins over the body.
  EXPECT_EQ(Classify(429, {{"retry-after", "45"}}, R"({"error":{"code":"1308"}})",
                     ProviderAccount(Provider::kZai))
                .retry_after,
            absl::Seconds(45));
}

// §15 scenario 58 (§4.4): provider 403 -> 1800 s bench without failure counters; 401 -> dead.
TEST(ClassifyResponseTest, Scenario58_Provider403And401) {
  const ResponseVerdict forbidden = Classify(403, {}, "", ProviderAccount(Provider::kKimi));
  EXPECT_EQ(forbidden.failure, FailureClass::kRateLimited);
  EXPECT_EQ(forbidden.scope, ThrottleScope::kAccount);
  EXPECT_EQ(forbidden.retry_after, absl::Seconds(1800));
  EXPECT_TRUE(forbidden.neutral);

  UpstreamContext custom = ProviderAccount(Provider::kZai);
  custom.provider_403_cooldown = absl::Seconds(120);
  EXPECT_EQ(Classify(403, {}, "", custom).retry_after, absl::Seconds(120));

  const ResponseVerdict unauthorized = Classify(401, {}, "", ProviderAccount(Provider::kZai));
  EXPECT_EQ(unauthorized.failure, FailureClass::kAuthDead);
  EXPECT_FALSE(unauthorized.neutral);
}

// §13 item 7 (RECOMMENDED): a Claude OAuth 401 refreshes and retries; an API-key 401 is dead.
TEST(ClassifyResponseTest, Claude401) {
  EXPECT_EQ(
      Classify(401, {}, AnthropicError("authentication_error", "Invalid bearer token"), OAuth())
          .failure,
      FailureClass::kAuthExpired);
  EXPECT_EQ(Classify(401, {}, AnthropicError("authentication_error", "invalid x-api-key"), ApiKey())
                .failure,
            FailureClass::kAuthDead);
}

// §13 item 7 (RECOMMENDED): a Claude 403 about the request excludes the account for that request
// only (neutral, nothing benched); one whose text refuses the account itself benches it for the
// provider-403 cooldown; a revoked OAuth token is refreshed first.
TEST(ClassifyResponseTest, Claude403) {
  const ResponseVerdict request_only =
      Classify(403, {}, AnthropicError("permission_error", "Forbidden"), OAuth());
  EXPECT_EQ(request_only.failure, FailureClass::kForbidden);
  EXPECT_TRUE(request_only.neutral);
  EXPECT_EQ(request_only.retry_after, absl::ZeroDuration());
  EXPECT_EQ(Classify(403, {},
                     AnthropicError("permission_error",
                                    "Your organization does not have access to this model."),
                     OAuth())
                .failure,
            FailureClass::kForbidden);
  EXPECT_EQ(
      Classify(403, {}, AnthropicError("permission_error", "OAuth token has been revoked"), OAuth())
          .failure,
      FailureClass::kAuthExpired);
  EXPECT_EQ(Classify(403, {}, AnthropicError("permission_error", "key revoked"), ApiKey()).failure,
            FailureClass::kForbidden);
  for (const char* refused : {"This organization has been disabled.",
                              "OAuth authentication is currently not allowed for this "
                              "organization.",
                              "oauth_not_allowed_for_organization"}) {
    SCOPED_TRACE(refused);
    UpstreamContext context = OAuth();
    context.provider_403_cooldown = absl::Seconds(1800);
    const ResponseVerdict banned =
        Classify(403, {}, AnthropicError("permission_error", refused), context);
    EXPECT_EQ(banned.failure, FailureClass::kBanned);
    EXPECT_FALSE(banned.neutral);
    EXPECT_EQ(banned.retry_after, absl::Seconds(1800));
  }
  EXPECT_EQ(
      Classify(403, {}, AnthropicError("oauth_not_allowed_for_organization", "Forbidden"), OAuth())
          .failure,
      FailureClass::kBanned);
}

TEST(ClassifyResponseTest, RequestTimeoutIsNetwork) {
  EXPECT_EQ(Classify(408, {}, "", OAuth()).failure, FailureClass::kNetwork);
}

// §4.5: other 4xx are the client's problem: relayed, never retried.
TEST(ClassifyResponseTest, OtherClientErrors) {
  for (int status : {400, 404, 409, 413, 422}) {
    const ResponseVerdict v =
        Classify(status, {}, AnthropicError("invalid_request_error", "bad"), OAuth());
    EXPECT_EQ(v.failure, FailureClass::kClientError) << status;
    EXPECT_FALSE(IsRetryable(v.failure)) << status;
    EXPECT_EQ(v.error_type, "invalid_request_error");
    EXPECT_EQ(v.error_message, "bad");
  }
  const ResponseVerdict long_body = Classify(400, {}, std::string(1000, 'x'), OAuth());
  EXPECT_EQ(long_body.error_message.size(), 300u);
}

// §4.2 normalisation: lower-case, hex runs >= 8 and digit runs -> '#', whitespace collapsed,
// trimmed, 240 chars.
TEST(NormalizeFingerprintTest, MasksNumbersAndIds) {
  EXPECT_EQ(NormalizeFingerprint("X", "  Trace 0123ABCDEF99 at 12:30 \n\t now  "),
            "x: trace # at #:# now");
  EXPECT_EQ(NormalizeFingerprint("t", "abc1234 deadbeef"), "t:abc# #");
  EXPECT_EQ(NormalizeFingerprint("", ""), "");
  EXPECT_EQ(NormalizeFingerprint("", "m"), ":m");
  EXPECT_EQ(NormalizeFingerprint("t", std::string(1000, 'z')).size(), 240u);
  // Cut on a UTF-8 boundary: 'é' is two bytes.
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "\xC3\xA9";
  const std::string cut = NormalizeFingerprint("t", accents);
  EXPECT_EQ(cut.size(), 240u);  // "t:" + 119 x 2 bytes
}

// §4.5 network class vs other transport errors.
TEST(ClassifyTransportErrorTest, NetworkClass) {
  for (std::string_view e : {"ECONNRESET",
                             "econnrefused",
                             "ETIMEDOUT",
                             "UND_ERR_CONNECT_TIMEOUT",
                             "ENOTFOUND",
                             "EAI_AGAIN",
                             "EPIPE",
                             "ECONNABORTED",
                             "UND_ERR_SOCKET",
                             "UND_ERR_HEADERS_TIMEOUT",
                             "TypeError: fetch failed",
                             "terminated",
                             "Connection reset by peer",
                             "Connection refused",
                             "Host not found (authoritative)",
                             "end of stream",
                             "stream truncated",
                             "ttfb_timeout",
                             "stream_idle_timeout",
                             "body_timeout",
                             "Broken pipe",
                             "Network is unreachable"}) {
    EXPECT_EQ(ClassifyTransportError(e), FailureClass::kNetwork) << e;
  }
  EXPECT_EQ(ClassifyTransportError("certificate verify failed"), FailureClass::kUpstream5xx);
  EXPECT_EQ(ClassifyTransportError("bad chunk"), FailureClass::kUpstream5xx);
}

}  // namespace
}  // namespace maxpool::core
