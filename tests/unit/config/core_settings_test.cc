#include "config/core_settings.h"

#include <string>

#include "config/config_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace maxpool::config {
namespace {

using ::maxpool::testing::IsOk;
using ::maxpool::testing::TestDataPath;
using ::testing::ElementsAre;
using ::testing::Optional;

v1::Config Load(std::string_view text) {
  auto loaded = ParseConfig(text, "/cfg/maxpool.json");
  EXPECT_THAT(loaded, IsOk());
  return loaded.ok() ? loaded->config : v1::Config();
}

// With every default back-filled, the mapping reproduces the core's own defaults (spec §0.3).
TEST(CoreSettings, DefaultConfigMapsToTheCoreDefaults) {
  const v1::Config config = Load("{}");
  const core::SchedulerSettings s = SchedulerSettingsOf(config);
  const core::SchedulerSettings d;
  EXPECT_EQ(s.switch_threshold, d.switch_threshold);
  EXPECT_EQ(s.routing_mode, core::RoutingMode::kSticky);
  EXPECT_EQ(s.safety_max_active_per_account, d.safety_max_active_per_account);
  EXPECT_EQ(s.cooldown, d.cooldown);
  EXPECT_EQ(s.max_cooldown, d.max_cooldown);
  EXPECT_EQ(s.network_cooldown, d.network_cooldown);
  EXPECT_EQ(s.weekly_exhausted_threshold, d.weekly_exhausted_threshold);
  EXPECT_EQ(s.critical_pre_reset_hours, d.critical_pre_reset_hours);
  EXPECT_EQ(s.quota_probe_interval, d.quota_probe_interval);
  EXPECT_EQ(s.pace_cost_weight, d.pace_cost_weight);
  EXPECT_EQ(s.per_account_concurrency_target, d.per_account_concurrency_target);
  EXPECT_EQ(s.reserve_concurrency_target, d.reserve_concurrency_target);
  EXPECT_EQ(s.fast_refill_fade_util, d.fast_refill_fade_util);
  EXPECT_EQ(s.recovery_ramp, d.recovery_ramp);
  EXPECT_EQ(s.spread_window, d.spread_window);
  EXPECT_EQ(s.weekly_aware_scoring, d.weekly_aware_scoring);
  EXPECT_EQ(s.cross_account_thinking_migration, d.cross_account_thinking_migration);

  const core::QueueSettings q = QueueSettingsOf(config);
  const core::QueueSettings dq;
  EXPECT_EQ(q.enabled, dq.enabled);
  EXPECT_EQ(q.max_wait, dq.max_wait);
  EXPECT_EQ(q.auto_max_wait, std::nullopt);  // null in the first-run file
  EXPECT_EQ(q.capacity_max_wait, dq.capacity_max_wait);
  EXPECT_EQ(q.non_stream_max_wait, dq.non_stream_max_wait);
  EXPECT_EQ(q.stream_hold_max, dq.stream_hold_max);
  EXPECT_EQ(q.stream_client_tolerance, std::nullopt);
  EXPECT_EQ(q.max_concurrent_queued, dq.max_concurrent_queued);
  EXPECT_EQ(q.max_queued_bytes, dq.max_queued_bytes);
  EXPECT_EQ(q.max_queued_body_bytes, dq.max_queued_body_bytes);
  EXPECT_EQ(q.poll, dq.poll);
  EXPECT_EQ(q.heartbeat, dq.heartbeat);

  const core::RetrySettings r = RetrySettingsOf(config);
  EXPECT_EQ(r.max_attempts_per_request, 0);
  EXPECT_EQ(r.max_retry_buffer_bytes, core::RetrySettings().max_retry_buffer_bytes);
}

TEST(CoreSettings, FileValuesReachTheCore) {
  const v1::Config config = Load(R"({"switchThreshold": 0.8, "quotaProbeSeconds": 0,
      "scheduler": {"cooldownMs": 1000, "weeklyAwareScoring": false, "spreadWindowMs": 60000,
                    "criticalPeakUnlock": true, "concurrencyWeight": 2.5},
      "queue": {"capacityMaxWaitMs": null, "networkMaxWaitMs": 5000, "maxQueuedBodyBytes": null},
      "retry": {"maxAttemptsPerRequest": 4, "maxRetryBufferBytes": 1024}})");
  const core::SchedulerSettings s = SchedulerSettingsOf(config);
  EXPECT_DOUBLE_EQ(s.switch_threshold, 0.8);
  EXPECT_EQ(s.quota_probe_interval, absl::ZeroDuration());
  EXPECT_EQ(s.cooldown, absl::Seconds(1));
  EXPECT_FALSE(s.weekly_aware_scoring);
  EXPECT_EQ(s.spread_window, absl::Minutes(1));
  EXPECT_TRUE(s.critical_peak_unlock);
  EXPECT_DOUBLE_EQ(s.concurrency_weight, 2.5);
  const core::QueueSettings q = QueueSettingsOf(config);
  EXPECT_EQ(q.capacity_max_wait, std::nullopt);  // explicit null: fall back (spec §5.2)
  EXPECT_EQ(q.max_queued_body_bytes, std::nullopt);
  EXPECT_THAT(q.network_max_wait, Optional(absl::Seconds(5)));
  const core::RetrySettings r = RetrySettingsOf(config);
  EXPECT_EQ(r.max_attempts_per_request, 4);
  EXPECT_EQ(r.max_retry_buffer_bytes, 1024);
}

// Spec §5.3, §5.4: pollMs at least 100, heartbeatMs at least 1000.
TEST(CoreSettings, PollAndHeartbeatAreRaisedToTheirMinimum) {
  const core::QueueSettings q =
      QueueSettingsOf(Load(R"({"queue": {"pollMs": 5, "heartbeatMs": 10}})"));
  EXPECT_EQ(q.poll, absl::Milliseconds(100));
  EXPECT_EQ(q.heartbeat, absl::Seconds(1));
}

// Spec §6.5: routingMode, else derived from crossProviderFallbackPolicy.
TEST(CoreSettings, RoutingModeIsDerivedFromTheLegacyPolicyWhenAbsent) {
  v1::SchedulerConfig s;
  EXPECT_EQ(RoutingModeOf(s), core::RoutingMode::kSticky);
  s.set_cross_provider_fallback_policy("never");
  EXPECT_EQ(RoutingModeOf(s), core::RoutingMode::kSticky);
  s.set_cross_provider_fallback_policy("always");
  EXPECT_EQ(RoutingModeOf(s), core::RoutingMode::kBalance);
  s.set_cross_provider_fallback_policy("when-exhausted");
  EXPECT_EQ(RoutingModeOf(s), core::RoutingMode::kPreferClaude);
  s.set_routing_mode("prefer-kimi");
  EXPECT_EQ(RoutingModeOf(s), core::RoutingMode::kPreferKimi);
  s.set_routing_mode("prefer-zai");
  EXPECT_EQ(RoutingModeOf(s), core::RoutingMode::kPreferZai);
  s.set_routing_mode("balance");
  EXPECT_EQ(RoutingModeOf(s), core::RoutingMode::kBalance);
  s.set_routing_mode("sticky");
  EXPECT_EQ(RoutingModeOf(s), core::RoutingMode::kSticky);
}

TEST(CoreSettings, ReferenceFileDerivesPreferClaude) {
  auto loaded = LoadConfig(TestDataPath("config", "reference.json"));
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(SchedulerSettingsOf(loaded->config).routing_mode, core::RoutingMode::kPreferClaude);
}

// Spec §1.1: types, providers, priorities, caps, profiles; no credential -> not in the pool.
TEST(CoreSettings, AccountsMapWithTheirDefaults) {
  const v1::Config config = Load(R"({"accounts": [
      {"name": "o", "type": "oauth", "accessToken": "t", "capUtilization": 0.8},
      {"name": "k", "type": "apikey", "apiKey": "k", "priority": 5, "enabled": false,
       "profiles": ["claude"]},
      {"name": "dead", "type": "oauth", "refreshToken": "r"},
      {"name": "g", "type": "provider", "provider": "zai", "authToken": "z", "addedAt": 1000},
      {"type": "provider", "provider": "kimi", "apiKey": "m", "capUtilization": 1}]})");
  const std::vector<core::AccountSettings> accounts = AccountSettingsOf(config);
  ASSERT_EQ(accounts.size(), 4u);

  EXPECT_EQ(accounts[0].name, "o");
  EXPECT_EQ(accounts[0].type, core::AccountType::kOAuth);
  EXPECT_EQ(accounts[0].provider, core::Provider::kAnthropic);
  EXPECT_EQ(accounts[0].priority, 0);
  EXPECT_THAT(accounts[0].cap_utilization, Optional(0.8));
  EXPECT_THAT(accounts[0].profiles, ElementsAre("claude", "all"));
  EXPECT_TRUE(accounts[0].enabled);
  EXPECT_EQ(accounts[0].added_at, std::nullopt);

  EXPECT_EQ(accounts[1].type, core::AccountType::kApiKey);
  EXPECT_EQ(accounts[1].priority, 5);
  EXPECT_FALSE(accounts[1].enabled);
  EXPECT_THAT(accounts[1].profiles, ElementsAre("claude"));

  EXPECT_EQ(accounts[2].name, "g");
  EXPECT_EQ(accounts[2].type, core::AccountType::kProvider);
  EXPECT_EQ(accounts[2].provider, core::Provider::kZai);
  EXPECT_THAT(accounts[2].profiles, ElementsAre("all"));
  EXPECT_EQ(accounts[2].added_at, absl::FromUnixMillis(1000));

  EXPECT_EQ(accounts[3].name, "account-5");
  EXPECT_EQ(accounts[3].provider, core::Provider::kKimi);
  EXPECT_EQ(accounts[3].cap_utilization, std::nullopt);
}

// Spec §1.6: config providers default to priority 10 and profile "all".
TEST(CoreSettings, ConfigProvidersMapWithPriorityTen) {
  const v1::Config config = Load(R"({"providers": [
      {"name": "glm", "provider": "zai", "secretName": "s"},
      {"name": "kimi", "provider": "kimi", "apiKey": "k", "priority": 3, "enabled": false}]})");
  const std::vector<core::AccountSettings> providers = ProviderAccountSettingsOf(config);
  ASSERT_EQ(providers.size(), 2u);
  EXPECT_EQ(providers[0].priority, 10);
  EXPECT_EQ(providers[0].provider, core::Provider::kZai);
  EXPECT_THAT(providers[0].profiles, ElementsAre("all"));
  EXPECT_TRUE(providers[0].is_provider());
  EXPECT_EQ(providers[1].priority, 3);
  EXPECT_FALSE(providers[1].enabled);
}

}  // namespace
}  // namespace maxpool::config

namespace maxpool::config {
namespace {

// §12.3: the default z.ai peak (Mon-Fri 14:00-18:00 Singapore time, cap 0.5) reaches the core;
// Kimi has no windows.
TEST(CoreSettings, DefaultPeakWindowsReachTheCore) {
  const core::SchedulerSettings s = SchedulerSettingsOf(Load("{}"));
  ASSERT_TRUE(s.zai_peak.has_value());
  EXPECT_EQ(s.zai_peak->zone.name(), "Asia/Singapore");
  ASSERT_EQ(s.zai_peak->windows.size(), 1u);
  EXPECT_THAT(s.zai_peak->windows[0].days, ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(s.zai_peak->windows[0].start_min, 840);
  EXPECT_EQ(s.zai_peak->windows[0].end_min, 1080);
  EXPECT_EQ(s.zai_peak->cap, 0.5);
  EXPECT_TRUE(s.zai_peak->depreference);
  EXPECT_TRUE(!s.kimi_peak || s.kimi_peak->windows.empty());
}

TEST(CoreSettings, PeakSettingsFromTheFile) {
  const core::SchedulerSettings s = SchedulerSettingsOf(Load(R"({"scheduler": {"providers": {
      "zai": {"peakTimezone": "Not/AZone", "peakCap": 0,
              "peakWindows": [{"days": [6], "startUtcMin": 60, "endUtcMin": 120}]},
      "kimi": {"peakTimezone": "UTC", "peakCap": 7, "peakDepreference": false,
               "peakWindows": [{"days": [0], "startMin": 0, "endMin": 1440}]}}}})"));
  ASSERT_TRUE(s.zai_peak.has_value());
  EXPECT_EQ(s.zai_peak->zone, absl::LocalTimeZone());  // an unknown zone: the machine's
  EXPECT_EQ(s.zai_peak->cap, 0);                       // barred during its peak
  EXPECT_EQ(s.zai_peak->windows[0].start_min, 60);     // the legacy keys
  EXPECT_EQ(s.zai_peak->windows[0].end_min, 120);
  ASSERT_TRUE(s.kimi_peak.has_value());
  EXPECT_EQ(s.kimi_peak->cap, 1);  // clamped
  EXPECT_FALSE(s.kimi_peak->depreference);
  EXPECT_EQ(s.kimi_peak->zone.name(), "UTC");
}

}  // namespace
}  // namespace maxpool::config
