// The fake upstream's token endpoint over HTTP (anthropic-wire.md §5.3): refresh-token rotation,
// spent tokens, access-token expiry on the API, the authorization-code grant, request errors.

#include <string>

#include "fake/fake_upstream.h"
#include "fake/oauth_crypto.h"
#include "fake/oauth_identity.h"
#include "fake/test_client.h"
#include "fake_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "oauth_test_util.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"

namespace maxpool::fake {
namespace {

using ::maxpool::fake::testing::CodeBody;
using ::maxpool::fake::testing::ConnectTo;
using ::maxpool::fake::testing::ErrorMessage;
using ::maxpool::fake::testing::ErrorType;
using ::maxpool::fake::testing::Json;
using ::maxpool::fake::testing::kOAuthToken;
using ::maxpool::fake::testing::kRedirectUri;
using ::maxpool::fake::testing::kRefreshToken;
using ::maxpool::fake::testing::MessageBody;
using ::maxpool::fake::testing::OAuthAccount;
using ::maxpool::fake::testing::OAuthHeaders;
using ::maxpool::fake::testing::RefreshBody;
using ::maxpool::fake::testing::StartFake;
using ::maxpool::fake::testing::Str;
using ::maxpool::fake::testing::TokenHeaders;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::Optional;
using ::testing::StartsWith;

constexpr char kVerifier[] = "dBjftJeZ4CVP-mJ92K9Ij8BHb8g2FSgJZcxXk7ZLeS0";
constexpr char kExpiredMessage[] = "OAuth token has expired. Please obtain a new token.";

// A started fake on `clock` with one OAuth account "alice" holding kRefreshToken.
struct Fixture {
  explicit Fixture(FakeClock& clock, OAuthAccountSpec oauth = {}) {
    FakeOptions options;
    options.clock = &clock;
    fake = StartFake(options);
    FakeAccountSpec spec = OAuthAccount();
    spec.name = "alice";
    spec.oauth = std::move(oauth);
    if (!spec.oauth.refresh_token) spec.oauth.refresh_token = kRefreshToken;
    EXPECT_THAT(fake->AddAccount(spec), IsOk());
    client = ConnectTo(*fake);
  }
  HttpResponse Token(const std::string& body) {
    auto r = client->Request("POST", "/v1/oauth/token", TokenHeaders(), body);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? *r : HttpResponse{};
  }
  HttpResponse Message(std::string_view token) {
    auto r =
        client->Request("POST", "/v1/messages?beta=true", OAuthHeaders(token), MessageBody(false));
    EXPECT_THAT(r, IsOk());
    return r.ok() ? *r : HttpResponse{};
  }
  std::unique_ptr<FakeUpstream> fake;
  std::unique_ptr<BlockingHttpClient> client;
};

TEST(OAuthTokenTest, RefreshRotatesBothTokensAndReportsTheAccount) {
  FakeClock clock;
  Fixture f(clock);
  const HttpResponse r = f.Token(RefreshBody(kRefreshToken));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.Header("content-type"), Optional(std::string("application/json")));
  EXPECT_THAT(r.Header("request-id"), Optional(StartsWith("req_")));
  const boost::json::value body = Json(r.body);
  EXPECT_EQ(body.as_object().size(), 7u) << r.body;
  EXPECT_EQ(Str(body.at("token_type")), "Bearer");
  EXPECT_THAT(Str(body.at("access_token")), StartsWith("sk-ant-oat01-"));
  EXPECT_THAT(Str(body.at("refresh_token")), StartsWith("sk-ant-ort01-"));
  EXPECT_NE(Str(body.at("access_token")), kOAuthToken);
  EXPECT_NE(Str(body.at("refresh_token")), kRefreshToken);
  EXPECT_GT(Str(body.at("access_token")).size(), 60u);
  EXPECT_EQ(body.at("expires_in").as_int64(), 3600);
  EXPECT_EQ(Str(body.at("scope")), kLoginScopes);
  const std::optional<OAuthAccountView> view = f.fake->OAuthAccount(kOAuthToken);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(Str(body.at("account").at("uuid")), view->identity.uuid);
  EXPECT_EQ(Str(body.at("account").at("email_address")), "alice@example.com");
  EXPECT_EQ(Str(body.at("organization").at("uuid")), view->identity.organization_uuid);
  EXPECT_EQ(Str(body.at("organization").at("name")), "alice's Organization");
  // The view follows the rotation.
  EXPECT_EQ(view->access_token, Str(body.at("access_token")));
  EXPECT_EQ(view->refresh_token, Str(body.at("refresh_token")));
  EXPECT_EQ(view->expires_at, clock.Now() + absl::Hours(1));
}

TEST(OAuthTokenTest, APresentedRefreshTokenIsSpent) {
  FakeClock clock;
  Fixture f(clock);
  const HttpResponse first = f.Token(RefreshBody(kRefreshToken));
  ASSERT_EQ(first.status, 200);
  const std::string rotated = Str(Json(first.body).at("refresh_token"));

  const HttpResponse again = f.Token(RefreshBody(kRefreshToken));
  EXPECT_EQ(again.status, 400);
  const boost::json::value error = Json(again.body);
  EXPECT_EQ(Str(error.at("error")), "invalid_grant");
  EXPECT_EQ(Str(error.at("error_description")), "Refresh token not found or invalid");

  const HttpResponse next = f.Token(RefreshBody(rotated));
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_NE(Str(Json(next.body).at("refresh_token")), rotated);
  EXPECT_EQ(f.Token(RefreshBody("sk-ant-ort01-never-issued")).status, 400);

  const OAuthAccountView view = *f.fake->OAuthAccount(kOAuthToken);
  EXPECT_EQ(view.counters.token_calls, 3);  // the never-issued token is nobody's
  EXPECT_EQ(view.counters.refresh_calls, 3);
  EXPECT_EQ(view.counters.rotations, 2);
  EXPECT_EQ(view.counters.rejected, 1);
  EXPECT_EQ(f.fake->TokenCalls(), 4);
  EXPECT_THAT(f.fake->PresentedRefreshTokens(),
              ElementsAre(Field(&PresentedRefresh::accepted, true),
                          Field(&PresentedRefresh::accepted, false),
                          Field(&PresentedRefresh::accepted, true),
                          Field(&PresentedRefresh::credential, "")));
  const std::vector<PresentedRefresh> presented = f.fake->PresentedRefreshTokens();
  EXPECT_EQ(presented[0].refresh_token, kRefreshToken);
  EXPECT_EQ(presented[1].refresh_token, kRefreshToken);
  EXPECT_EQ(presented[2].refresh_token, rotated);
  EXPECT_EQ(presented[0].credential, kOAuthToken);
  EXPECT_EQ(presented[0].fault, "ok");
}

TEST(OAuthTokenTest, RotatedAccessTokensServeUnderTheOriginalCredential) {
  FakeClock clock;
  Fixture f(clock);
  const HttpResponse r = f.Token(RefreshBody(kRefreshToken));
  ASSERT_EQ(r.status, 200);
  const std::string access = Str(Json(r.body).at("access_token"));
  EXPECT_EQ(f.Message(access).status, 200);
  EXPECT_EQ(f.Message(kOAuthToken).status, 200);  // the initial credential never expires
  EXPECT_EQ(f.fake->Stats()[kOAuthToken].requests, 2);
  EXPECT_EQ(f.fake->Stats().count(access), 0u);
  const std::vector<RecordedRequest> seen = f.fake->Requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].target, "/v1/oauth/token");
  EXPECT_EQ(seen[0].credential, kOAuthToken);
  EXPECT_EQ(seen[0].behaviour, "token_ok");
  EXPECT_EQ(seen[1].credential, kOAuthToken);
  // The OAuth beta is still required for a rotated token.
  auto no_beta = f.client->Request(
      "POST", "/v1/messages",
      {{"anthropic-version", "2023-06-01"}, {"authorization", "Bearer " + access}},
      MessageBody(false));
  ASSERT_THAT(no_beta, IsOk());
  EXPECT_EQ(no_beta->status, 401);
  EXPECT_EQ(ErrorMessage(no_beta->body), "OAuth authentication is currently not supported.");
}

TEST(OAuthTokenTest, AnExpiredAccessTokenGetsA401UntilRefreshed) {
  FakeClock clock;
  OAuthAccountSpec oauth;
  oauth.expires_in = absl::Seconds(600);
  Fixture f(clock, oauth);
  EXPECT_EQ(f.Message(kOAuthToken).status, 200);
  clock.Advance(absl::Seconds(600));
  const HttpResponse expired = f.Message(kOAuthToken);
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(ErrorType(expired.body), "authentication_error");
  EXPECT_EQ(ErrorMessage(expired.body), kExpiredMessage);
  EXPECT_EQ(Str(Json(expired.body).at("request_id")), expired.Header("request-id").value_or(""));
  EXPECT_EQ(f.fake->Stats()[kOAuthToken].requests, 1);  // a 401 is not admitted

  const HttpResponse r = f.Token(RefreshBody(kRefreshToken));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Json(r.body).at("expires_in").as_int64(), 600);
  const std::string access = Str(Json(r.body).at("access_token"));
  clock.Advance(absl::Seconds(599));
  EXPECT_EQ(f.Message(access).status, 200);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(f.Message(access).status, 401);
}

TEST(OAuthTokenTest, AnOlderAccessTokenWorksUntilItsOwnExpiry) {
  FakeClock clock;
  OAuthAccountSpec oauth;
  oauth.expires_in = absl::Seconds(1000);
  Fixture f(clock, oauth);
  const HttpResponse r1 = f.Token(RefreshBody(kRefreshToken));
  ASSERT_EQ(r1.status, 200);
  const std::string a1 = Str(Json(r1.body).at("access_token"));
  clock.Advance(absl::Seconds(500));
  const HttpResponse r2 = f.Token(RefreshBody(Str(Json(r1.body).at("refresh_token"))));
  ASSERT_EQ(r2.status, 200);
  const std::string a2 = Str(Json(r2.body).at("access_token"));
  EXPECT_EQ(f.Message(a1).status, 200);
  EXPECT_EQ(f.fake->OAuthAccount(kOAuthToken)->valid_access_tokens, 3);  // initial, a1, a2
  clock.Advance(absl::Seconds(500));
  EXPECT_EQ(f.Message(a1).status, 401);
  EXPECT_EQ(f.Message(a2).status, 200);
  EXPECT_EQ(f.Message(kOAuthToken).status, 401);  // the initial one lived expires_in too
}

TEST(OAuthTokenTest, RevokeOldAccessRevokesEarlierTokensOnRotation) {
  FakeClock clock;
  OAuthAccountSpec oauth;
  oauth.revoke_old_access = true;
  Fixture f(clock, oauth);
  const HttpResponse r = f.Token(RefreshBody(kRefreshToken));
  ASSERT_EQ(r.status, 200);
  const HttpResponse old = f.Message(kOAuthToken);
  EXPECT_EQ(old.status, 403);
  EXPECT_EQ(ErrorType(old.body), "permission_error");
  EXPECT_EQ(ErrorMessage(old.body), "OAuth token has been revoked. Please obtain a new token.");
  EXPECT_EQ(f.Message(Str(Json(r.body).at("access_token"))).status, 200);
}

TEST(OAuthTokenTest, ExpireAccessTokensForcesA401) {
  FakeClock clock;
  Fixture f(clock);
  const HttpResponse r = f.Token(RefreshBody(kRefreshToken));
  ASSERT_EQ(r.status, 200);
  const std::string access = Str(Json(r.body).at("access_token"));
  ASSERT_THAT(f.fake->ExpireAccessTokens(kOAuthToken), IsOk());
  EXPECT_EQ(ErrorMessage(f.Message(access).body), kExpiredMessage);
  EXPECT_EQ(ErrorMessage(f.Message(kOAuthToken).body), kExpiredMessage);
  EXPECT_EQ(f.fake->OAuthAccount(kOAuthToken)->valid_access_tokens, 0);
  const HttpResponse again = f.Token(RefreshBody(Str(Json(r.body).at("refresh_token"))));
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(f.Message(Str(Json(again.body).at("access_token"))).status, 200);
  EXPECT_FALSE(f.fake->ExpireAccessTokens("nobody").ok());
}

TEST(OAuthTokenTest, AuthorizationCodeGrantChecksVerifierStateAndSingleUse) {
  FakeClock clock;
  Fixture f(clock);
  const std::string challenge = S256Challenge(kVerifier);
  absl::StatusOr<std::string> code =
      f.fake->MintAuthCode(kOAuthToken, challenge, "state-1", kRedirectUri);
  ASSERT_THAT(code, IsOk());

  auto expect_grant_error = [&](const std::string& body, std::string_view description) {
    const HttpResponse r = f.Token(body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(Str(Json(r.body).at("error")), "invalid_grant") << r.body;
    EXPECT_EQ(Str(Json(r.body).at("error_description")), description) << r.body;
  };
  expect_grant_error(CodeBody(*code, "a-wrong-verifier-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
                     "Invalid code_verifier");
  expect_grant_error(CodeBody(*code, kVerifier, "state-2"), "Invalid state");
  expect_grant_error(CodeBody(*code, kVerifier, "state-1", "http://localhost:1/callback"),
                     "Invalid redirect_uri");
  expect_grant_error(CodeBody("no-such-code", kVerifier), "Invalid 'code' in request.");

  const HttpResponse ok = f.Token(CodeBody(*code, kVerifier));
  ASSERT_EQ(ok.status, 200) << ok.body;
  const boost::json::value tokens = Json(ok.body);
  EXPECT_EQ(Str(tokens.at("account").at("email_address")), "alice@example.com");
  EXPECT_EQ(f.Message(Str(tokens.at("access_token"))).status, 200);
  expect_grant_error(CodeBody(*code, kVerifier), "Invalid 'code' in request.");  // used
  // The login replaced the refresh token; the new one rotates.
  expect_grant_error(RefreshBody(kRefreshToken), "Refresh token not found or invalid");
  EXPECT_EQ(f.Token(RefreshBody(Str(tokens.at("refresh_token")))).status, 200);
  EXPECT_EQ(f.fake->OAuthAccount(kOAuthToken)->counters.rotations, 2);
}

TEST(OAuthTokenTest, CodesExpireAndMayOmitStateAndRedirectBinding) {
  FakeClock clock;
  Fixture f(clock);
  const std::string challenge = S256Challenge(kVerifier);
  absl::StatusOr<std::string> stale = f.fake->MintAuthCode(kOAuthToken, challenge);
  absl::StatusOr<std::string> fresh = f.fake->MintAuthCode(kOAuthToken, challenge);
  ASSERT_THAT(stale, IsOk());
  ASSERT_THAT(fresh, IsOk());
  EXPECT_NE(*stale, *fresh);
  clock.Advance(absl::Minutes(10));
  EXPECT_EQ(f.Token(CodeBody(*stale, kVerifier)).status, 400);
  absl::StatusOr<std::string> code = f.fake->MintAuthCode(kOAuthToken, challenge);
  ASSERT_THAT(code, IsOk());
  // Any state and redirect_uri are accepted when the code was not bound to them, and the
  // optional expires_in of the request sets the lifetime.
  std::string body = CodeBody(*code, kVerifier, "whatever", "http://localhost:9/callback");
  body.insert(body.size() - 1, R"(,"expires_in":120)");
  const HttpResponse r = f.Token(body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).at("expires_in").as_int64(), 120);
  EXPECT_FALSE(f.fake->MintAuthCode("nobody", challenge).ok());
  EXPECT_FALSE(f.fake->MintAuthCode(kOAuthToken, "").ok());
}

TEST(OAuthTokenTest, MalformedAndUnsupportedRequestsAreInvalidRequest) {
  FakeClock clock;
  Fixture f(clock);
  for (const std::string& body :
       {std::string("not json"), std::string("[]"), std::string(R"({"grant_type":"password"})"),
        std::string(R"({"grant_type":"refresh_token","refresh_token":"x"})"),
        std::string(R"({"grant_type":"refresh_token","refresh_token":7,"client_id":"c"})"),
        std::string(R"({"grant_type":"authorization_code","code":"x","client_id":"c"})"),
        std::string("{}")}) {
    const HttpResponse r = f.Token(body);
    EXPECT_EQ(r.status, 400) << body;
    const boost::json::value error = Json(r.body);
    EXPECT_EQ(Str(error.at("error")), "invalid_request") << body;
    EXPECT_FALSE(Str(error.at("error_description")).empty());
    EXPECT_EQ(Str(error.at("echo")), body);
  }
  auto get = f.client->Request("GET", "/v1/oauth/token");
  ASSERT_THAT(get, IsOk());
  EXPECT_EQ(get->status, 405);
  // None of that touched the account.
  EXPECT_EQ(f.fake->OAuthAccount(kOAuthToken)->refresh_token, kRefreshToken);
  EXPECT_EQ(f.Token(RefreshBody(kRefreshToken)).status, 200);
}

TEST(OAuthTokenTest, AccountsWithoutARefreshTokenOnlyLogIn) {
  FakeClock clock;
  FakeOptions options;
  options.clock = &clock;
  auto fake = StartFake(options);
  ASSERT_THAT(fake->AddAccount(OAuthAccount()), IsOk());
  EXPECT_EQ(fake->OAuthAccount(kOAuthToken)->refresh_token, "");
  EXPECT_EQ(fake->OAuthAccount(kOAuthToken)->expires_at, absl::InfiniteFuture());
  auto client = ConnectTo(*fake);
  auto r = client->Request("POST", "/v1/oauth/token", TokenHeaders(), RefreshBody(""));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 400);
  // Re-adding an account resets its tokens (but not its counters).
  FakeAccountSpec spec = OAuthAccount();
  spec.oauth.refresh_token = kRefreshToken;
  ASSERT_THAT(fake->AddAccount(spec), IsOk());
  r = client->Request("POST", "/v1/oauth/token", TokenHeaders(), RefreshBody(kRefreshToken));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  const std::string access = Str(Json(r->body).at("access_token"));
  ASSERT_THAT(fake->AddAccount(spec), IsOk());
  r = client->Request("POST", "/v1/messages", OAuthHeaders(access), MessageBody(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 401);  // forgotten with the old registration
  EXPECT_EQ(ErrorMessage(r->body), "Invalid bearer token");
  EXPECT_EQ(fake->OAuthAccount(kOAuthToken)->counters.rotations, 1);
}

}  // namespace
}  // namespace maxpool::fake
