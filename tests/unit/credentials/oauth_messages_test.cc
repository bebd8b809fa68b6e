#include "credentials/oauth_messages.h"

#include <string>

#include "boost/json/parse.hpp"
#include "boost/json/value.hpp"
#include "credentials/oauth_constants.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"

namespace maxpool::credentials {
namespace {

using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAccess[] = "sk-ant-oat01-NewAccessToken_abc-123";
constexpr char kRefresh[] = "sk-ant-ort01-NewRefreshToken_xyz-789";
constexpr char kOldRefresh[] = "sk-ant-ort01-OldRefreshToken_000";
constexpr int64_t kNowMs = 1'700'000'000'000;
const absl::Time kNow = absl::FromUnixMillis(kNowMs);

absl::StatusOr<TokenSet> Parse(std::string_view body, TokenIdentity* identity = nullptr) {
  return ParseTokenResponse(body, kNow, kOldRefresh, identity);
}

// ---- request bodies (spec §7.3, §7.2 step 5)

TEST(RefreshRequestBody, ExactBytes) {
  EXPECT_EQ(RefreshRequestBody(kOldRefresh, kOAuthClientId),
            R"({"grant_type":"refresh_token","refresh_token":"sk-ant-ort01-OldRefreshToken_000",)"
            R"("client_id":"9d1c250a-e61b-44d9-88ed-5944d1962f5e"})");
}

TEST(RefreshRequestBody, EscapesAwkwardValues) {
  const std::string token = "a\"b\\c\nd\x01";
  const std::string body = RefreshRequestBody(token, "id");
  const boost::json::value parsed = boost::json::parse(body);
  EXPECT_EQ(parsed.at("refresh_token").as_string(), token);
  EXPECT_EQ(body.find('\n'), std::string::npos) << body;
}

TEST(CodeExchangeBody, ExactBytesInSpecOrder) {
  EXPECT_EQ(CodeExchangeBody("the-code", "the-state", kOAuthClientId,
                             "http://localhost:5555/callback", "the-verifier"),
            R"({"code":"the-code","state":"the-state","grant_type":"authorization_code",)"
            R"("client_id":"9d1c250a-e61b-44d9-88ed-5944d1962f5e",)"
            R"("redirect_uri":"http://localhost:5555/callback","code_verifier":"the-verifier"})");
}

TEST(CodeExchangeBody, EscapesAwkwardValues) {
  const std::string body = CodeExchangeBody("c\"1", "s\\2", "id", "http://x/\u00e9", "v\t3");
  const boost::json::value parsed = boost::json::parse(body);
  EXPECT_EQ(parsed.at("code").as_string(), "c\"1");
  EXPECT_EQ(parsed.at("state").as_string(), "s\\2");
  EXPECT_EQ(parsed.at("redirect_uri").as_string(), "http://x/\u00e9");
  EXPECT_EQ(parsed.at("code_verifier").as_string(), "v\t3");
}

// ---- token responses (spec §7.2 step 6)

TEST(ParseTokenResponse, FullResponseWithExpiresIn) {
  absl::StatusOr<TokenSet> tokens =
      Parse(R"({"token_type":"Bearer","access_token":"sk-ant-oat01-NewAccessToken_abc-123",)"
            R"("refresh_token":"sk-ant-ort01-NewRefreshToken_xyz-789","expires_in":28800,)"
            R"("scope":"user:inference user:profile"})");
  ASSERT_THAT(tokens, IsOk());
  EXPECT_EQ(tokens->access_token, kAccess);
  EXPECT_EQ(tokens->refresh_token, kRefresh);
  EXPECT_EQ(tokens->expires_at_ms, kNowMs + 28'800'000);
}

TEST(ParseTokenResponse, MissingRefreshTokenKeepsThePreviousOne) {
  for (std::string_view body :
       {R"({"access_token":"a","expires_in":60})", R"({"access_token":"a","refresh_token":null})",
        R"({"access_token":"a","refresh_token":""})"}) {
    absl::StatusOr<TokenSet> tokens = Parse(body);
    ASSERT_THAT(tokens, IsOk()) << body;
    EXPECT_EQ(tokens->refresh_token, kOldRefresh) << body;
  }
}

TEST(ParseTokenResponse, ExpiresAtInSecondsBecomesMilliseconds) {
  absl::StatusOr<TokenSet> tokens = Parse(R"({"access_token":"a","expires_at":1700003600})");
  ASSERT_THAT(tokens, IsOk());
  EXPECT_EQ(tokens->expires_at_ms, 1'700'003'600'000);
}

TEST(ParseTokenResponse, ExpiresAtInMillisecondsIsKept) {
  absl::StatusOr<TokenSet> tokens =
      Parse(R"({"access_token":"a","expires_at":1700003600123,"expires_in":10})");
  ASSERT_THAT(tokens, IsOk());
  EXPECT_EQ(tokens->expires_at_ms, 1'700'003'600'123);  // expires_at wins over expires_in
}

TEST(ParseTokenResponse, TheSecondsBoundaryIsOneTrillion) {
  // Just below 1e12 is taken as seconds: year 33658, refused.
  EXPECT_THAT(Parse(R"({"access_token":"a","expires_at":999999999999})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
  absl::StatusOr<TokenSet> at = Parse(R"({"access_token":"a","expires_at":1000000000000})");
  ASSERT_THAT(at, IsOk());
  EXPECT_EQ(at->expires_at_ms, 1'000'000'000'000);
  // The last second of year 9999 is still a valid expiry in seconds.
  absl::StatusOr<TokenSet> last = Parse(R"({"access_token":"a","expires_at":253402300799})");
  ASSERT_THAT(last, IsOk());
  EXPECT_EQ(last->expires_at_ms, 253'402'300'799'000);
}

TEST(ParseTokenResponse, NoExpiryMeansOneHour) {
  for (std::string_view body :
       {R"({"access_token":"a"})", R"({"access_token":"a","expires_in":0,"expires_at":0})",
        R"({"access_token":"a","expires_in":null})", R"({"access_token":"a","expires_in":-5})"}) {
    absl::StatusOr<TokenSet> tokens = Parse(body);
    ASSERT_THAT(tokens, IsOk()) << body;
    EXPECT_EQ(tokens->expires_at_ms, kNowMs + 3'600'000) << body;
  }
}

TEST(ParseTokenResponse, FractionalExpiresIn) {
  absl::StatusOr<TokenSet> tokens = Parse(R"({"access_token":"a","expires_in":1.5})");
  ASSERT_THAT(tokens, IsOk());
  EXPECT_EQ(tokens->expires_at_ms, kNowMs + 1500);
}

TEST(ParseTokenResponse, AbsurdExpiryIsRefused) {
  EXPECT_THAT(Parse(R"({"access_token":"a","expires_at":1e300})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
  EXPECT_THAT(Parse(R"({"access_token":"a","expires_in":1e20})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
}

TEST(ParseTokenResponse, EscapedStringsAreDecoded) {
  absl::StatusOr<TokenSet> tokens =
      Parse(R"({"access_token":"sk-ant-oat01-a\u002fb\"c","refresh_token":"r\\1"})");
  ASSERT_THAT(tokens, IsOk());
  EXPECT_EQ(tokens->access_token, "sk-ant-oat01-a/b\"c");
  EXPECT_EQ(tokens->refresh_token, "r\\1");
}

TEST(ParseTokenResponse, MissingAccessTokenIsAnError) {
  for (std::string_view body :
       {R"({"refresh_token":"sk-ant-ort01-NewRefreshToken_xyz-789","expires_in":10})",
        R"({"access_token":"","refresh_token":"sk-ant-ort01-NewRefreshToken_xyz-789"})",
        R"({"access_token":null,"refresh_token":"sk-ant-ort01-NewRefreshToken_xyz-789"})"}) {
    EXPECT_THAT(Parse(body),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("access_token is missing"), Not(HasSubstr(kRefresh)))))
        << body;
  }
}

TEST(ParseTokenResponse, WrongKindsAreNamedWithoutTheirValues) {
  EXPECT_THAT(Parse(R"({"access_token":12345})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "token response: access_token is a number, expected a string"));
  EXPECT_THAT(
      Parse(R"({"access_token":"sk-ant-oat01-NewAccessToken_abc-123","refresh_token":["x"]})"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("refresh_token is an array"), Not(HasSubstr(kAccess)))));
  EXPECT_THAT(Parse(R"({"access_token":"a","expires_in":"3600"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expires_in is a string")));
  EXPECT_THAT(Parse(R"({"access_token":"a","expires_at":true})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("expires_at is a boolean")));
}

TEST(ParseTokenResponse, NotAJsonObject) {
  for (std::string_view body :
       {"", "not json", "[]", R"("sk-ant-oat01-NewAccessToken_abc-123")", "<html>502</html>",
        R"({"access_token":"sk-ant-oat01-NewAccessToken_abc-123",})"}) {
    EXPECT_THAT(Parse(body),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("not a JSON object"), Not(HasSubstr(kAccess)))))
        << body;
  }
}

// Wire §5.3: account.uuid, account.email_address, organization.uuid / name.
TEST(ParseTokenResponse, ExtractsIdentityWhenAsked) {
  TokenIdentity identity;
  absl::StatusOr<TokenSet> tokens =
      Parse(R"({"access_token":"a","account":{"uuid":"acc-1","email_address":"me@example.com"},)"
            R"("organization":{"uuid":"org-1","name":"Me's Organization"}})",
            &identity);
  ASSERT_THAT(tokens, IsOk());
  EXPECT_EQ(identity.account_uuid, "acc-1");
  EXPECT_EQ(identity.account_email, "me@example.com");
  EXPECT_EQ(identity.organization_uuid, "org-1");
  EXPECT_EQ(identity.organization_name, "Me's Organization");
}

TEST(ParseTokenResponse, AbsentIdentityFieldsAreResetToNullopt) {
  TokenIdentity identity{"stale", "stale", "stale", "stale"};
  ASSERT_THAT(Parse(R"({"access_token":"a","account":{"uuid":"acc-1"}})", &identity), IsOk());
  EXPECT_EQ(identity.account_uuid, "acc-1");
  EXPECT_EQ(identity.account_email, std::nullopt);
  EXPECT_EQ(identity.organization_uuid, std::nullopt);
  EXPECT_EQ(identity.organization_name, std::nullopt);
}

TEST(ParseTokenResponse, IdentityOfTheWrongKindIsAnErrorOnlyWhenAsked) {
  constexpr std::string_view kBody = R"({"access_token":"a","account":"acc-1"})";
  EXPECT_THAT(Parse(kBody), IsOk());
  TokenIdentity identity;
  EXPECT_THAT(Parse(kBody, &identity),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("account is a string")));
  EXPECT_THAT(Parse(R"({"access_token":"a","organization":{"uuid":7}})", &identity),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("organization.uuid")));
}

TEST(NormalizeEpochMs, SecondsMillisecondsAndJunk) {
  EXPECT_EQ(NormalizeEpochMs(1'700'000'000), 1'700'000'000'000);
  EXPECT_EQ(NormalizeEpochMs(1'700'000'000'000.0), 1'700'000'000'000);
  EXPECT_EQ(NormalizeEpochMs(0), 0);
  EXPECT_EQ(NormalizeEpochMs(-1), 0);
  EXPECT_EQ(NormalizeEpochMs(std::nan("")), 0);
  EXPECT_EQ(NormalizeEpochMs(1e300), 253'402'300'799'999);
}

// ---- error bodies

TEST(ParseOAuthError, OAuthShape) {
  std::optional<OAuthError> error = ParseOAuthError(
      R"({"error":"invalid_grant","error_description":"Refresh token not found or invalid"})");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->error, "invalid_grant");
  EXPECT_EQ(error->description, "Refresh token not found or invalid");

  error = ParseOAuthError(R"({"error":"invalid_request"})");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->error, "invalid_request");
  EXPECT_EQ(error->description, "");
}

// Wire §5.5 capture of a 401.
TEST(ParseOAuthError, AnthropicShape) {
  std::optional<OAuthError> error = ParseOAuthError(
      R"({"type":"error","error":{"type":"authentication_error","message":"Invalid bearer token",)"
      R"("details":{"error_visibility":"user_facing"}},"request_id":"req_1"})");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->error, "authentication_error");
  EXPECT_EQ(error->description, "Invalid bearer token");
}

TEST(ParseOAuthError, OtherBodiesAreNothing) {
  for (std::string_view body :
       {"", "Bad Gateway", "<html>oops</html>", "[]", R"({"message":"x"})", R"({"error":5})",
        R"({"error":null})", R"({"error":{"type":"x","message":"y"}})",  // no "type":"error"
        R"({"type":"error","error":{"message":"no type"}})"}) {
    EXPECT_FALSE(ParseOAuthError(body).has_value()) << body;
  }
}

TEST(ParseOAuthError, AStringErrorIsTheOAuthShapeWhateverElseIsThere) {
  std::optional<OAuthError> error =
      ParseOAuthError(R"({"type":"error","error":"api_error","error_description":5})");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->error, "api_error");
  EXPECT_EQ(error->description, "");
}

// ---- refresh failure classification (spec §7.3)

TEST(ClassifyRefreshFailure, TransportFailures) {
  EXPECT_EQ(ClassifyRefreshFailure(std::nullopt, false, ""),
            core::RefreshFailure::kNetworkBeforeSend);
  EXPECT_EQ(ClassifyRefreshFailure(std::nullopt, true, ""),
            core::RefreshFailure::kAmbiguousAfterSend);
}

TEST(ClassifyRefreshFailure, RetryableStatuses) {
  for (int status : {408, 429, 500, 502, 503, 504, 529}) {
    EXPECT_EQ(ClassifyRefreshFailure(status, true, ""), core::RefreshFailure::kRetryableStatus)
        << status;
  }
}

TEST(ClassifyRefreshFailure, OtherClientErrorsAreDead) {
  EXPECT_EQ(ClassifyRefreshFailure(
                400, true, R"({"error":"invalid_grant","error_description":"Refresh token..."})"),
            core::RefreshFailure::kDead);
  for (int status : {400, 401, 403, 404, 405, 422}) {
    EXPECT_EQ(ClassifyRefreshFailure(status, true, ""), core::RefreshFailure::kDead) << status;
  }
  EXPECT_EQ(
      ClassifyRefreshFailure(
          401, true, R"({"type":"error","error":{"type":"authentication_error","message":"x"}})"),
      core::RefreshFailure::kDead);
}

TEST(ClassifyRefreshFailure, ClientErrorWithATransientAnthropicTypeIsRetryable) {
  EXPECT_EQ(ClassifyRefreshFailure(
                400, true, R"({"type":"error","error":{"type":"rate_limit_error","message":"x"}})"),
            core::RefreshFailure::kRetryableStatus);
  EXPECT_EQ(ClassifyRefreshFailure(
                403, true, R"({"type":"error","error":{"type":"overloaded_error","message":"x"}})"),
            core::RefreshFailure::kRetryableStatus);
}

TEST(ClassifyRefreshFailure, AnAnswerWithoutUsableTokensIsAmbiguous) {
  for (int status : {200, 201, 204, 302, 101}) {
    EXPECT_EQ(ClassifyRefreshFailure(status, true, "garbage"),
              core::RefreshFailure::kAmbiguousAfterSend)
        << status;
  }
}

TEST(MayRetryWithinRefresh, OnlyBeforeSendAndOn5xx) {
  EXPECT_TRUE(MayRetryWithinRefresh(core::RefreshFailure::kNetworkBeforeSend, std::nullopt));
  EXPECT_FALSE(MayRetryWithinRefresh(core::RefreshFailure::kAmbiguousAfterSend, std::nullopt));
  EXPECT_TRUE(MayRetryWithinRefresh(core::RefreshFailure::kRetryableStatus, 503));
  EXPECT_FALSE(MayRetryWithinRefresh(core::RefreshFailure::kRetryableStatus, 429));
  EXPECT_FALSE(MayRetryWithinRefresh(core::RefreshFailure::kRetryableStatus, 408));
  EXPECT_FALSE(MayRetryWithinRefresh(core::RefreshFailure::kDead, 400));
}

TEST(RefreshFailureLabels, Reasons) {
  EXPECT_EQ(RefreshFailureReason(429), "token_refresh_429");
  EXPECT_EQ(RefreshFailureReason(std::nullopt), "token_refresh_network");
}

}  // namespace
}  // namespace maxpool::credentials
