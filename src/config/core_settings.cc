#include "config/core_settings.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "config/account_names.h"
#include "config/config_validation.h"
#include "core/rolling_load.h"

namespace maxpool::config {
namespace {

core::Provider ProviderOf(const std::string& name) {
  if (name == "zai") return core::Provider::kZai;
  if (name == "kimi") return core::Provider::kKimi;
  return core::Provider::kAnthropic;
}

// scheduler.providers.<key> (§12.3): the zone (the machine's when absent or unknown), the rows
// (a legacy startUtcMin / endUtcMin stands in for a missing startMin / endMin; a row without
// either is invalid and never matches), the cap (only a finite number counts; clamped to 0..1)
// and the de-preference.
core::ProviderPeak PeakOf(const v1::ProviderPeak& p) {
  core::ProviderPeak peak;
  peak.zone = absl::LocalTimeZone();
  if (absl::TimeZone zone; p.has_peak_timezone() && !p.peak_timezone().empty() &&
                           absl::LoadTimeZone(p.peak_timezone(), &zone)) {
    peak.zone = zone;
  }
  for (const v1::PeakWindow& w : p.peak_windows()) {
    core::PeakWindowRow row;
    row.days.assign(w.days().begin(), w.days().end());
    row.start_min = w.has_start_min()       ? w.start_min()
                    : w.has_start_utc_min() ? w.start_utc_min()
                                            : -1;
    row.end_min = w.has_end_min() ? w.end_min() : w.has_end_utc_min() ? w.end_utc_min() : -1;
    peak.windows.push_back(std::move(row));
  }
  if (p.has_peak_cap() && std::isfinite(p.peak_cap()))
    peak.cap = std::clamp(p.peak_cap(), 0.0, 1.0);
  if (p.has_peak_depreference()) peak.depreference = p.peak_depreference();
  return peak;
}

}  // namespace

core::RoutingMode RoutingModeOf(const v1::SchedulerConfig& s) {
  const std::string mode = s.has_routing_mode() ? s.routing_mode() : "";
  if (mode == "sticky") return core::RoutingMode::kSticky;
  if (mode == "balance") return core::RoutingMode::kBalance;
  if (mode == "prefer-claude") return core::RoutingMode::kPreferClaude;
  if (mode == "prefer-zai") return core::RoutingMode::kPreferZai;
  if (mode == "prefer-kimi") return core::RoutingMode::kPreferKimi;
  // Spec §6.5: derived from the legacy policy when not configured.
  const std::string& policy = s.cross_provider_fallback_policy();
  if (policy == "always") return core::RoutingMode::kBalance;
  if (policy == "when-exhausted") return core::RoutingMode::kPreferClaude;
  return core::RoutingMode::kSticky;
}

core::SchedulerSettings SchedulerSettingsOf(const v1::Config& config) {
  core::SchedulerSettings out;
  const v1::SchedulerConfig& s = config.scheduler();
  if (config.has_switch_threshold() && config.switch_threshold() > 0) {
    out.switch_threshold = config.switch_threshold();
  }
  if (config.has_quota_probe_seconds()) {
    out.quota_probe_interval = absl::Seconds(config.quota_probe_seconds());
  }
  out.routing_mode = RoutingModeOf(s);
  if (s.has_safety_max_active_per_account()) {
    out.safety_max_active_per_account = s.safety_max_active_per_account();
  }
  if (s.has_safety_max_global_active()) out.safety_max_global_active = s.safety_max_global_active();
  if (s.has_cooldown_ms()) out.cooldown = absl::Milliseconds(s.cooldown_ms());
  if (s.has_max_cooldown_ms()) out.max_cooldown = absl::Milliseconds(s.max_cooldown_ms());
  if (s.has_network_cooldown_ms()) {
    out.network_cooldown = absl::Milliseconds(s.network_cooldown_ms());
  }
  if (s.has_weekly_soft_threshold()) out.weekly_soft_threshold = s.weekly_soft_threshold();
  if (s.has_weekly_reserve_threshold()) out.weekly_reserve_threshold = s.weekly_reserve_threshold();
  if (s.has_weekly_critical_threshold()) {
    out.weekly_critical_threshold = s.weekly_critical_threshold();
  }
  if (s.has_weekly_exhausted_threshold()) {
    out.weekly_exhausted_threshold = s.weekly_exhausted_threshold();
  }
  if (s.has_critical_pre_reset_hours()) out.critical_pre_reset_hours = s.critical_pre_reset_hours();
  if (s.has_critical_pressure_unlock_routes()) {
    out.critical_pressure_unlock_routes = s.critical_pressure_unlock_routes();
  }
  if (s.has_critical_pressure_cost()) out.critical_pressure_cost = s.critical_pressure_cost();
  if (s.has_critical_drain_floor_cost()) {
    out.critical_drain_floor_cost = s.critical_drain_floor_cost();
  }
  if (s.has_critical_peak_unlock()) out.critical_peak_unlock = s.critical_peak_unlock();
  if (s.has_weekly_burn_debt_weight()) out.weekly_burn_debt_weight = s.weekly_burn_debt_weight();
  if (s.has_concurrency_weight()) out.concurrency_weight = s.concurrency_weight();
  if (s.has_per_account_concurrency_target()) {
    out.per_account_concurrency_target = s.per_account_concurrency_target();
  }
  if (s.has_cap_penalty_weight()) out.cap_penalty_weight = s.cap_penalty_weight();
  if (s.has_pace_cost_weight()) out.pace_cost_weight = s.pace_cost_weight();
  if (s.has_utilization_weight()) out.utilization_weight = s.utilization_weight();
  if (s.has_weekly_aware_scoring()) out.weekly_aware_scoring = s.weekly_aware_scoring();
  if (s.has_reserve_floor_cost()) out.reserve_floor_cost = s.reserve_floor_cost();
  if (s.has_reserve_band_weight()) out.reserve_band_weight = s.reserve_band_weight();
  if (s.has_reserve_scarcity_weight()) out.reserve_scarcity_weight = s.reserve_scarcity_weight();
  if (s.has_reserve_concurrency_target()) {
    out.reserve_concurrency_target = s.reserve_concurrency_target();
  }
  if (s.has_spread_share_weight()) out.spread_share_weight = s.spread_share_weight();
  if (s.has_fast_refill_discount()) out.fast_refill_discount = s.fast_refill_discount();
  if (s.has_fast_refill_fade_util()) out.fast_refill_fade_util = s.fast_refill_fade_util();
  if (s.has_recovery_ramp_weight()) out.recovery_ramp_weight = s.recovery_ramp_weight();
  if (s.has_recovery_ramp_ms()) out.recovery_ramp = absl::Milliseconds(s.recovery_ramp_ms());
  if (s.has_session_idle_ms()) out.session_idle = absl::Milliseconds(s.session_idle_ms());
  if (s.has_max_session_bindings()) out.max_session_bindings = s.max_session_bindings();
  if (s.has_spread_window_ms()) {
    // Load is kept for an hour (core::RollingLoad::kHorizon): a longer window reads all of it.
    out.spread_window =
        std::min(absl::Milliseconds(s.spread_window_ms()), core::RollingLoad::kHorizon);
  }
  if (s.has_cross_account_thinking_migration()) {
    out.cross_account_thinking_migration = s.cross_account_thinking_migration();
  }
  for (const auto& [key, provider] : s.providers()) {
    switch (ProviderOf(key)) {
      case core::Provider::kZai:
        out.zai_peak = PeakOf(provider);
        break;
      case core::Provider::kKimi:
        out.kimi_peak = PeakOf(provider);
        break;
      case core::Provider::kAnthropic:
        break;
    }
  }
  return out;
}

core::QueueSettings QueueSettingsOf(const v1::Config& config) {
  core::QueueSettings out;
  const v1::QueueConfig& q = config.queue();
  // The reference's nullable waits: an explicit null (absent here) means "use the fallback".
  auto nullable = [](bool has, int64_t ms) -> std::optional<absl::Duration> {
    if (!has) return std::nullopt;
    return absl::Milliseconds(ms);
  };
  if (q.has_enabled()) out.enabled = q.enabled();
  if (q.has_max_wait_ms()) out.max_wait = absl::Milliseconds(q.max_wait_ms());
  out.auto_max_wait = nullable(q.has_auto_max_wait_ms(), q.auto_max_wait_ms());
  out.capacity_max_wait = nullable(q.has_capacity_max_wait_ms(), q.capacity_max_wait_ms());
  out.non_stream_max_wait = nullable(q.has_non_stream_max_wait_ms(), q.non_stream_max_wait_ms());
  out.stream_hold_max = nullable(q.has_stream_hold_max_ms(), q.stream_hold_max_ms());
  out.stream_client_tolerance =
      nullable(q.has_stream_client_tolerance_ms(), q.stream_client_tolerance_ms());
  out.count_tokens_max_wait =
      nullable(q.has_count_tokens_max_wait_ms(), q.count_tokens_max_wait_ms());
  out.network_max_wait = nullable(q.has_network_max_wait_ms(), q.network_max_wait_ms());
  if (q.has_max_concurrent_queued()) out.max_concurrent_queued = q.max_concurrent_queued();
  if (q.has_max_queued_bytes()) out.max_queued_bytes = q.max_queued_bytes();
  out.max_queued_body_bytes = q.has_max_queued_body_bytes()
                                  ? std::optional<int64_t>(q.max_queued_body_bytes())
                                  : std::nullopt;
  if (q.has_poll_ms()) out.poll = absl::Milliseconds(std::max<int64_t>(q.poll_ms(), 100));
  if (q.has_heartbeat_ms()) {
    out.heartbeat = absl::Milliseconds(std::max<int64_t>(q.heartbeat_ms(), 1000));
  }
  return out;
}

core::RetrySettings RetrySettingsOf(const v1::Config& config) {
  core::RetrySettings out;
  const v1::RetryConfig& r = config.retry();
  if (r.has_max_attempts_per_request()) out.max_attempts_per_request = r.max_attempts_per_request();
  if (r.has_max_retry_buffer_bytes()) out.max_retry_buffer_bytes = r.max_retry_buffer_bytes();
  return out;
}

std::vector<core::AccountSettings> AccountSettingsOf(const v1::Config& config) {
  std::vector<core::AccountSettings> out;
  for (int i = 0; i < config.accounts_size(); ++i) {
    const v1::AccountConfig& a = config.accounts(i);
    if (!HasCredential(a)) continue;  // spec §1.1: dropped at startup
    core::AccountSettings settings;
    settings.name = AccountNameOf(a, i);
    if (a.type() == "provider") {
      settings.type = core::AccountType::kProvider;
      settings.provider = ProviderOf(a.provider());
      settings.profiles = {"all"};
    } else {
      settings.type = a.type() == "apikey" ? core::AccountType::kApiKey : core::AccountType::kOAuth;
      settings.provider = core::Provider::kAnthropic;
    }
    if (a.profiles_size() > 0) settings.profiles.assign(a.profiles().begin(), a.profiles().end());
    if (a.has_priority()) settings.priority = a.priority();
    if (a.has_cap_utilization() && a.cap_utilization() > 0 && a.cap_utilization() < 1) {
      settings.cap_utilization = a.cap_utilization();
    }
    if (a.has_enabled()) settings.enabled = a.enabled();
    if (a.has_added_at()) settings.added_at = absl::FromUnixMillis(a.added_at());
    out.push_back(std::move(settings));
  }
  return out;
}

std::vector<core::AccountSettings> ProviderAccountSettingsOf(const v1::Config& config) {
  std::vector<core::AccountSettings> out;
  for (int i = 0; i < config.providers_size(); ++i) {
    const v1::ProviderAccount& p = config.providers(i);
    core::AccountSettings settings;
    settings.name = p.has_name() ? p.name() : absl::StrCat(p.provider(), "-", i + 1);
    settings.type = core::AccountType::kProvider;
    settings.provider = ProviderOf(p.provider());
    settings.priority = p.has_priority() ? p.priority() : 10;  // spec §1.6
    settings.profiles = {"all"};
    if (p.has_enabled()) settings.enabled = p.enabled();
    out.push_back(std::move(settings));
  }
  return out;
}

}  // namespace maxpool::config
