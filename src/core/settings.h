#pragma once

// The tunables of the routing core, with the reference's defaults (spec §0.3). The config module
// builds one from the config file; tests build one and change single fields. Plain data.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "core/peak_window.h"

namespace maxpool::core {

// scheduler.routingMode (spec §6.5).
enum class RoutingMode { kSticky, kBalance, kPreferClaude, kPreferZai, kPreferKimi };

// Whether provider accounts (GLM, Kimi) may serve Claude sessions in sticky mode (§6.1):
// scheduler.crossProviderFallbackPolicy, or scheduler.providers.<key>.claudeFallback.
enum class ClaudeFallback { kNever, kWhenExhausted, kAlways };

struct SchedulerSettings {
  double switch_threshold = 0.90;  // session bench (§2.3)
  RoutingMode routing_mode = RoutingMode::kSticky;
  ClaudeFallback claude_fallback = ClaudeFallback::kNever;
  std::optional<ClaudeFallback> zai_claude_fallback;
  std::optional<ClaudeFallback> kimi_claude_fallback;

  int safety_max_active_per_account = 50;
  int safety_max_global_active = 150;
  absl::Duration cooldown = absl::Seconds(30);
  absl::Duration max_cooldown = absl::Seconds(900);
  absl::Duration network_cooldown = absl::Seconds(5);

  double weekly_soft_threshold = 0.65;
  double weekly_reserve_threshold = 0.85;
  double weekly_critical_threshold = 0.95;
  double weekly_exhausted_threshold = 0.999;

  // Situational unlock of weekly-critical accounts (§2.6).
  double critical_pre_reset_hours = 2;
  int critical_pressure_unlock_routes = 0;  // negative: the pressure unlock is off
  double critical_pressure_cost = 21;
  double critical_drain_floor_cost = 8;
  bool critical_peak_unlock = false;
  absl::Duration quota_probe_interval = absl::Seconds(60);

  // Score weights (§2.5).
  double weekly_burn_debt_weight = 0.6;
  double concurrency_weight = 2;
  int per_account_concurrency_target = 3;
  double cap_penalty_weight = 10;
  double pace_cost_weight = 1.5;
  double utilization_weight = 3;
  bool weekly_aware_scoring = true;
  double reserve_floor_cost = 5;
  double reserve_band_weight = 8;
  double reserve_scarcity_weight = 6;
  int reserve_concurrency_target = 2;
  double spread_share_weight = 3;
  double fast_refill_discount = 0.6;
  double fast_refill_fade_util = 0.65;
  double recovery_ramp_weight = 4;
  absl::Duration recovery_ramp = absl::Minutes(5);
  // The recent traffic share of the spread term (§2.5); at most the hour of load kept.
  absl::Duration spread_window = absl::Minutes(15);
  // Session bindings (§6.4; the reference keeps them forever): one unused this long is
  // forgotten, and past `max_session_bindings` the least recently used go first.
  absl::Duration session_idle = absl::Hours(24);
  int max_session_bindings = 20000;
  double failure_penalty_weight = 5;
  bool cross_account_thinking_migration = true;
  // Peak hours per provider (§12.3, scheduler.providers.<key>); absent: never in peak.
  std::optional<ProviderPeak> zai_peak;
  std::optional<ProviderPeak> kimi_peak;
};

// queue.* (spec §5.2). Durations that the reference allows to be null are optional here.
struct QueueSettings {
  bool enabled = true;
  absl::Duration max_wait = absl::Hours(24);
  std::optional<absl::Duration> auto_max_wait;
  std::optional<absl::Duration> capacity_max_wait = absl::Minutes(15);
  std::optional<absl::Duration> non_stream_max_wait = absl::Minutes(5);
  std::optional<absl::Duration> stream_hold_max = absl::Hours(7 * 24);
  std::optional<absl::Duration> stream_client_tolerance;  // default max(60 s, 240 s)
  std::optional<absl::Duration> count_tokens_max_wait;    // default 8 s
  std::optional<absl::Duration> network_max_wait;         // default 120 s
  int max_concurrent_queued = 64;
  int64_t max_queued_bytes = int64_t{1} << 30;
  std::optional<int64_t> max_queued_body_bytes = int64_t{256} << 20;
  absl::Duration poll = absl::Seconds(1);
  absl::Duration heartbeat = absl::Seconds(10);
};

// retry.* (spec §4.1).
struct RetrySettings {
  int max_attempts_per_request = 0;  // 0 = one pass over the accounts
  int64_t max_retry_buffer_bytes = 10 << 20;
};

}  // namespace maxpool::core
