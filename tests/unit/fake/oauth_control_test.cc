// The /_fake/oauth control paths over HTTP, the OAuth fields of account specs and scenarios, and
// the token material helpers (oauth_crypto.h).

#include <set>
#include <string>

#include "fake/fake_account.h"
#include "fake/fake_upstream.h"
#include "fake/oauth_crypto.h"
#include "fake/scenario.h"
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
using ::maxpool::fake::testing::Json;
using ::maxpool::fake::testing::MessageBody;
using ::maxpool::fake::testing::OAuthHeaders;
using ::maxpool::fake::testing::RefreshBody;
using ::maxpool::fake::testing::StartFake;
using ::maxpool::fake::testing::Str;
using ::maxpool::fake::testing::TokenHeaders;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::StartsWith;

constexpr char kToken[] = "sk-ant-oat01-control";
constexpr char kVerifier[] = "dBjftJeZ4CVP-mJ92K9Ij8BHb8g2FSgJZcxXk7ZLeS0";

TEST(OAuthCryptoTest, Encodings) {
  EXPECT_EQ(Base64Url(""), "");
  EXPECT_EQ(Base64Url("f"), "Zg");
  EXPECT_EQ(Base64Url("fo"), "Zm8");
  EXPECT_EQ(Base64Url("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Url("\xfb\xff"), "-_8");
  // base64url(SHA-256(verifier)), computed independently with Python's hashlib.
  EXPECT_EQ(S256Challenge(kVerifier), "IYPmxamhukhydvl67enVGZtnG03xkyO8zEoiSnOB5yc");
  EXPECT_EQ(UuidFromSeed("a"), UuidFromSeed("a"));
  EXPECT_NE(UuidFromSeed("a"), UuidFromSeed("b"));
  EXPECT_EQ(UuidFromSeed("a").size(), 36u);
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string access = NewAccessToken();
    EXPECT_THAT(access, StartsWith("sk-ant-oat01-"));
    EXPECT_EQ(access.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789-_"),
              std::string::npos);
    EXPECT_TRUE(seen.insert(access).second);
    EXPECT_THAT(NewRefreshToken(), StartsWith("sk-ant-ort01-"));
  }
  EXPECT_EQ(NewAuthCode().size(), 43u);
}

TEST(OAuthSpecTest, AccountSpecCarriesTheOAuthFields) {
  FakeClock clock;
  auto spec = ParseAccountSpec(Json(R"({"credential":"sk-ant-oat01-x","name":"x",
      "refresh_token":"sk-ant-ort01-x","expires_in":600,"expires_at":1795694500000,
      "uuid":"u","email":"x@example.com","display_name":"X","organization":"Org X",
      "organization_uuid":"o","tier":"max_20x","scope":"user:inference",
      "revoke_old_access":true,"scoped_7d":{"Fable":0.5}})"),
                               clock.Now());
  ASSERT_THAT(spec, IsOk());
  const OAuthAccountSpec& o = spec->oauth;
  EXPECT_THAT(o.refresh_token, Optional(std::string("sk-ant-ort01-x")));
  EXPECT_THAT(o.expires_in, Optional(absl::Seconds(600)));
  EXPECT_THAT(o.expires_at, Optional(absl::FromUnixMillis(1795694500000)));
  EXPECT_THAT(o.uuid, Optional(std::string("u")));
  EXPECT_THAT(o.email, Optional(std::string("x@example.com")));
  EXPECT_THAT(o.display_name, Optional(std::string("X")));
  EXPECT_THAT(o.organization_name, Optional(std::string("Org X")));
  EXPECT_THAT(o.organization_uuid, Optional(std::string("o")));
  EXPECT_THAT(o.tier, Optional(std::string("max_20x")));
  EXPECT_THAT(o.scope, Optional(std::string("user:inference")));
  EXPECT_THAT(o.revoke_old_access, Optional(true));
  EXPECT_EQ(spec->scoped_7d.at("Fable"), 0.5);
  for (const char* bad :
       {R"({"credential":"c","tier":"gold"})", R"({"credential":"c","expires_in":"soon"})",
        R"({"credential":"c","organization":{"id":"x"}})", R"({"credential":"c","uuid":7})",
        R"({"credential":"c","revoke_old_access":1})", R"({"credential":"c","scoped_7d":[1]})"}) {
    EXPECT_THAT(ParseAccountSpec(Json(bad), clock.Now()),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST(OAuthControlTest, DrivesTheOAuthServerOverHttp) {
  FakeClock clock;
  FakeOptions options;
  options.clock = &clock;
  auto fake = StartFake(options);
  auto client = ConnectTo(*fake);
  auto call = [&](std::string_view method, std::string_view path, std::string_view body = {}) {
    auto r = client->Request(method, path, {{"content-type", "application/json"}}, body);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? *r : HttpResponse{};
  };
  ASSERT_EQ(call("POST", "/_fake/accounts",
                 R"({"credential":"sk-ant-oat01-control","name":"ctl",
                     "refresh_token":"sk-ant-ort01-control","expires_in":900})")
                .status,
            200);

  boost::json::value state = Json(call("GET", "/_fake/oauth").body);
  const boost::json::value& account = state.at("accounts").at(kToken);
  EXPECT_EQ(Str(account.at("access_token")), kToken);
  EXPECT_EQ(Str(account.at("refresh_token")), "sk-ant-ort01-control");
  EXPECT_EQ(account.at("expires_at").as_int64(),
            absl::ToUnixMillis(clock.Now() + absl::Seconds(900)));
  EXPECT_FALSE(account.at("expired").as_bool());
  EXPECT_EQ(account.at("token_lifetime_s").as_int64(), 900);
  EXPECT_EQ(Str(account.at("email")), "ctl@example.com");
  EXPECT_EQ(state.at("token_calls").as_int64(), 0);

  // Codes.
  const std::string challenge = S256Challenge(kVerifier);
  HttpResponse r = call("POST", "/_fake/oauth/codes",
                        R"({"credential":"sk-ant-oat01-control","code_challenge":")" + challenge +
                            R"(","state":"state-1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string code = Str(Json(r.body).at("code"));
  auto token =
      client->Request("POST", "/v1/oauth/token", TokenHeaders(), CodeBody(code, kVerifier));
  ASSERT_THAT(token, IsOk());
  ASSERT_EQ(token->status, 200) << token->body;
  const std::string access = Str(Json(token->body).at("access_token"));
  EXPECT_EQ(Json(token->body).at("expires_in").as_int64(), 900);

  // Updating the account: a new refresh token (the old one is spent), a new identity.
  ASSERT_EQ(call("POST", "/_fake/oauth/accounts",
                 R"([{"credential":"sk-ant-oat01-control","refresh_token":"sk-ant-ort01-set",
                      "email":"new@example.com"}])")
                .status,
            200);
  token = client->Request("POST", "/v1/oauth/token", TokenHeaders(),
                          RefreshBody(Str(Json(token->body).at("refresh_token"))));
  ASSERT_THAT(token, IsOk());
  EXPECT_EQ(token->status, 400);
  token =
      client->Request("POST", "/v1/oauth/token", TokenHeaders(), RefreshBody("sk-ant-ort01-set"));
  ASSERT_THAT(token, IsOk());
  ASSERT_EQ(token->status, 200);
  EXPECT_EQ(Str(Json(token->body).at("account").at("email_address")), "new@example.com");

  // Expire: API calls with any of its tokens get the expiry 401.
  ASSERT_EQ(call("POST", "/_fake/oauth/expire", R"({"credential":"sk-ant-oat01-control"})").status,
            200);
  auto m = client->Request("POST", "/v1/messages", OAuthHeaders(access), MessageBody(false));
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->status, 401);
  EXPECT_EQ(ErrorMessage(m->body), "OAuth token has expired. Please obtain a new token.");
  // expires_in through the control API revives the current token for that long.
  ASSERT_EQ(call("POST", "/_fake/oauth/accounts",
                 R"({"credential":"sk-ant-oat01-control","expires_in":60})")
                .status,
            200);
  state = Json(call("GET", "/_fake/oauth").body);
  EXPECT_FALSE(state.at("accounts").at(kToken).at("expired").as_bool());
  EXPECT_EQ(state.at("accounts").at(kToken).at("token_lifetime_s").as_int64(), 60);

  // Faults: script then default.
  ASSERT_EQ(call("POST", "/_fake/oauth/script",
                 R"({"faults":[{"kind":"status","status":429,"retry_after":5}]})")
                .status,
            200);
  ASSERT_EQ(call("POST", "/_fake/oauth/default", R"({"fault":"invalid_grant"})").status, 200);
  state = Json(call("GET", "/_fake/oauth").body);
  EXPECT_EQ(state.at("script").as_array().size(), 1u);
  EXPECT_EQ(Str(state.at("default").at("kind")), "invalid_grant");
  const std::string current = Str(state.at("accounts").at(kToken).at("refresh_token"));
  token = client->Request("POST", "/v1/oauth/token", TokenHeaders(), RefreshBody(current));
  ASSERT_THAT(token, IsOk());
  EXPECT_EQ(token->status, 429);
  EXPECT_THAT(token->Header("retry-after"), Optional(std::string("5")));
  token = client->Request("POST", "/v1/oauth/token", TokenHeaders(), RefreshBody(current));
  ASSERT_THAT(token, IsOk());
  EXPECT_EQ(token->status, 400);
  ASSERT_EQ(call("POST", "/_fake/oauth/script", R"({"faults":["ok"],"replace":true})").status, 200);
  token = client->Request("POST", "/v1/oauth/token", TokenHeaders(), RefreshBody(current));
  ASSERT_THAT(token, IsOk());
  EXPECT_EQ(token->status, 200);

  state = Json(call("GET", "/_fake/oauth").body);
  const boost::json::value& after = state.at("accounts").at(kToken);
  EXPECT_EQ(state.at("token_calls").as_int64(), 6);
  EXPECT_EQ(after.at("token_calls").as_int64(), 6);
  EXPECT_EQ(after.at("refresh_calls").as_int64(), 5);
  EXPECT_EQ(after.at("rotations").as_int64(), 3);
  EXPECT_EQ(after.at("rejected").as_int64(), 2);
  const boost::json::array& presented = state.at("presented").as_array();
  ASSERT_EQ(presented.size(), 5u);
  EXPECT_FALSE(presented[0].at("accepted").as_bool());  // spent by the update
  EXPECT_EQ(Str(presented[1].at("refresh_token")), "sk-ant-ort01-set");
  EXPECT_TRUE(presented[1].at("accepted").as_bool());
  EXPECT_EQ(Str(presented[2].at("fault")), "status");
  EXPECT_EQ(Str(presented[3].at("fault")), "invalid_grant");
  EXPECT_TRUE(presented[4].at("accepted").as_bool());
  EXPECT_EQ(Str(presented[4].at("credential")), kToken);
}

TEST(OAuthControlTest, ErrorsAreExplicit) {
  auto fake = StartFake();
  auto client = ConnectTo(*fake);
  auto status = [&](std::string_view method, std::string_view path, std::string_view body = {}) {
    auto r = client->Request(method, path, {}, body);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? r->status : 0;
  };
  ASSERT_EQ(status("POST", "/_fake/accounts", R"({"credential":"sk-ant-api03-k","type":"apikey"})"),
            200);
  EXPECT_EQ(status("POST", "/_fake/oauth/codes", R"({"credential":"nobody","code_challenge":"c"})"),
            404);
  EXPECT_EQ(status("POST", "/_fake/oauth/codes", R"({"credential":"sk-ant-api03-k",
                                                     "code_challenge":"c"})"),
            404);  // not an OAuth account
  EXPECT_EQ(status("POST", "/_fake/oauth/codes", R"({"code_challenge":"c"})"), 400);
  EXPECT_EQ(status("POST", "/_fake/oauth/expire", R"({"credential":"nobody"})"), 404);
  EXPECT_EQ(status("POST", "/_fake/oauth/accounts", R"({"credential":"nobody","tier":"pro"})"),
            404);
  EXPECT_EQ(status("POST", "/_fake/oauth/accounts", R"({"credential":"x","bogus":1})"), 400);
  EXPECT_EQ(status("POST", "/_fake/oauth/accounts", R"({"tier":"pro"})"), 400);
  EXPECT_EQ(status("POST", "/_fake/oauth/script", R"({"faults":["refuse"]})"), 400);
  EXPECT_EQ(status("POST", "/_fake/oauth/script", R"({})"), 400);
  EXPECT_EQ(status("POST", "/_fake/oauth/default", R"({"fault":{"kind":"ok","consume":true}})"),
            400);
  EXPECT_EQ(status("POST", "/_fake/oauth/script", "not json"), 400);
  EXPECT_EQ(status("GET", "/_fake/oauth/codes"), 405);
  EXPECT_EQ(status("POST", "/_fake/oauth"), 405);
  EXPECT_EQ(status("GET", "/_fake/oauth/nothing"), 404);
}

TEST(OAuthScenarioTest, ScenariosCarryTokenEndpointFaults) {
  FakeClock clock;
  auto scenario = ParseScenarioDocument(R"({"accounts":[{"credential":"sk-ant-oat01-s",
      "refresh_token":"sk-ant-ort01-s"}],
      "token_endpoint":{"script":[{"kind":"reset","consume":true}],"default":"ok"}})",
                                        clock.Now());
  ASSERT_THAT(scenario, IsOk());
  ASSERT_EQ(scenario->token_script.size(), 1u);
  EXPECT_TRUE(scenario->token_script[0].consume);
  EXPECT_TRUE(scenario->token_default.has_value());
  EXPECT_THAT(
      ParseScenarioDocument(R"({"accounts":[],"token_endpoint":{"scrip":[]}})", clock.Now()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scrip")));
  EXPECT_THAT(
      ParseScenarioDocument(R"({"accounts":[],"token_endpoint":{"script":["nope"]}})", clock.Now()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("token_endpoint.script")));

  auto fake = StartFake();
  ASSERT_THAT(fake->ApplyScenario(*std::move(scenario)), IsOk());
  auto client = ConnectTo(*fake);
  EXPECT_THAT(
      client->Request("POST", "/v1/oauth/token", TokenHeaders(), RefreshBody("sk-ant-ort01-s")),
      StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_NE(fake->OAuthAccount("sk-ant-oat01-s")->refresh_token, "sk-ant-ort01-s");
  EXPECT_EQ(fake->token_url(), fake->base_url() + "/v1/oauth/token");
}

}  // namespace
}  // namespace maxpool::fake
