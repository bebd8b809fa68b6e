// The quota prober against the fake upstream's usage and token endpoints (spec §12.2, §3.5,
// §7.7): idle accounts' readings arrive without a single /v1/messages call, a 401 goes through
// the refresher once, a disabled account is never refreshed, and an account that needs a login
// is no longer probed.

#include "server/quota_prober.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "credentials/token_refresher.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/pool_credential.h"
#include "support/proxy_harness.h"
#include "support/router_harness.h"
#include "support/scripted_upstream.h"

namespace maxpool::server {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::ProxyHarness;

// The prober's shortest interval gives its shortest gap between two OAuth probes: 6 s.
constexpr absl::Duration kInterval = absl::Seconds(6);

class QuotaProberTest : public ::testing::Test {
 protected:
  // An OAuth account at the fake with the given quota, and in the pool with `refresh_token` and
  // `expires_in` left on its access token.
  std::string AddOAuth(const std::string& name, double utilization_5h, double utilization_7d,
                       std::string refresh_token = "", absl::Duration expires_in = absl::Hours(8),
                       bool enabled = true, absl::Duration reset_7d_in = absl::Hours(30)) {
    fake::FakeAccountSpec spec;
    spec.type = fake::AccountType::kOAuth;
    spec.utilization_5h = utilization_5h;
    spec.utilization_7d = utilization_7d;
    spec.reset_7d = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() + reset_7d_in));
    if (!refresh_token.empty()) spec.oauth.refresh_token = refresh_token;
    spec.oauth.expires_at = absl::Now() + expires_in;
    return h_.AddAccount(name, spec, 0,
                         [&](core::AccountSettings& settings, pool::Credential& credential) {
                           settings.enabled = enabled;
                           credential.refresh_token = refresh_token;
                           credential.expires_at_ms = absl::ToUnixMillis(absl::Now() + expires_in);
                         });
  }

  void Start() { StartWith(absl::StrCat(h_.upstream().base_url(), "/api/oauth/usage")); }

  // `usage_url` "": each account's upstream.
  void StartWith(const std::string& usage_url) {
    credentials::RefresherOptions refresh;
    refresh.token_url = h_.upstream().token_url();
    auto refresher = credentials::TokenRefresher::Create(
        h_.pool().clock(), refresh,
        [](const std::string&, const std::string&, const credentials::TokenSet&) {
          return absl::OkStatus();
        },
        [this](const std::string& account, const credentials::FreshToken& outcome) {
          h_.pool().RefreshOutcome(account, outcome);
        });
    ASSERT_TRUE(refresher.ok()) << refresher.status();
    refresher_ = std::move(*refresher);
    h_.pool().SetTokenRefresher(refresher_.get());
    QuotaProberOptions options;
    options.interval = kInterval;
    options.usage_url = usage_url;
    auto prober =
        QuotaProber::Start(h_.pool(), refresher_.get(), options, [this](const std::string& line) {
          std::lock_guard<std::mutex> lock(log_mu_);
          log_.push_back(line);
        });
    ASSERT_TRUE(prober.ok()) << prober.status();
    prober_ = std::move(*prober);
  }

  void TearDown() override {
    if (prober_) prober_->Stop();
    refresher_.reset();
    prober_.reset();
  }

  core::AccountState StateOf(const std::string& name) {
    for (const core::Account& a : h_.pool().Snapshot()) {
      if (a.settings.name == name) return a.state;
    }
    ADD_FAILURE() << "no account " << name;
    return {};
  }

  int64_t UsageCalls(const std::string& credential) {
    const std::optional<fake::OAuthAccountView> view = h_.upstream().OAuthAccount(credential);
    return view ? view->counters.usage_calls : -1;
  }

  int64_t MessagesCalls() {
    int64_t calls = 0;
    for (const auto& [credential, stats] : h_.upstream().Stats()) calls += stats.requests;
    return calls;
  }

  ProxyHarness h_;
  std::unique_ptr<credentials::TokenRefresher> refresher_;
  std::unique_ptr<QuotaProber> prober_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_F(QuotaProberTest, IdleAccountsAreReadWithoutSpendingAMessage) {
  AddOAuth("a", 0.25, 0.40);
  AddOAuth("b", 0.10, 0.97);
  Start();
  // The first probe at once, the second one gap later.
  ASSERT_TRUE(Eventually([&] { return StateOf("b").quota.last_probe_ok_at.has_value(); },
                         std::chrono::seconds(15)));
  ASSERT_TRUE(StateOf("a").quota.last_probe_ok_at.has_value());
  const core::QuotaReading a = StateOf("a").quota;
  EXPECT_DOUBLE_EQ(a.unified_5h.value_or(-1), 0.25);
  EXPECT_DOUBLE_EQ(a.unified_7d.value_or(-1), 0.40);
  const core::QuotaReading b = StateOf("b").quota;
  EXPECT_DOUBLE_EQ(b.unified_7d.value_or(-1), 0.97);
  ASSERT_TRUE(b.unified_7d_reset.has_value());
  EXPECT_LT(absl::AbsDuration(*b.unified_7d_reset - (absl::Now() + absl::Hours(30))),
            absl::Minutes(1));
  EXPECT_EQ(MessagesCalls(), 0);
  EXPECT_EQ(h_.upstream().TokenCalls(), 0);
}

// §7.7: the usage endpoint refuses an access token the upstream has expired early; one forced
// refresh, one more probe, and the reading lands.
TEST_F(QuotaProberTest, AnUnauthorizedProbeRefreshesOnceAndRetries) {
  const std::string credential = AddOAuth("a", 0.3, 0.5, "sk-ant-ort01-a-0");
  ASSERT_TRUE(h_.upstream().ExpireAccessTokens(credential).ok());
  Start();
  ASSERT_TRUE(Eventually([&] { return StateOf("a").quota.last_probe_ok_at.has_value(); },
                         std::chrono::seconds(10)));
  EXPECT_EQ(h_.upstream().TokenCalls(), 1);
  EXPECT_EQ(UsageCalls(credential), 2);
  EXPECT_DOUBLE_EQ(StateOf("a").quota.unified_5h.value_or(-1), 0.3);
  EXPECT_EQ(StateOf("a").probe.failures, 0);
}

// §15 scenario 55: a disabled account whose token is about to expire is probed with the token it
// has, and never refreshed; one whose token has expired is not probed at all.
TEST_F(QuotaProberTest, Scenario55_DisabledAccountsAreNeverRefreshed) {
  const std::string expiring =
      AddOAuth("expiring", 0.2, 0.3, "sk-ant-ort01-e-0", absl::Minutes(2), /*enabled=*/false);
  const std::string expired =
      AddOAuth("expired", 0.2, 0.3, "sk-ant-ort01-x-0", absl::Seconds(-5), /*enabled=*/false);
  Start();
  ASSERT_TRUE(Eventually([&] { return prober_->sweeps() >= 1; }, std::chrono::seconds(15)));
  EXPECT_TRUE(StateOf("expiring").quota.last_probe_ok_at.has_value());
  EXPECT_FALSE(StateOf("expired").quota.last_probe_ok_at.has_value());
  EXPECT_NE(StateOf("expired").probe.last_error.find("disabled"), std::string::npos)
      << StateOf("expired").probe.last_error;
  EXPECT_EQ(UsageCalls(expired), 0);
  EXPECT_EQ(h_.upstream().TokenCalls(), 0);
  EXPECT_FALSE(StateOf("expired").refresh_dead);
}

// §15 scenario 52 (prober part): a refresh token refused with invalid_grant marks the account as
// needing a login, and the prober leaves it alone from then on.
TEST_F(QuotaProberTest, Scenario52_AnAccountThatNeedsALoginIsNoLongerProbed) {
  // The access token has expired, and the token endpoint refuses the refresh token.
  const std::string credential = AddOAuth("a", 0.2, 0.3, "sk-ant-ort01-a-0", absl::Seconds(-1));
  h_.upstream().SetDefaultTokenFault(fake::TokenFault::Of(fake::TokenFaultKind::kInvalidGrant));
  Start();
  ASSERT_TRUE(Eventually([&] { return StateOf("a").refresh_dead; }, std::chrono::seconds(10)));
  EXPECT_EQ(h_.upstream().TokenCalls(), 1);
  EXPECT_TRUE(h_.pool().ProbeTargets(kInterval).empty());
  // The sweep after the one that found it dead.
  ASSERT_TRUE(Eventually([&] { return prober_->sweeps() >= 2; }, std::chrono::seconds(15)));
  EXPECT_EQ(h_.upstream().TokenCalls(), 1);
  EXPECT_EQ(UsageCalls(credential), 0);
}

// §15 scenario 56 through the prober: a token the usage endpoint refuses, with no refresh token to
// renew it, is refused three sweeps in a row and the account is latched "needs login".
TEST_F(QuotaProberTest, Scenario56_ThreeRefusedProbesLatchNeedsLogin) {
  const std::string credential = AddOAuth("a", 0.2, 0.3);
  ASSERT_TRUE(h_.upstream().ExpireAccessTokens(credential).ok());
  Start();
  ASSERT_TRUE(Eventually([&] { return StateOf("a").refresh_dead; }, std::chrono::seconds(25)));
  EXPECT_EQ(StateOf("a").probe.unauthorized, 3);
  EXPECT_EQ(StateOf("a").probe.last_status, 401);
  std::lock_guard<std::mutex> lock(log_mu_);
  bool said = false;
  for (const std::string& line : log_) said |= line.find("needs a new login") != std::string::npos;
  EXPECT_TRUE(said);
}

// §15 scenario 8 driven by the prober: A is weekly-critical (97 %) with its week resetting in 30
// minutes. Known only from a probe, its remaining quota is drained first instead of dying at the
// reset; before any reading, B (healthy, listed first) serves.
TEST_F(QuotaProberTest, Scenario08_AProbedCriticalAccountIsDrainedBeforeItsReset) {
  AddOAuth("b", 0.1, 0.2);
  AddOAuth("a", 0.1, 0.97, "", absl::Hours(8), true, absl::Minutes(30));
  h_.Start();
  EXPECT_EQ(h_.Post(false).Header("x-maxpool-account").value_or(""), "b");
  Start();
  ASSERT_TRUE(Eventually([&] { return StateOf("a").quota.last_probe_ok_at.has_value(); },
                         std::chrono::seconds(15)));
  EXPECT_DOUBLE_EQ(StateOf("a").quota.unified_7d.value_or(-1), 0.97);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(h_.Post(false).Header("x-maxpool-account").value_or(""), "a");
  }
}

// §15 scenario 59 through the prober: a z.ai account is read from its quota monitor, on the host
// of its upstream, with its key as a bearer token; a session-only answer proves it has no week.
TEST_F(QuotaProberTest, Scenario59_AZaiAccountIsReadFromItsQuotaMonitor) {
  ::maxpool::testing::ScriptedUpstream zai;
  const int64_t reset_ms = absl::ToUnixMillis(absl::Now() + absl::Hours(2));
  const std::string body =
      absl::StrCat(R"({"code":200,"msg":"ok","data":{"limits":[{"type":"TOKENS_LIMIT","unit":3,)",
                   R"("percentage":40,"nextResetTime":)", reset_ms, "}]},\"success\":true}");
  zai.SetDefault(absl::StrCat("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n",
                              "content-length: ", body.size(), "\r\n\r\n", body));
  h_.pool().AddAccount(
      ::maxpool::testing::ProviderAccount("glm", core::Provider::kZai, 10),
      ::maxpool::testing::MakeCredential(pool::CredentialKind::kBearer, "zai-key-1",
                                         zai.base_url() + "/api/anthropic"));
  Start();
  ASSERT_TRUE(Eventually([&] { return StateOf("glm").quota.last_probe_ok_at.has_value(); },
                         std::chrono::seconds(10)));
  const core::QuotaReading quota = StateOf("glm").quota;
  EXPECT_EQ(quota.provider_ses, 0.40);
  EXPECT_EQ(quota.provider_ses_reset, absl::FromUnixMillis(reset_ms));
  EXPECT_FALSE(quota.provider_wk.has_value());
  EXPECT_TRUE(quota.weekly_absent);
  const std::vector<::maxpool::testing::ScriptedUpstream::Seen> seen = zai.requests();
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(absl::StartsWith(seen[0].head, "GET /api/monitor/usage/quota/limit HTTP/1.1"))
      << seen[0].head;
  EXPECT_NE(seen[0].head.find("Authorization: Bearer zai-key-1"), std::string::npos);
}

// §12.2: a rate-limited usage endpoint leaves the reading as it was and says why; the next
// probe of the sweep waits longer (the gap grows x1.5 after a 429).
TEST_F(QuotaProberTest, ARateLimitedProbeKeepsTheReadingAndSaysWhy) {
  ::maxpool::testing::ScriptedUpstream usage;
  const std::string body =
      R"({"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}})";
  usage.SetDefault(absl::StrCat("HTTP/1.1 429 Too Many Requests\r\nretry-after: 2895\r\n",
                                "content-type: application/json\r\ncontent-length: ", body.size(),
                                "\r\n\r\n", body));
  // The account's usage endpoint is its upstream's.
  pool::Credential credential = ::maxpool::testing::MakeCredential(
      pool::CredentialKind::kOAuthBearer, "sk-ant-oat01-limited", usage.base_url());
  h_.pool().AddAccount(::maxpool::testing::OAuthAccount("a"), credential);
  core::UsageReport earlier;
  earlier.weekly = core::UsageWindow{0.4, 0.4, absl::Now() + absl::Hours(30)};
  h_.pool().RecordProbeReading("a", earlier);
  StartWith("");
  ASSERT_TRUE(
      Eventually([&] { return StateOf("a").probe.failures >= 1; }, std::chrono::seconds(10)));
  const core::AccountState st = StateOf("a");
  EXPECT_EQ(st.probe.last_status, 429);
  EXPECT_EQ(st.probe.last_error, "HTTP 429: Rate limited");
  EXPECT_EQ(st.quota.unified_7d, 0.4);
  const std::vector<::maxpool::testing::ScriptedUpstream::Seen> seen = usage.requests();
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(absl::StartsWith(seen[0].head, "GET /api/oauth/usage HTTP/1.1")) << seen[0].head;
  EXPECT_NE(seen[0].head.find("anthropic-beta: oauth-2025-04-20"), std::string::npos);
  EXPECT_NE(seen[0].head.find("Authorization: Bearer sk-ant-oat01-limited"), std::string::npos);
}

TEST(ZaiUsageUrlTest, SameHostMonitorPath) {
  EXPECT_EQ(ZaiUsageUrlOf("https://api.z.ai/api/anthropic"),
            "https://api.z.ai/api/monitor/usage/quota/limit");
  EXPECT_EQ(ZaiUsageUrlOf("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/api/monitor/usage/quota/limit");
}

}  // namespace
}  // namespace maxpool::server
