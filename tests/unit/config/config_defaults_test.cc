#include "config/config_defaults.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maxpool::config {
namespace {

using ::testing::MatchesRegex;
using ::testing::Ne;

// Spec §0.3: proxy.apiKey = "mp-" + base64url(24 random bytes) = "mp-" + 32 characters.
TEST(DefaultConfig, HasAFreshProxyKeyEachTime) {
  const v1::Config first = DefaultConfig();
  const v1::Config second = DefaultConfig();
  EXPECT_THAT(first.proxy().api_key(), MatchesRegex("mp-[A-Za-z0-9_-]{32}"));
  EXPECT_THAT(first.proxy().api_key(), Ne(second.proxy().api_key()));
}

TEST(DefaultConfig, IsTheReferenceFirstRunConfig) {
  const v1::Config c = DefaultConfig();
  EXPECT_EQ(c.proxy().port(), 3456);
  EXPECT_EQ(c.proxy().host(), "127.0.0.1");
  EXPECT_EQ(c.upstream(), "https://api.anthropic.com");
  EXPECT_TRUE(c.prevent_sleep());
  EXPECT_TRUE(c.update_check());
  EXPECT_FALSE(c.auto_update());
  EXPECT_DOUBLE_EQ(c.switch_threshold(), 0.90);
  EXPECT_EQ(c.quota_probe_seconds(), 60);
  EXPECT_EQ(c.routing().mode(), "automatic");
  EXPECT_FALSE(c.routing().has_preferred_account());
  EXPECT_EQ(c.scheduler().safety_max_active_per_account(), 50);
  EXPECT_EQ(c.scheduler().safety_max_global_active(), 150);
  EXPECT_EQ(c.scheduler().cooldown_ms(), 30000);
  EXPECT_EQ(c.scheduler().max_cooldown_ms(), 900000);
  EXPECT_EQ(c.scheduler().network_cooldown_ms(), 5000);
  EXPECT_DOUBLE_EQ(c.scheduler().weekly_soft_threshold(), 0.65);
  EXPECT_DOUBLE_EQ(c.scheduler().weekly_reserve_threshold(), 0.85);
  EXPECT_DOUBLE_EQ(c.scheduler().weekly_critical_threshold(), 0.95);
  EXPECT_TRUE(c.scheduler().provider_cross_fallback());
  EXPECT_EQ(c.scheduler().providers().size(), 2u);
  EXPECT_DOUBLE_EQ(c.scheduler().providers().at("zai").peak_cap(), 0.5);
  EXPECT_EQ(c.retry().max_attempts_per_request(), 0);
  EXPECT_EQ(c.shutdown().drain_timeout_ms(), 15000);
  EXPECT_TRUE(c.queue().enabled());
  EXPECT_EQ(c.queue().max_wait_ms(), 86400000);
  EXPECT_FALSE(c.queue().has_auto_max_wait_ms());
  EXPECT_EQ(c.queue().capacity_max_wait_ms(), 900000);
  EXPECT_EQ(c.queue().weekly_max_wait_ms(), 86400000);
  EXPECT_EQ(c.queue().non_stream_max_wait_ms(), 300000);
  EXPECT_EQ(c.queue().max_concurrent_queued(), 64);
  EXPECT_EQ(c.queue().max_queued_body_bytes(), 268435456);
  EXPECT_EQ(c.queue().poll_ms(), 1000);
  EXPECT_EQ(c.queue().heartbeat_ms(), 10000);
  EXPECT_EQ(c.accounts_size(), 0);
  EXPECT_EQ(c.providers_size(), 0);
  // Code-only defaults are not part of the first-run file.
  EXPECT_FALSE(c.scheduler().has_concurrency_weight());
  EXPECT_FALSE(c.has_control());
}

}  // namespace
}  // namespace maxpool::config
