// GET /api/oauth/profile and /api/oauth/usage over HTTP (anthropic-wire.md §5.4, §5.5,
// maxpool-behaviour.md §3.5): shapes, identity defaults, live quota, token errors.

#include <regex>
#include <string>

#include "fake/fake_upstream.h"
#include "fake/oauth_usage.h"
#include "fake/test_client.h"
#include "fake_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "oauth_test_util.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"

namespace maxpool::fake {
namespace {

using ::maxpool::fake::testing::ApiKeyAccount;
using ::maxpool::fake::testing::ConnectTo;
using ::maxpool::fake::testing::ErrorMessage;
using ::maxpool::fake::testing::ErrorType;
using ::maxpool::fake::testing::Json;
using ::maxpool::fake::testing::kApiKey;
using ::maxpool::fake::testing::kOAuthToken;
using ::maxpool::fake::testing::kRefreshToken;
using ::maxpool::fake::testing::MessageBody;
using ::maxpool::fake::testing::OAuthAccount;
using ::maxpool::fake::testing::OAuthHeaders;
using ::maxpool::fake::testing::RefreshBody;
using ::maxpool::fake::testing::ResourceHeaders;
using ::maxpool::fake::testing::StartFake;
using ::maxpool::fake::testing::Str;
using ::maxpool::fake::testing::TokenHeaders;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::IsOk;

bool IsUuid(const std::string& s) {
  static const std::regex kUuid(
      "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  return std::regex_match(s, kUuid);
}

struct Fixture {
  explicit Fixture(FakeClock& clock) {
    FakeOptions options;
    options.clock = &clock;
    fake = StartFake(options);
    client = ConnectTo(*fake);
  }
  HttpResponse Get(std::string_view path, const ClientHeaders& headers) {
    auto r = client->Request("GET", path, headers);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? *r : HttpResponse{};
  }
  std::unique_ptr<FakeUpstream> fake;
  std::unique_ptr<BlockingHttpClient> client;
};

// An OAuth error of the /api/oauth/* shape: type, message and details.error_visibility.
void ExpectResourceError(const HttpResponse& r, int status, std::string_view message) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(ErrorType(r.body), status == 401 ? "authentication_error" : "permission_error");
  EXPECT_EQ(ErrorMessage(r.body), message);
  const boost::json::value body = Json(r.body);
  EXPECT_EQ(Str(body.at("error").at("details").at("error_visibility")), "user_facing");
  EXPECT_EQ(Str(body.at("request_id")), r.Header("request-id").value_or("?"));
}

TEST(OAuthProfileTest, DefaultsDeriveFromTheAccountName) {
  FakeClock clock;
  Fixture f(clock);
  FakeAccountSpec spec = OAuthAccount();
  spec.name = "Alice Smith";
  ASSERT_THAT(f.fake->AddAccount(spec), IsOk());
  // Claude Code sends only the Bearer for the profile (§5.4): no beta needed.
  const HttpResponse r = f.Get("/api/oauth/profile", ResourceHeaders(kOAuthToken, false));
  ASSERT_EQ(r.status, 200) << r.body;
  const boost::json::value body = Json(r.body);
  const boost::json::value& account = body.at("account");
  EXPECT_TRUE(IsUuid(Str(account.at("uuid")))) << account;
  EXPECT_EQ(Str(account.at("display_name")), "Alice Smith");
  EXPECT_EQ(Str(account.at("email")), "alice-smith@example.com");
  EXPECT_TRUE(account.at("has_claude_max").as_bool());
  EXPECT_FALSE(account.at("has_claude_pro").as_bool());
  const boost::json::value& org = body.at("organization");
  EXPECT_TRUE(IsUuid(Str(org.at("uuid"))));
  EXPECT_NE(Str(org.at("uuid")), Str(account.at("uuid")));
  EXPECT_EQ(Str(org.at("name")), "Alice Smith's Organization");
  EXPECT_EQ(Str(org.at("organization_type")), "claude_max");
  EXPECT_EQ(Str(org.at("rate_limit_tier")), "default_claude_max_5x");
  EXPECT_EQ(Str(body.at("application").at("slug")), "claude-code");

  // Stable: another fake derives the same ids for the same credential.
  Fixture other(clock);
  ASSERT_THAT(other.fake->AddAccount(spec), IsOk());
  const HttpResponse again = other.Get("/api/oauth/profile", ResourceHeaders(kOAuthToken));
  EXPECT_EQ(Str(Json(again.body).at("account").at("uuid")), Str(account.at("uuid")));
  EXPECT_EQ(f.fake->OAuthAccount(kOAuthToken)->counters.profile_calls, 1);
}

TEST(OAuthProfileTest, ReportsTheConfiguredIdentityForAnyOfItsTokens) {
  FakeClock clock;
  Fixture f(clock);
  ASSERT_THAT(f.fake->ApplyScenario(R"({"accounts":[{"credential":"sk-ant-oat01-test-a",
      "refresh_token":"sk-ant-ort01-test-a","uuid":"11111111-2222-4333-8444-555555555555",
      "email":"bob@corp.example","display_name":"Bob","tier":"pro",
      "organization":{"uuid":"99999999-2222-4333-8444-555555555555","name":"Corp"}}]})"),
              IsOk());
  auto token =
      f.client->Request("POST", "/v1/oauth/token", TokenHeaders(), RefreshBody(kRefreshToken));
  ASSERT_THAT(token, IsOk());
  ASSERT_EQ(token->status, 200);
  EXPECT_EQ(Str(Json(token->body).at("account").at("email_address")), "bob@corp.example");
  const std::string access = Str(Json(token->body).at("access_token"));
  const HttpResponse r = f.Get("/api/oauth/profile", ResourceHeaders(access));
  ASSERT_EQ(r.status, 200) << r.body;
  const boost::json::value body = Json(r.body);
  EXPECT_EQ(Str(body.at("account").at("uuid")), "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(Str(body.at("account").at("email")), "bob@corp.example");
  EXPECT_EQ(Str(body.at("account").at("display_name")), "Bob");
  EXPECT_FALSE(body.at("account").at("has_claude_max").as_bool());
  EXPECT_TRUE(body.at("account").at("has_claude_pro").as_bool());
  EXPECT_EQ(Str(body.at("organization").at("uuid")), "99999999-2222-4333-8444-555555555555");
  EXPECT_EQ(Str(body.at("organization").at("name")), "Corp");
  EXPECT_EQ(Str(body.at("organization").at("organization_type")), "claude_pro");

  // Identity changes through UpdateOAuth.
  OAuthAccountSpec update;
  update.tier = "max_20x";
  ASSERT_THAT(f.fake->UpdateOAuth(kOAuthToken, update), IsOk());
  const boost::json::value changed =
      Json(f.Get("/api/oauth/profile", ResourceHeaders(access)).body);
  EXPECT_EQ(Str(changed.at("organization").at("rate_limit_tier")), "default_claude_max_20x");
  EXPECT_EQ(Str(changed.at("account").at("email")), "bob@corp.example");
}

TEST(OAuthUsageTest, ReportsLiveQuotaInBothShapes) {
  FakeClock clock;
  Fixture f(clock);
  FakeAccountSpec spec = OAuthAccount();
  spec.utilization_5h = 0.10;
  spec.utilization_7d = 0.29;
  spec.increment_5h = 0.05;
  spec.increment_7d = 0;
  spec.reset_5h = clock.Now() + absl::Hours(1);
  spec.reset_7d = clock.Now() + absl::Hours(50);
  spec.scoped_7d["Fable"] = 0.32;
  ASSERT_THAT(f.fake->AddAccount(spec), IsOk());

  HttpResponse r = f.Get("/api/oauth/usage", ResourceHeaders(kOAuthToken));
  ASSERT_EQ(r.status, 200) << r.body;
  boost::json::value body = Json(r.body);
  EXPECT_DOUBLE_EQ(body.at("five_hour").at("utilization").as_double(), 10.0);
  EXPECT_EQ(Str(body.at("five_hour").at("resets_at")), "2026-11-26T13:00:00.000000+00:00");
  EXPECT_DOUBLE_EQ(body.at("seven_day").at("utilization").as_double(), 29.0);
  EXPECT_EQ(Str(body.at("seven_day").at("resets_at")), "2026-11-28T14:00:00.000000+00:00");
  EXPECT_TRUE(body.at("seven_day_opus").is_null());
  EXPECT_FALSE(body.at("extra_usage").at("is_enabled").as_bool());
  const boost::json::array& limits = body.at("limits").as_array();
  ASSERT_EQ(limits.size(), 3u);
  EXPECT_EQ(Str(limits[0].at("kind")), "session");
  EXPECT_EQ(Str(limits[0].at("group")), "session");
  EXPECT_EQ(limits[0].at("percent").as_int64(), 10);
  EXPECT_EQ(Str(limits[0].at("severity")), "normal");
  EXPECT_EQ(Str(limits[0].at("resets_at")), "2026-11-26T13:00:00.000000+00:00");
  EXPECT_TRUE(limits[0].at("scope").is_null());
  EXPECT_FALSE(limits[0].at("is_active").as_bool());
  EXPECT_EQ(Str(limits[1].at("kind")), "weekly_all");
  EXPECT_EQ(Str(limits[1].at("group")), "weekly");
  EXPECT_EQ(limits[1].at("percent").as_int64(), 29);
  EXPECT_EQ(Str(limits[2].at("kind")), "weekly_scoped");
  EXPECT_EQ(limits[2].at("percent").as_int64(), 32);
  EXPECT_EQ(Str(limits[2].at("scope").at("model").at("display_name")), "Fable");
  EXPECT_TRUE(limits[2].at("is_active").as_bool());

  // Served requests move it; the probe itself spends nothing.
  auto m = f.client->Request("POST", "/v1/messages", OAuthHeaders(), MessageBody(false));
  ASSERT_THAT(m, IsOk());
  ASSERT_EQ(m->status, 200);
  body = Json(f.Get("/api/oauth/usage", ResourceHeaders(kOAuthToken)).body);
  EXPECT_DOUBLE_EQ(body.at("five_hour").at("utilization").as_double(), 15.0);
  EXPECT_EQ(body.at("limits").at(0).at("percent").as_int64(), 15);
  EXPECT_EQ(f.fake->Stats()[kOAuthToken].requests, 1);
  EXPECT_EQ(f.fake->OAuthAccount(kOAuthToken)->counters.usage_calls, 2);

  // The 5h window rolls over at its reset.
  clock.Advance(absl::Hours(1));
  body = Json(f.Get("/api/oauth/usage", ResourceHeaders(kOAuthToken)).body);
  EXPECT_DOUBLE_EQ(body.at("five_hour").at("utilization").as_double(), 0.0);
  EXPECT_EQ(Str(body.at("five_hour").at("resets_at")), "2026-11-26T18:00:00.000000+00:00");
}

TEST(OAuthUsageTest, SeverityAndFullWindows) {
  QuotaSnapshot q;
  q.utilization_5h = 1.0;
  q.utilization_7d = 0.8;
  q.reset_5h = absl::FromUnixSeconds(1795694400);
  q.reset_7d = q.reset_5h + absl::Seconds(1.5);
  q.scoped_7d["Opus"] = 0.95;
  const boost::json::value body = Json(UsageJson(q));
  const boost::json::array& limits = body.at("limits").as_array();
  EXPECT_EQ(limits[0].at("percent").as_int64(), 100);
  EXPECT_EQ(Str(limits[0].at("severity")), "critical");
  EXPECT_TRUE(limits[0].at("is_active").as_bool());
  EXPECT_EQ(limits[1].at("percent").as_int64(), 80);
  EXPECT_EQ(Str(limits[1].at("severity")), "warning");
  EXPECT_FALSE(limits[1].at("is_active").as_bool());
  EXPECT_EQ(Str(limits[1].at("resets_at")), "2026-11-26T12:00:01.500000+00:00");
  EXPECT_EQ(limits[2].at("percent").as_int64(), 95);
  EXPECT_EQ(Str(limits[2].at("scope").at("model").at("id")), "claude-opus");
  EXPECT_DOUBLE_EQ(body.at("seven_day_opus").at("utilization").as_double(), 95.0);
  EXPECT_TRUE(body.at("seven_day_sonnet").is_null());
  // 0.29 is 29 %, not 28 (floating point).
  q.utilization_5h = 0.29;
  EXPECT_EQ(Json(UsageJson(q)).at("limits").at(0).at("percent").as_int64(), 29);
}

TEST(OAuthResourceTest, BadTokensGetTheDetailedErrorShape) {
  FakeClock clock;
  Fixture f(clock);
  FakeAccountSpec spec = OAuthAccount();
  spec.oauth.expires_in = absl::Seconds(60);
  ASSERT_THAT(f.fake->AddAccount(spec), IsOk());
  ASSERT_THAT(f.fake->AddAccount(ApiKeyAccount()), IsOk());
  for (const char* path : {"/api/oauth/usage", "/api/oauth/profile"}) {
    ExpectResourceError(f.Get(path, ResourceHeaders("sk-ant-oat01-unknown")), 401,
                        "Invalid bearer token");
    ExpectResourceError(f.Get(path, ResourceHeaders(kApiKey)), 401, "Invalid bearer token");
    ExpectResourceError(f.Get(path, {}), 401, "Invalid bearer token");
  }
  ExpectResourceError(f.Get("/api/oauth/usage", ResourceHeaders(kOAuthToken, false)), 401,
                      "OAuth authentication is currently not supported.");
  clock.Advance(absl::Seconds(60));
  ExpectResourceError(f.Get("/api/oauth/usage", ResourceHeaders(kOAuthToken)), 401,
                      "OAuth token has expired. Please obtain a new token.");
  ExpectResourceError(f.Get("/api/oauth/profile", ResourceHeaders(kOAuthToken)), 401,
                      "OAuth token has expired. Please obtain a new token.");
  EXPECT_EQ(f.fake->OAuthAccount(kOAuthToken)->counters.usage_calls, 2);
  auto post = f.client->Request("POST", "/api/oauth/usage", ResourceHeaders(kOAuthToken), "{}");
  ASSERT_THAT(post, IsOk());
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(f.fake->Stats()[kOAuthToken].requests, 0);  // none of it is API traffic
}

TEST(OAuthResourceTest, UnknownOAuthTokensBecomeAccountsWhenAccepted) {
  FakeOptions options;
  options.accept_unknown_credentials = true;
  auto fake = StartFake(options);
  auto client = ConnectTo(*fake);
  auto r = client->Request("GET", "/api/oauth/usage", ResourceHeaders("sk-ant-oat01-new"));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(fake->OAuthAccount("sk-ant-oat01-new").has_value());
}

}  // namespace
}  // namespace maxpool::fake
