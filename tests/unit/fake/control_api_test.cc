// The /_fake/ control API over HTTP, scenarios and the binary's command line.

#include "fake/control_api.h"

#include "fake/fake_cli.h"
#include "fake/scenario.h"
#include "fake/test_client.h"
#include "fake_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"

namespace maxpool::fake {
namespace {

using ::maxpool::fake::testing::ApiKeyHeaders;
using ::maxpool::fake::testing::ConnectTo;
using ::maxpool::fake::testing::ErrorMessage;
using ::maxpool::fake::testing::Json;
using ::maxpool::fake::testing::MessageBody;
using ::maxpool::fake::testing::OAuthHeaders;
using ::maxpool::fake::testing::StartFake;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kToken[] = "sk-ant-oat01-control";

TEST(ControlApiTest, RoundTripOverHttp) {
  auto fake = StartFake();
  auto client = ConnectTo(*fake);
  auto r = client->Request("POST", "/_fake/accounts", {{"content-type", "application/json"}},
                           R"([{"credential":"sk-ant-oat01-control","type":"oauth",
                                "utilization_5h":0.5,"increment_5h":0},
                               {"credential":"sk-ant-api03-control","type":"apikey"}])");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Json(r->body).at("accounts").as_int64(), 2);

  r = client->Request("POST", "/_fake/script", {},
                      R"({"credential":"sk-ant-oat01-control",
                          "behaviours":[{"kind":"throttle_429","retry_after":120},
                                        {"kind":"server_error","status":502}]})");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->status, 200) << r->body;
  r = client->Request("POST", "/_fake/default", {},
                      R"({"credential":"sk-ant-oat01-control","behaviour":"overloaded_529"})");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->status, 200) << r->body;

  std::vector<int> statuses;
  for (int i = 0; i < 3; ++i) {
    auto answer = client->Request("POST", "/v1/messages", OAuthHeaders(kToken), MessageBody(false));
    ASSERT_THAT(answer, IsOk());
    statuses.push_back(answer->status);
  }
  EXPECT_EQ(statuses, (std::vector<int>{429, 502, 529}));

  auto accounts = client->Request("GET", "/_fake/accounts");
  ASSERT_THAT(accounts, IsOk());
  const boost::json::value state = Json(accounts->body);
  EXPECT_EQ(state.at(kToken).at("utilization_5h").as_double(), 0.5);
  EXPECT_EQ(state.at(kToken).at("script_remaining").as_int64(), 0);
  EXPECT_EQ(state.at(kToken).at("default").at("kind").as_string(), "overloaded_529");

  auto requests = client->Request("GET", "/_fake/requests");
  ASSERT_THAT(requests, IsOk());
  const boost::json::value recorded = Json(requests->body);
  const boost::json::array& list = recorded.at("requests").as_array();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].at("behaviour").as_string(), "throttle_429");
  EXPECT_EQ(list[0].at("credential").as_string(), kToken);
  EXPECT_EQ(list[0].at("target").as_string(), "/v1/messages");
  bool saw_beta = false;
  for (const auto& header : list[0].at("headers").as_array()) {
    if (header.at(0).as_string() == "anthropic-beta") {
      saw_beta = true;
      EXPECT_EQ(header.at(1).as_string(), "claude-code-20250219,oauth-2025-04-20");
    }
  }
  EXPECT_TRUE(saw_beta);

  auto stats = client->Request("GET", "/_fake/stats");
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(Json(stats->body).at("stats").at(kToken).at("requests").as_int64(), 3);

  auto cleared = client->Request("DELETE", "/_fake/requests");
  ASSERT_THAT(cleared, IsOk());
  EXPECT_EQ(Json(cleared->body).at("cleared").as_int64(), 3);
  EXPECT_TRUE(fake->Requests().empty());
}

TEST(ControlApiTest, ReplaceScript) {
  auto fake = StartFake();
  auto client = ConnectTo(*fake);
  ASSERT_THAT(client->Request("POST", "/_fake/accounts", {},
                              R"({"credential":"sk-ant-api03-x","type":"apikey",
                                  "script":["quota_429","quota_429"]})"),
              IsOk());
  auto r = client->Request("POST", "/_fake/script", {},
                           R"({"credential":"sk-ant-api03-x","behaviours":["headerless_429"],
                               "replace":true})");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->status, 200);
  auto answer =
      client->Request("POST", "/v1/messages", ApiKeyHeaders("sk-ant-api03-x"), MessageBody(false));
  ASSERT_THAT(answer, IsOk());
  EXPECT_EQ(answer->status, 429);
  EXPECT_TRUE(answer->Header("anthropic-ratelimit-tokens-limit") == std::nullopt);
  answer =
      client->Request("POST", "/v1/messages", ApiKeyHeaders("sk-ant-api03-x"), MessageBody(false));
  ASSERT_THAT(answer, IsOk());
  EXPECT_EQ(answer->status, 200);
}

TEST(ControlApiTest, ErrorsAreExplicit) {
  auto fake = StartFake();
  auto client = ConnectTo(*fake);
  auto r = client->Request("POST", "/_fake/accounts", {}, R"({"type":"oauth"})");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 400);
  EXPECT_THAT(Json(r->body).at("error").as_string().c_str(), HasSubstr("credential"));
  r = client->Request("POST", "/_fake/script", {},
                      R"({"credential":"nobody","behaviours":["ok"]})");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 404);
  r = client->Request("POST", "/_fake/script", {},
                      R"({"credential":"nobody","behaviours":[{"kind":"nope"}]})");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 400);
  r = client->Request("GET", "/_fake/nothing");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 404);
  r = client->Request("PUT", "/_fake/stats", {}, "{}");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 405);
  r = client->Request("GET", "/_fake/health");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
}

TEST(ScenarioTest, ParsesAccountsWithScripts) {
  FakeClock clock;
  auto specs = ParseScenario(R"({"accounts":[
      {"credential":"a","type":"oauth","utilization_5h":0.1,"reset_5h_in":3600,
       "script":[{"kind":"quota_429","retry_after":120}],"default":"ok"},
      {"credential":"k","type":"apikey","tokens_limit":5000}]})",
                             clock.Now());
  ASSERT_THAT(specs, IsOk());
  ASSERT_EQ(specs->size(), 2u);
  EXPECT_EQ((*specs)[0].script.size(), 1u);
  EXPECT_EQ((*specs)[0].reset_5h, clock.Now() + absl::Hours(1));
  EXPECT_EQ((*specs)[1].tokens_limit, 5000);
  EXPECT_THAT(ParseScenario(R"({"accounts":[{"credential":"a","oops":1}]})", clock.Now()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("accounts[0]")));
  EXPECT_THAT(ParseScenario(R"({"acounts":[]})", clock.Now()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("acounts")));
  EXPECT_THAT(LoadScenarioFile("/nonexistent/scenario.json", clock.Now()),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(ScenarioTest, ApplyScenarioInstallsAccounts) {
  auto fake = StartFake();
  ASSERT_THAT(fake->ApplyScenario(R"({"accounts":[{"credential":"sk-ant-oat01-s",
                                      "script":["overloaded_529"]}]})"),
              IsOk());
  auto client = ConnectTo(*fake);
  auto r =
      client->Request("POST", "/v1/messages", OAuthHeaders("sk-ant-oat01-s"), MessageBody(false));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 529);
}

TEST(FakeCliTest, ParsesOptions) {
  auto cli = ParseFakeCli({"--host", "0.0.0.0", "--port=8089", "--scenario", "s.json", "--tls-cert",
                           "c.pem", "--tls-key=k.pem", "--threads", "4", "--fixed",
                           "--accept-any-credential", "--no-record"});
  ASSERT_THAT(cli, IsOk());
  EXPECT_EQ(cli->options.host, "0.0.0.0");
  EXPECT_EQ(cli->options.port, 8089);
  EXPECT_EQ(cli->scenario_file, "s.json");
  EXPECT_EQ(cli->options.tls_cert_file, "c.pem");
  EXPECT_EQ(cli->options.tls_key_file, "k.pem");
  EXPECT_EQ(cli->options.threads, 4);
  EXPECT_TRUE(cli->options.fixed_responses);
  EXPECT_TRUE(cli->options.accept_unknown_credentials);
  EXPECT_FALSE(cli->options.record_requests);
  EXPECT_THAT(ParseFakeCli({"--port", "70000"}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseFakeCli({"--port"}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseFakeCli({"--bogus"}), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace maxpool::fake
