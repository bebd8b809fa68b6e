#include "config/config_loader.h"

#include <algorithm>
#include <filesystem>
#include <string>

#include "config/config_store.h"
#include "config/core_settings.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace maxpool::config {
namespace {

namespace fs = std::filesystem;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::ReadFile;
using ::maxpool::testing::StatusIs;
using ::maxpool::testing::TempDir;
using ::maxpool::testing::TestDataPath;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

// Loads `text` as the file "/cfg/maxpool.json".
absl::StatusOr<LoadedConfig> Parse(std::string_view text) {
  return ParseConfig(text, "/cfg/maxpool.json");
}

// How many warnings start with `prefix`.
int CountWarnings(const LoadedConfig& loaded, const std::string& prefix) {
  return static_cast<int>(
      std::count_if(loaded.warnings.begin(), loaded.warnings.end(),
                    [&](const std::string& w) { return w.rfind(prefix, 0) == 0; }));
}

TEST(LoadConfig, ReferenceFileLoadsWithDefaultsBackFilled) {
  auto loaded = LoadConfig(TestDataPath("config", "reference.json"));
  ASSERT_THAT(loaded, IsOk());
  const v1::Config& c = loaded->config;
  ASSERT_EQ(c.accounts_size(), 3);
  EXPECT_EQ(c.accounts(0).type(), "oauth");
  EXPECT_EQ(c.accounts(1).type(), "apikey");
  EXPECT_EQ(c.accounts(2).provider(), "zai");
  EXPECT_EQ(c.accounts(2).model_map().default_(), "glm-5.3");
  EXPECT_EQ(c.accounts(0).expires_at(), 1767225600000);
  EXPECT_EQ(loaded->generation, 7);
  // Present 0/false win over the defaults (spec §0.3).
  EXPECT_TRUE(c.has_quota_probe_seconds());
  EXPECT_EQ(c.quota_probe_seconds(), 0);
  EXPECT_FALSE(c.prevent_sleep());
  EXPECT_FALSE(c.scheduler().weekly_aware_scoring());
  EXPECT_FALSE(c.accounts(1).enabled());
  // Code-only and other recognised keys are back-filled.
  EXPECT_DOUBLE_EQ(c.scheduler().concurrency_weight(), 2);
  EXPECT_EQ(c.scheduler().recovery_ramp_ms(), 300000);
  EXPECT_EQ(c.sync().accounts_interval_ms(), 15000);
  EXPECT_EQ(c.restart_drain_timeout_ms(), 10000);
  EXPECT_TRUE(c.event_log());
  EXPECT_EQ(c.control().port(), 3457);
  EXPECT_EQ(c.admin().port(), 3458);
  EXPECT_EQ(c.logging().format(), "text");
  // The explicit null stays absent; the preferred account exists, so routing stays preferred.
  EXPECT_FALSE(c.queue().has_auto_max_wait_ms());
  EXPECT_EQ(c.routing().mode(), "preferred");
  EXPECT_EQ(c.scheduler().providers().at("zai").claude_fallback(), "never");
  EXPECT_EQ(loaded->raw.at("_generation"), 7);
}

TEST(LoadConfig, UnknownKeysAreWarnedOnceEachWithTheirKeyPath) {
  auto loaded = LoadConfig(TestDataPath("config", "reference.json"));
  ASSERT_THAT(loaded, IsOk());
  for (const char* key : {"updateSource:", "quotaProbeEnabled:", "scheduler.experimentalKnob:",
                          "accounts[0].lastSeenPlan:"}) {
    EXPECT_EQ(CountWarnings(*loaded, key), 1) << key;
  }
  // Nothing inside an unknown subtree is reported separately.
  EXPECT_EQ(CountWarnings(*loaded, "updateSource."), 0);
  EXPECT_EQ(loaded->warnings.size(), 4u) << ::testing::PrintToString(loaded->warnings);
}

TEST(LoadConfig, AbsentKeysTakeTheFirstRunDefaults) {
  auto loaded = Parse("{}");
  ASSERT_THAT(loaded, IsOk());
  const v1::Config& c = loaded->config;
  EXPECT_EQ(c.proxy().port(), 3456);
  EXPECT_EQ(c.proxy().host(), "127.0.0.1");
  EXPECT_FALSE(c.proxy().has_api_key());  // made only for a new file
  EXPECT_EQ(c.upstream(), "https://api.anthropic.com");
  EXPECT_TRUE(c.prevent_sleep());
  EXPECT_DOUBLE_EQ(c.switch_threshold(), 0.90);
  EXPECT_EQ(c.quota_probe_seconds(), 60);
  EXPECT_EQ(c.routing().mode(), "automatic");
  EXPECT_EQ(c.scheduler().mode(), "adaptive-least-loaded");
  EXPECT_DOUBLE_EQ(c.scheduler().weekly_exhausted_threshold(), 0.999);
  EXPECT_EQ(c.scheduler().cross_provider_fallback_policy(), "never");
  EXPECT_FALSE(c.scheduler().has_routing_mode());  // derived (spec §6.5)
  EXPECT_EQ(c.scheduler().peak_defaults_version(), 1);
  const v1::ProviderPeak& zai = c.scheduler().providers().at("zai");
  EXPECT_EQ(zai.peak_timezone(), "Asia/Singapore");
  ASSERT_EQ(zai.peak_windows_size(), 1);
  EXPECT_EQ(zai.peak_windows(0).start_min(), 840);
  EXPECT_EQ(zai.peak_windows(0).end_min(), 1080);
  EXPECT_EQ(c.scheduler().providers().at("kimi").peak_windows_size(), 0);
  EXPECT_EQ(c.retry().max_retry_buffer_bytes(), 10485760);
  EXPECT_EQ(c.shutdown().drain_timeout_ms(), 15000);
  EXPECT_EQ(c.queue().stream_hold_max_ms(), 604800000);
  EXPECT_EQ(c.queue().max_queued_bytes(), 1073741824);
  EXPECT_FALSE(c.queue().has_stream_client_tolerance_ms());
  EXPECT_EQ(loaded->generation, 0);
  EXPECT_THAT(loaded->warnings, IsEmpty());
}

TEST(LoadConfig, NestedAbsentKeysTakeDefaultsAndPresentOnesWin) {
  auto loaded = Parse(R"({"proxy": {"port": 4000}, "queue": {"enabled": false, "pollMs": 0.0}})");
  ASSERT_THAT(loaded, Not(IsOk()));  // pollMs must be positive
  loaded = Parse(R"({"proxy": {"port": 4000}, "queue": {"enabled": false}})");
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->config.proxy().port(), 4000);
  EXPECT_EQ(loaded->config.proxy().host(), "127.0.0.1");
  EXPECT_FALSE(loaded->config.queue().enabled());
  EXPECT_EQ(loaded->config.queue().heartbeat_ms(), 10000);
}

// Spec §12.3: the peak defaults are merged by key presence until peakDefaultsVersion is 1.
TEST(LoadConfig, PeakDefaultsMergeIntoAnUnversionedScheduler) {
  auto loaded = Parse(R"({"scheduler": {"providers": {"zai": {"peakCap": 0.3}}}})");
  ASSERT_THAT(loaded, IsOk());
  const auto& providers = loaded->config.scheduler().providers();
  EXPECT_DOUBLE_EQ(providers.at("zai").peak_cap(), 0.3);
  EXPECT_EQ(providers.at("zai").peak_timezone(), "Asia/Singapore");
  EXPECT_EQ(providers.at("zai").peak_windows_size(), 1);
  EXPECT_TRUE(providers.contains("kimi"));
  EXPECT_EQ(loaded->config.scheduler().peak_defaults_version(), 1);
}

TEST(LoadConfig, PeakDefaultsLeaveASeededSchedulerAlone) {
  auto loaded = Parse(
      R"({"scheduler": {"peakDefaultsVersion": 1, "providers": {"zai": {"peakWindows": []}}}})");
  ASSERT_THAT(loaded, IsOk());
  const auto& providers = loaded->config.scheduler().providers();
  EXPECT_EQ(providers.at("zai").peak_windows_size(), 0);  // [] = never peak, kept
  EXPECT_FALSE(providers.at("zai").has_peak_cap());
  EXPECT_FALSE(providers.contains("kimi"));
}

TEST(LoadConfig, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(LoadConfig(dir.path() / "absent.json"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.json")));
}

// Spec §0.3: unparseable JSON is a hard error naming the path (and here the position).
TEST(LoadConfig, InvalidJsonNamesPathLineAndColumn) {
  TempDir dir;
  const fs::path path = dir.Write("maxpool.json", "{\n  \"proxy\": {\"port\": 3456,}\n}\n");
  EXPECT_THAT(LoadConfig(path),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(path.string() + ":2:26: ")));
}

struct BadFile {
  const char* name;
  const char* text;
  const char* message;  // expected message after "/cfg/maxpool.json: "
};

class BadConfigTest : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadConfigTest, IsInvalidArgumentNamingFileKeyPathAndReason) {
  const BadFile& bad = GetParam();
  EXPECT_THAT(Parse(bad.text), StatusIs(absl::StatusCode::kInvalidArgument,
                                        std::string("/cfg/maxpool.json: ") + bad.message));
}

INSTANTIATE_TEST_SUITE_P(
    LoadConfig, BadConfigTest,
    ::testing::Values(
        BadFile{"WrongType", R"({"scheduler": {"cooldownMs": "30s"}})",
                "scheduler.cooldownMs: expected a number, got a string"},
        BadFile{"WrongTypeInAccount", R"({"accounts": [{"name": "a", "type": "oauth"},
                                          {"name": "b", "priority": "high"}]})",
                "accounts[1].priority: expected a number, got a string"},
        BadFile{
            "BadRoutingMode", R"({"routing": {"mode": "sometimes"}})",
            R"(routing.mode: unknown value "sometimes", expected one of "automatic", "preferred")"},
        BadFile{
            "BadAccountType", R"({"accounts": [{"name": "a", "type": "oauht"}]})",
            R"(accounts[0].type: unknown value "oauht", expected one of "oauth", "apikey", "provider")"},
        BadFile{"MissingAccountType", R"({"accounts": [{"name": "a", "accessToken": "t"}]})",
                R"(accounts[0].type: is required: one of "oauth", "apikey", "provider")"},
        BadFile{"BadProvider", R"({"accounts": [{"type": "provider", "provider": "glm"}]})",
                R"(accounts[0].provider: unknown value "glm", expected one of "zai", "kimi")"},
        BadFile{
            "BadAuthHeader", R"({"accounts": [{"type": "apikey", "authHeader": "bearer"}]})",
            R"(accounts[0].authHeader: unknown value "bearer", expected one of "authorization", "x-api-key")"},
        BadFile{
            "BadSchedulerRoutingMode", R"({"scheduler": {"routingMode": "fast"}})",
            R"(scheduler.routingMode: unknown value "fast", expected one of "sticky", "balance", "prefer-claude", "prefer-zai", "prefer-kimi")"},
        BadFile{
            "BadFallbackPolicy", R"({"scheduler": {"crossProviderFallbackPolicy": "sometimes"}})",
            R"(scheduler.crossProviderFallbackPolicy: unknown value "sometimes", expected one of "never", "when-exhausted", "always")"},
        BadFile{"PortTooLarge", R"({"proxy": {"port": 70000}})",
                "proxy.port: must be between 1 and 65535, got 70000"},
        BadFile{"PortZero", R"({"admin": {"port": 0}})",
                "admin.port: must be between 1 and 65535, got 0"},
        BadFile{"ThresholdAboveOne", R"({"scheduler": {"weeklySoftThreshold": 1.5}})",
                "scheduler.weeklySoftThreshold: must be a fraction between 0 and 1, got 1.5"},
        BadFile{"SwitchThresholdNegative", R"({"switchThreshold": -0.1})",
                "switchThreshold: must be a fraction between 0 and 1, got -0.1"},
        BadFile{
            "WeeklyThresholdsUnordered",
            R"({"scheduler": {"weeklyReserveThreshold": 0.96, "weeklyCriticalThreshold": 0.95}})",
            "scheduler.weeklyCriticalThreshold: must be greater than weeklyReserveThreshold "
            "(0.96), got 0.95"},
        BadFile{"ExhaustedBelowCritical", R"({"scheduler": {"weeklyExhaustedThreshold": 0.9}})",
                "scheduler.weeklyExhaustedThreshold: must not be less than "
                "weeklyCriticalThreshold (0.95), got 0.9"},
        BadFile{"NonPositiveDuration", R"({"scheduler": {"cooldownMs": 0}})",
                "scheduler.cooldownMs: must be positive, got 0"},
        BadFile{"NegativeWait", R"({"queue": {"maxWaitMs": -1}})",
                "queue.maxWaitMs: must not be negative, got -1"},
        BadFile{
            "DuplicateAccountNames",
            R"({"accounts": [{"name": "a", "type": "oauth"}, {"name": "a", "type": "apikey"}]})",
            R"(accounts[1].name: duplicate account name "a" (also accounts[0]))"},
        BadFile{"NonIntegerPort", R"({"proxy": {"port": 80.5}})", "proxy.port: must be an integer"},
        BadFile{"TopLevelArray", "[]", "the top level must be a JSON object"},
        BadFile{"RemoteControlWithoutToken", R"({"control": {"host": "0.0.0.0"}})",
                "control.token: control.token or control.tls is required when control.host "
                "is not a loopback address: anyone who can reach it could change the pool's "
                "accounts"},
        BadFile{"ReadOnlyTokenSameAsToken",
                R"({"control": {"token": "t0k3n-abc", "readOnlyToken": "t0k3n-abc"}})",
                "control.readOnlyToken: must differ from control.token"}),
    [](const ::testing::TestParamInfo<BadFile>& param_info) {
      return std::string(param_info.param.name);
    });

// No error message ever contains a credential, wherever the credential sits (STYLE.md §9).
TEST(LoadConfig, ErrorsNeverContainSecrets) {
  const std::string secret = "sk-ant-oat01-TOPSECRETvalue0123456789";
  const std::string bad_files[] = {
      // invalid JSON right after a secret
      R"({"accounts": [{"accessToken": ")" + secret + R"(" "refreshToken": "x"}]})",
      // a secret in a field of the wrong type
      R"({"accounts": [{"type": "oauth", "expiresAt": ")" + secret + R"("}]})",
      // a secret pasted into an enum-like field
      R"({"accounts": [{"type": "oauth", "authHeader": ")" + secret + R"("}]})",
      R"({"accounts": [{"type": ")" + secret + R"("}]})",
      R"({"routing": {"mode": ")" + secret + R"("}})",
      // errors elsewhere in a file full of secrets
      R"({"proxy": {"apiKey": ")" + secret + R"(", "port": 0}})",
      R"({"accounts": [{"name": "a", "type": "oauth", "accessToken": ")" + secret +
          R"(", "refreshToken": ")" + secret + R"("}, {"name": "a", "type": "oauth"}]})",
      R"({"control": {"token": ")" + secret + R"(", "port": 99999}})",
  };
  for (const std::string& text : bad_files) {
    auto loaded = Parse(text);
    ASSERT_THAT(loaded, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_THAT(std::string(loaded.status().message()),
                AllOf(Not(HasSubstr("TOPSECRET")), Not(HasSubstr("sk-ant"))))
        << text;
  }
  // Nor does a warning.
  auto loaded = Parse(R"({"accounts": [{"type": "oauth", "capUtilization": ")" + secret +
                      R"(", "apiKey": ")" + secret + R"("}], "x": ")" + secret + R"("})");
  ASSERT_THAT(loaded, IsOk());
  EXPECT_THAT(loaded->warnings, Each(Not(HasSubstr("TOPSECRET"))));
}

// Spec §0.3: switchThreshold 0 is read as the default.
TEST(LoadConfig, SwitchThresholdZeroIsReadAsDefaultWithAWarning) {
  auto loaded = Parse(R"({"switchThreshold": 0})");
  ASSERT_THAT(loaded, IsOk());
  EXPECT_DOUBLE_EQ(loaded->config.switch_threshold(), 0.90);
  EXPECT_EQ(CountWarnings(*loaded, "switchThreshold:"), 1);
}

// The reference turns the pressure unlock of weekly-critical accounts off with -1 (§2.6): such a
// file loads, and the scheduler sees it off.
TEST(LoadConfig, CriticalPressureUnlockRoutesMinusOneIsTheReferencesOff) {
  auto loaded = Parse(R"({"scheduler": {"criticalPressureUnlockRoutes": -1}})");
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->config.scheduler().critical_pressure_unlock_routes(), -1);
  EXPECT_EQ(SchedulerSettingsOf(loaded->config).critical_pressure_unlock_routes, -1);
}

// Load is kept for an hour: a longer spread window is read as an hour, with a warning.
TEST(LoadConfig, SpreadWindowLongerThanTheLoadKeptIsReadAsAnHour) {
  auto loaded = Parse(R"({"scheduler": {"spreadWindowMs": 7200000}})");
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(SchedulerSettingsOf(loaded->config).spread_window, absl::Hours(1));
  EXPECT_EQ(CountWarnings(*loaded, "scheduler.spreadWindowMs:"), 1);
  auto short_window = Parse(R"({"scheduler": {"spreadWindowMs": 60000}})");
  ASSERT_THAT(short_window, IsOk());
  EXPECT_EQ(SchedulerSettingsOf(short_window->config).spread_window, absl::Minutes(1));
  EXPECT_EQ(CountWarnings(*short_window, "scheduler.spreadWindowMs:"), 0);
}

// Spec §1.1: an invalid capUtilization is "no cap" with one warning.
TEST(LoadConfig, InvalidCapUtilizationBecomesNoCapWithAWarning) {
  auto loaded = Parse(R"({"accounts": [
      {"name": "a", "type": "apikey", "apiKey": "k", "capUtilization": "0.5"},
      {"name": "b", "type": "apikey", "apiKey": "k", "capUtilization": 0},
      {"name": "c", "type": "apikey", "apiKey": "k", "capUtilization": 1},
      {"name": "d", "type": "apikey", "apiKey": "k", "capUtilization": 0.7}]})");
  ASSERT_THAT(loaded, IsOk());
  const v1::Config& c = loaded->config;
  EXPECT_FALSE(c.accounts(0).has_cap_utilization());
  EXPECT_FALSE(c.accounts(1).has_cap_utilization());
  EXPECT_FALSE(c.accounts(2).has_cap_utilization());
  EXPECT_DOUBLE_EQ(c.accounts(3).cap_utilization(), 0.7);
  EXPECT_EQ(CountWarnings(*loaded, "accounts[0].capUtilization:"), 1);
  EXPECT_EQ(CountWarnings(*loaded, "accounts[1].capUtilization:"), 1);
  EXPECT_EQ(CountWarnings(*loaded, "accounts[2].capUtilization:"), 1);
  EXPECT_EQ(CountWarnings(*loaded, "accounts[3]"), 0);
}

// Spec §12.3 and §14 item 30: a string peakCap never coerces to 0 (a hard bar).
TEST(LoadConfig, StringPeakCapIsDroppedNotZero) {
  auto loaded = Parse(R"({"scheduler": {"peakDefaultsVersion": 1,
                                        "providers": {"zai": {"peakCap": "none"}}}})");
  ASSERT_THAT(loaded, IsOk());
  EXPECT_FALSE(loaded->config.scheduler().providers().at("zai").has_peak_cap());
  EXPECT_EQ(CountWarnings(*loaded, "scheduler.providers.zai.peakCap:"), 1);
}

// Spec §1.1: entries without their credential are skipped at startup, but stay in the file.
TEST(LoadConfig, AccountsWithoutCredentialAreWarnedAndKept) {
  auto loaded = Parse(R"({"accounts": [{"name": "o", "type": "oauth", "refreshToken": "r"},
                                       {"name": "k", "type": "apikey"},
                                       {"name": "p", "type": "provider", "provider": "kimi"},
                                       {"name": "ok", "type": "provider", "provider": "zai",
                                        "apiKey": "z"}]})");
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->config.accounts_size(), 4);
  EXPECT_EQ(CountWarnings(*loaded, "accounts[0] (\"o\"): skipped: no accessToken"), 1);
  EXPECT_EQ(CountWarnings(*loaded, "accounts[1] (\"k\"): skipped: no apiKey"), 1);
  EXPECT_EQ(CountWarnings(*loaded, "accounts[2] (\"p\"): skipped: no authToken or apiKey"), 1);
  EXPECT_EQ(CountWarnings(*loaded, "accounts[3]"), 0);
}

// Spec §6.7: an unusable preferred account falls back to automatic routing.
TEST(LoadConfig, UnknownPreferredAccountFallsBackToAutomatic) {
  auto loaded = Parse(R"({"routing": {"mode": "preferred", "preferredAccount": "ghost"},
                          "accounts": [{"name": "a", "type": "oauth", "accessToken": "t"}]})");
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->config.routing().mode(), "automatic");
  EXPECT_EQ(CountWarnings(*loaded, "routing.preferredAccount: no account is named \"ghost\""), 1);
}

TEST(LoadConfig, DisabledOrProviderPreferredAccountFallsBackToAutomatic) {
  for (const char* account : {R"({"name": "a", "type": "oauth", "enabled": false})",
                              R"({"name": "a", "type": "provider", "provider": "zai"})"}) {
    auto loaded = Parse(std::string(R"({"routing": {"mode": "preferred", "preferredAccount": "a"},
                                        "accounts": [)") +
                        account + "]}");
    ASSERT_THAT(loaded, IsOk()) << account;
    EXPECT_EQ(loaded->config.routing().mode(), "automatic") << account;
  }
}

TEST(LoadConfig, MalformedPeakWindowIsAWarning) {
  auto loaded = Parse(R"({"scheduler": {"peakDefaultsVersion": 1, "providers": {"zai":
      {"peakWindows": [{"days": [1], "startMin": 600, "endMin": 600}, {"days": [9],
       "startMin": 1, "endMin": 2}, {"days": [0], "startUtcMin": 60, "endUtcMin": 120}]}}}})");
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(CountWarnings(*loaded, "scheduler.providers.zai.peakWindows[0]:"), 1);
  EXPECT_EQ(CountWarnings(*loaded, "scheduler.providers.zai.peakWindows[1]:"), 1);
  EXPECT_EQ(CountWarnings(*loaded, "scheduler.providers.zai.peakWindows[2]:"), 0);
}

// Spec §15 scenario 68: invalid JSON is refused with the path, and the file is not overwritten.
TEST(LoadConfig, Scenario68_InvalidJsonRefusedAndFileUntouched) {
  TempDir dir;
  const std::string text = "{\"accounts\": [ {\"accessToken\": \"sk-x\" ,, ] }\n";
  const fs::path path = dir.Write("maxpool.json", text);
  EXPECT_THAT(LoadConfig(path),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(path.string() + ":1:")));
  auto store = ConfigStore::Create(path);
  ASSERT_THAT(store, IsOk());
  LoadedConfig replacement;
  EXPECT_THAT((*store)->Save(replacement, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(path.string())));
  EXPECT_THAT((*store)->Update([](v1::Config&) { return absl::OkStatus(); }, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(path.string())));
  EXPECT_EQ(ReadFile(path), text);
}

}  // namespace
}  // namespace maxpool::config

namespace maxpool::config {
namespace {

// `state`: the backend, and Redis's URL when it is the backend; the password is never quoted.
TEST(LoadConfig, StateBackendAndItsRedis) {
  auto redis = ParseConfig(R"({"state": {"backend": "redis", "pool": "team",
      "redis": {"url": "rediss://:pw@redis.svc:6380/1", "timeoutMs": 500}}})",
                           "/cfg/maxpool.json");
  ASSERT_TRUE(redis.ok()) << redis.status();
  EXPECT_EQ(redis->config.state().backend(), "redis");
  EXPECT_EQ(redis->config.state().redis().timeout_ms(), 500);
  for (const auto& [text, needle] : std::vector<std::pair<std::string, std::string>>{
           {R"({"state": {"backend": "memcached"}})", "state.backend"},
           {R"({"state": {"backend": "redis"}})", "state.redis.url: is required"},
           {R"({"state": {"backend": "redis", "redis": {"url": "http://:hunter2@r:6379"}}})",
            "state.redis.url: must start with redis://"},
           {R"({"state": {"backend": "redis", "redis": {"url": "redis://r", "timeoutMs": 0}}})",
            "state.redis.timeoutMs"},
           {R"({"state": {"pool": ""}})", "state.pool"}}) {
    const auto bad = ParseConfig(text, "/cfg/maxpool.json");
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_NE(bad.status().message().find(needle), std::string::npos) << bad.status();
    EXPECT_EQ(bad.status().message().find("hunter2"), std::string::npos) << bad.status();
  }
}

}  // namespace
}  // namespace maxpool::config
