#include "config/config_validation.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "boost/json/serialize.hpp"
#include "boost/json/string.hpp"
#include "config/json_proto_codec.h"

namespace maxpool::config {
namespace {

using Options = std::vector<absl::string_view>;

const Options& FallbackPolicies() {
  static const auto* const kOptions = new Options{"never", "when-exhausted", "always"};
  return *kOptions;
}

const Options& RoutingModes() {
  static const auto* const kOptions =
      new Options{"sticky", "balance", "prefer-claude", "prefer-zai", "prefer-kimi"};
  return *kOptions;
}

// A value for an error message. Only short plain words are shown: a credential pasted into the
// wrong field (tokens are long) must never reach a message.
std::string Quote(absl::string_view value) {
  constexpr size_t kMax = 24;
  const bool plain = value.size() <= kMax && std::all_of(value.begin(), value.end(), [](char c) {
                       return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                              c == '_' || c == '.' || c == '@' || c == '+' || c == ' ';
                     });
  if (!plain) return "(value not shown)";
  return boost::json::serialize(boost::json::string(std::string(value)));
}

bool IsLoopbackHost(absl::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || absl::StartsWith(host, "127.");
}

constexpr int64_t kMaxMillis = int64_t{365} * 24 * 3600 * 1000;
constexpr double kMaxNumber = 1e9;

// Collects the first error; the checks go on but only the first one is reported.
class Validator {
 public:
  explicit Validator(std::vector<std::string>& warnings) : warnings_(warnings) {}

  absl::Status result() const { return first_error_; }

  void Fail(const std::string& path, absl::string_view reason) {
    if (first_error_.ok()) {
      first_error_ = absl::InvalidArgumentError(absl::StrCat(path, ": ", reason));
    }
  }
  void Warn(const std::string& path, absl::string_view what) {
    warnings_.push_back(absl::StrCat(path, ": ", what));
  }

  void Port(bool has, int64_t value, const std::string& path) {
    if (has && (value < 1 || value > 65535)) {
      Fail(path, absl::StrCat("must be between 1 and 65535, got ", value));
    }
  }
  void Fraction(bool has, double value, const std::string& path) {
    if (has && !(value >= 0 && value <= 1)) {
      Fail(path, absl::StrCat("must be a fraction between 0 and 1, got ", value));
    }
  }
  // Numbers that scale costs or counts: finite, and at most kMaxNumber, so no product of them
  // leaves a double's range or a later conversion to an integer overflows.
  void Positive(bool has, double value, const std::string& path) {
    if (!has) return;
    if (!(value > 0)) return Fail(path, absl::StrCat("must be positive, got ", value));
    AtMost(value, kMaxNumber, path);
  }
  void NonNegative(bool has, double value, const std::string& path) {
    if (!has) return;
    if (!(value >= 0)) return Fail(path, absl::StrCat("must not be negative, got ", value));
    AtMost(value, kMaxNumber, path);
  }
  // A duration in milliseconds: not negative (or positive when `zero_ok` is false) and at most a
  // year, which every timer can hold.
  void Millis(bool has, int64_t value, const std::string& path, bool zero_ok = true) {
    if (!has) return;
    if (value < 0 || (!zero_ok && value == 0)) {
      return Fail(path, absl::StrCat(zero_ok ? "must not be negative" : "must be positive",
                                     ", got ", value));
    }
    if (value > kMaxMillis) {
      Fail(path, absl::StrCat("must be at most ", kMaxMillis, " (one year in milliseconds), got ",
                              value));
    }
  }
  // A size in bytes: not negative, at most a pebibyte.
  void Bytes(bool has, int64_t value, const std::string& path) {
    constexpr int64_t kMaxBytes = int64_t{1} << 50;
    if (!has) return;
    if (value < 0) return Fail(path, absl::StrCat("must not be negative, got ", value));
    if (value > kMaxBytes) Fail(path, absl::StrCat("must be at most ", kMaxBytes, ", got ", value));
  }
  void AtMost(double value, double max, const std::string& path) {
    if (!(value <= max)) Fail(path, absl::StrCat("must be at most ", max, ", got ", value));
  }
  void OneOf(bool has, const std::string& value, const Options& allowed, const std::string& path) {
    if (!has) return;
    for (absl::string_view option : allowed) {
      if (value == option) return;
    }
    std::vector<std::string> quoted;
    for (absl::string_view option : allowed) quoted.push_back(Quote(option));
    Fail(path, absl::StrCat("unknown value ", Quote(value), ", expected one of ",
                            absl::StrJoin(quoted, ", ")));
  }
  void HttpUrl(bool has, const std::string& value, const std::string& path) {
    if (has && !absl::StartsWith(value, "http://") && !absl::StartsWith(value, "https://")) {
      Fail(path, "must be an http:// or https:// URL");
    }
  }

 private:
  std::vector<std::string>& warnings_;
  absl::Status first_error_;
};

void ValidateScheduler(v1::SchedulerConfig& s, Validator& v) {
  const std::string p = "scheduler.";
  v.Positive(s.has_safety_max_active_per_account(), s.safety_max_active_per_account(),
             p + "safetyMaxActivePerAccount");
  v.Positive(s.has_safety_max_global_active(), s.safety_max_global_active(),
             p + "safetyMaxGlobalActive");
  v.Millis(s.has_cooldown_ms(), s.cooldown_ms(), p + "cooldownMs", false);
  v.Millis(s.has_max_cooldown_ms(), s.max_cooldown_ms(), p + "maxCooldownMs", false);
  v.Millis(s.has_network_cooldown_ms(), s.network_cooldown_ms(), p + "networkCooldownMs", false);
  v.Fraction(s.has_weekly_soft_threshold(), s.weekly_soft_threshold(), p + "weeklySoftThreshold");
  v.Fraction(s.has_weekly_reserve_threshold(), s.weekly_reserve_threshold(),
             p + "weeklyReserveThreshold");
  v.Fraction(s.has_weekly_critical_threshold(), s.weekly_critical_threshold(),
             p + "weeklyCriticalThreshold");
  v.Fraction(s.has_weekly_exhausted_threshold(), s.weekly_exhausted_threshold(),
             p + "weeklyExhaustedThreshold");
  // Spec §2.4: the tiers are soft < reserve < critical <= exhausted.
  if (s.has_weekly_soft_threshold() && s.has_weekly_reserve_threshold() &&
      !(s.weekly_soft_threshold() < s.weekly_reserve_threshold())) {
    v.Fail(p + "weeklyReserveThreshold",
           absl::StrCat("must be greater than weeklySoftThreshold (", s.weekly_soft_threshold(),
                        "), got ", s.weekly_reserve_threshold()));
  }
  if (s.has_weekly_reserve_threshold() && s.has_weekly_critical_threshold() &&
      !(s.weekly_reserve_threshold() < s.weekly_critical_threshold())) {
    v.Fail(p + "weeklyCriticalThreshold",
           absl::StrCat("must be greater than weeklyReserveThreshold (",
                        s.weekly_reserve_threshold(), "), got ", s.weekly_critical_threshold()));
  }
  if (s.has_weekly_critical_threshold() && s.has_weekly_exhausted_threshold() &&
      !(s.weekly_critical_threshold() <= s.weekly_exhausted_threshold())) {
    v.Fail(p + "weeklyExhaustedThreshold",
           absl::StrCat("must not be less than weeklyCriticalThreshold (",
                        s.weekly_critical_threshold(), "), got ", s.weekly_exhausted_threshold()));
  }
  v.OneOf(s.has_cross_provider_fallback_policy(), s.cross_provider_fallback_policy(),
          FallbackPolicies(), p + "crossProviderFallbackPolicy");
  v.OneOf(s.has_routing_mode(), s.routing_mode(), RoutingModes(), p + "routingMode");
  v.NonNegative(s.has_peak_defaults_version(), s.peak_defaults_version(),
                p + "peakDefaultsVersion");

  v.NonNegative(s.has_critical_pre_reset_hours(), s.critical_pre_reset_hours(),
                p + "criticalPreResetHours");
  if (s.has_critical_pre_reset_hours()) {
    v.AtMost(s.critical_pre_reset_hours(), 24 * 7, p + "criticalPreResetHours");
  }
  // Any negative value (the reference writes -1) turns the pressure unlock off.
  if (s.has_critical_pressure_unlock_routes()) {
    v.AtMost(s.critical_pressure_unlock_routes(), kMaxNumber, p + "criticalPressureUnlockRoutes");
  }
  v.Positive(s.has_per_account_concurrency_target(), s.per_account_concurrency_target(),
             p + "perAccountConcurrencyTarget");
  v.Positive(s.has_reserve_concurrency_target(), s.reserve_concurrency_target(),
             p + "reserveConcurrencyTarget");
  v.Fraction(s.has_fast_refill_discount(), s.fast_refill_discount(), p + "fastRefillDiscount");
  v.Fraction(s.has_fast_refill_fade_util(), s.fast_refill_fade_util(), p + "fastRefillFadeUtil");
  v.Millis(s.has_recovery_ramp_ms(), s.recovery_ramp_ms(), p + "recoveryRampMs", false);
  v.Millis(s.has_spread_window_ms(), s.spread_window_ms(), p + "spreadWindowMs", false);
  v.Millis(s.has_session_idle_ms(), s.session_idle_ms(), p + "sessionIdleMs", false);
  v.Positive(s.has_max_session_bindings(), s.max_session_bindings(), p + "maxSessionBindings");
  if (s.has_max_session_bindings()) {
    v.AtMost(s.max_session_bindings(), 10000000, p + "maxSessionBindings");
  }
  if (s.has_spread_window_ms() && s.spread_window_ms() > 3600000 &&
      s.spread_window_ms() <= kMaxMillis) {
    v.Warn(p + "spreadWindowMs", absl::StrCat(s.spread_window_ms(),
                                              " is longer than the hour of load kept; read as "
                                              "3600000"));
  }
  const std::pair<bool, double> weights[] = {
      {s.has_critical_pressure_cost(), s.critical_pressure_cost()},
      {s.has_critical_drain_floor_cost(), s.critical_drain_floor_cost()},
      {s.has_weekly_burn_debt_weight(), s.weekly_burn_debt_weight()},
      {s.has_concurrency_weight(), s.concurrency_weight()},
      {s.has_cap_penalty_weight(), s.cap_penalty_weight()},
      {s.has_pace_cost_weight(), s.pace_cost_weight()},
      {s.has_utilization_weight(), s.utilization_weight()},
      {s.has_scarcity_weight(), s.scarcity_weight()},
      {s.has_reserve_floor_cost(), s.reserve_floor_cost()},
      {s.has_reserve_band_weight(), s.reserve_band_weight()},
      {s.has_reserve_scarcity_weight(), s.reserve_scarcity_weight()},
      {s.has_spread_share_weight(), s.spread_share_weight()},
      {s.has_recovery_ramp_weight(), s.recovery_ramp_weight()},
  };
  const char* const weight_names[] = {
      "criticalPressureCost", "criticalDrainFloorCost", "weeklyBurnDebtWeight",
      "concurrencyWeight",    "capPenaltyWeight",       "paceCostWeight",
      "utilizationWeight",    "scarcityWeight",         "reserveFloorCost",
      "reserveBandWeight",    "reserveScarcityWeight",  "spreadShareWeight",
      "recoveryRampWeight"};
  for (size_t i = 0; i < std::size(weights); ++i) {
    v.NonNegative(weights[i].first, weights[i].second, p + weight_names[i]);
  }

  // Peak settings (spec §12.3). A malformed window never matches; the reference tolerates it,
  // so it is a warning here.
  std::map<std::string, v1::ProviderPeak*> providers;  // sorted, for stable messages
  for (auto& [key, peak] : *s.mutable_providers()) providers[key] = &peak;
  for (auto& [key, peak] : providers) {
    const std::string pp = AppendKeyPath("scheduler.providers", key);
    v.OneOf(peak->has_claude_fallback(), peak->claude_fallback(), FallbackPolicies(),
            pp + ".claudeFallback");
    if (peak->has_peak_cap() && !(peak->peak_cap() >= 0 && peak->peak_cap() <= 1)) {
      v.Warn(pp + ".peakCap", absl::StrCat(peak->peak_cap(), " is outside 0..1 and is clamped"));
    }
    for (int i = 0; i < peak->peak_windows_size(); ++i) {
      const v1::PeakWindow& w = peak->peak_windows(i);
      const bool has_start = w.has_start_min() || w.has_start_utc_min();
      const bool has_end = w.has_end_min() || w.has_end_utc_min();
      const int start = w.has_start_min() ? w.start_min() : w.start_utc_min();
      const int end = w.has_end_min() ? w.end_min() : w.end_utc_min();
      bool any_day = false;
      for (int day : w.days()) any_day = any_day || (day >= 0 && day <= 6);
      std::string problem;
      if (!has_start || start < 0 || start >= 1440) {
        problem = "startMin must be 0..1439";
      } else if (!has_end || end <= 0 || end > 1440) {
        problem = "endMin must be 1..1440";
      } else if (start == end) {
        problem = "startMin equals endMin";
      } else if (!any_day) {
        problem = "days must name at least one day 0..6";
      }
      if (!problem.empty()) {
        v.Warn(absl::StrCat(pp, ".peakWindows[", i, "]"),
               absl::StrCat(problem, "; this window never matches"));
      }
    }
  }
}

void ValidateQueue(const v1::QueueConfig& q, Validator& v) {
  const std::string p = "queue.";
  // 0 is meaningful for the waits (hold nothing), so only negatives are refused.
  const std::pair<bool, int64_t> waits[] = {
      {q.has_max_wait_ms(), q.max_wait_ms()},
      {q.has_auto_max_wait_ms(), q.auto_max_wait_ms()},
      {q.has_capacity_max_wait_ms(), q.capacity_max_wait_ms()},
      {q.has_weekly_max_wait_ms(), q.weekly_max_wait_ms()},
      {q.has_stream_hold_max_ms(), q.stream_hold_max_ms()},
      {q.has_non_stream_max_wait_ms(), q.non_stream_max_wait_ms()},
      {q.has_stream_client_tolerance_ms(), q.stream_client_tolerance_ms()},
      {q.has_count_tokens_max_wait_ms(), q.count_tokens_max_wait_ms()},
      {q.has_network_max_wait_ms(), q.network_max_wait_ms()},
  };
  const char* const wait_names[] = {
      "maxWaitMs",       "autoMaxWaitMs",      "capacityMaxWaitMs",       "weeklyMaxWaitMs",
      "streamHoldMaxMs", "nonStreamMaxWaitMs", "streamClientToleranceMs", "countTokensMaxWaitMs",
      "networkMaxWaitMs"};
  for (size_t i = 0; i < std::size(waits); ++i) {
    v.Millis(waits[i].first, waits[i].second, p + wait_names[i]);
  }
  v.NonNegative(q.has_max_concurrent_queued(), q.max_concurrent_queued(),
                p + "maxConcurrentQueued");
  v.Bytes(q.has_max_queued_bytes(), q.max_queued_bytes(), p + "maxQueuedBytes");
  v.Bytes(q.has_max_queued_body_bytes(), q.max_queued_body_bytes(), p + "maxQueuedBodyBytes");
  v.Millis(q.has_poll_ms(), q.poll_ms(), p + "pollMs", false);
  v.Millis(q.has_heartbeat_ms(), q.heartbeat_ms(), p + "heartbeatMs", false);
  v.Millis(q.has_stream_forward_grace_ms(), q.stream_forward_grace_ms(), p + "streamForwardGraceMs",
           false);
}

void ValidateAccounts(v1::Config& config, Validator& v) {
  std::map<std::string, std::string> names;  // name -> key path of its first use
  auto check_name = [&](const std::string& name, const std::string& path) {
    auto [it, inserted] = names.emplace(name, path);
    if (!inserted) {
      v.Fail(path + ".name",
             absl::StrCat("duplicate account name ", Quote(name), " (also ", it->second, ")"));
    }
  };
  for (int i = 0; i < config.accounts_size(); ++i) {
    v1::AccountConfig& a = *config.mutable_accounts(i);
    const std::string p = absl::StrCat("accounts[", i, "]");
    if (!a.has_type()) {
      v.Fail(p + ".type", R"(is required: one of "oauth", "apikey", "provider")");
    }
    v.OneOf(a.has_type(), a.type(), {"oauth", "apikey", "provider"}, p + ".type");
    if (a.type() == "provider") {
      if (!a.has_provider()) v.Fail(p + ".provider", R"(is required: one of "zai", "kimi")");
      v.OneOf(a.has_provider(), a.provider(), {"zai", "kimi"}, p + ".provider");
    } else {
      v.OneOf(a.has_provider(), a.provider(), {"anthropic"}, p + ".provider");
    }
    v.OneOf(a.has_auth_header(), a.auth_header(), {"authorization", "x-api-key"},
            p + ".authHeader");
    v.HttpUrl(a.has_upstream(), a.upstream(), p + ".upstream");
    if (a.has_name()) check_name(a.name(), p);
    if (a.has_priority() && !(std::abs(a.priority()) <= kMaxNumber)) {
      v.Fail(p + ".priority", absl::StrCat("must be a number between ", -kMaxNumber, " and ",
                                           kMaxNumber, ", got ", a.priority()));
    }
    if (a.has_cap_utilization() && !(a.cap_utilization() > 0 && a.cap_utilization() < 1)) {
      v.Warn(p + ".capUtilization",
             absl::StrCat(a.cap_utilization(),
                          " is not strictly between 0 and 1; the account has no usage cap"));
      a.clear_cap_utilization();
    }
    if (a.has_type() && !HasCredential(a)) {
      const std::string label = a.has_name() ? absl::StrCat(p, " (", Quote(a.name()), ")") : p;
      const absl::string_view needed = a.type() == "oauth"
                                           ? "accessToken; re-add it with `maxpool login`"
                                       : a.type() == "apikey" ? "apiKey"
                                                              : "authToken or apiKey";
      v.Warn(label, absl::StrCat("skipped: no ", needed));
    }
  }
  for (int i = 0; i < config.providers_size(); ++i) {
    const v1::ProviderAccount& pa = config.providers(i);
    const std::string p = absl::StrCat("providers[", i, "]");
    if (!pa.has_provider()) v.Fail(p + ".provider", R"(is required: one of "zai", "kimi")");
    v.OneOf(pa.has_provider(), pa.provider(), {"zai", "kimi"}, p + ".provider");
    v.HttpUrl(pa.has_upstream(), pa.upstream(), p + ".upstream");
    if (pa.has_name()) check_name(pa.name(), p);
    if (pa.has_priority() && !(std::abs(pa.priority()) <= kMaxNumber)) {
      v.Fail(p + ".priority", absl::StrCat("must be a number between ", -kMaxNumber, " and ",
                                           kMaxNumber, ", got ", pa.priority()));
    }
    if (!pa.has_api_key() && !pa.has_secret_name()) {
      v.Warn(p, "has neither apiKey nor secretName; it starts in error");
    }
  }
}

void ValidateRouting(v1::Config& config, Validator& v) {
  v1::RoutingConfig& routing = *config.mutable_routing();
  v.OneOf(routing.has_mode(), routing.mode(), {"automatic", "preferred"}, "routing.mode");
  const bool preferred = routing.mode() == "preferred";
  if (!routing.has_preferred_account()) {
    if (preferred) {
      v.Warn("routing.mode",
             "\"preferred\" without routing.preferredAccount; routing is automatic");
      routing.set_mode("automatic");
    }
    return;
  }
  // Spec §6.7: only an existing, enabled, non-provider account can be preferred.
  const v1::AccountConfig* found = nullptr;
  for (const v1::AccountConfig& a : config.accounts()) {
    if (a.has_name() && a.name() == routing.preferred_account()) found = &a;
  }
  std::string problem;
  if (found == nullptr) {
    problem = absl::StrCat("no account is named ", Quote(routing.preferred_account()));
  } else if (found->type() == "provider") {
    problem = "a provider account cannot be preferred";
  } else if (found->has_enabled() && !found->enabled()) {
    problem = "the account is disabled";
  }
  if (problem.empty()) return;
  if (preferred) {
    v.Warn("routing.preferredAccount", problem + "; routing is automatic");
    routing.set_mode("automatic");
  } else if (found == nullptr) {
    v.Warn("routing.preferredAccount", problem);
  }
}

void ValidateListeners(const v1::Config& config, Validator& v) {
  v.Port(config.proxy().has_port(), config.proxy().port(), "proxy.port");
  if (config.proxy().has_host() && config.proxy().host().empty()) {
    v.Fail("proxy.host", "must not be empty");
  }
  v.Positive(config.proxy().has_max_client_connections(), config.proxy().max_client_connections(),
             "proxy.maxClientConnections");
  v.Bytes(config.proxy().has_max_buffered_request_bytes(),
          config.proxy().max_buffered_request_bytes(), "proxy.maxBufferedRequestBytes");
  const v1::ControlConfig& control = config.control();
  v.Port(control.has_port(), control.port(), "control.port");
  if (control.has_host() && control.host().empty()) v.Fail("control.host", "must not be empty");
  const v1::TlsConfig& tls = control.tls();
  if (control.has_host() && !IsLoopbackHost(control.host()) && control.token().empty() &&
      tls.cert_file().empty()) {
    v.Fail("control.token",
           "control.token or control.tls is required when control.host is not a loopback "
           "address: anyone who can reach it could change the pool's accounts");
  }
  if (control.has_read_only_token() && !control.read_only_token().empty() &&
      control.read_only_token() == control.token()) {
    v.Fail("control.readOnlyToken", "must differ from control.token");
  }
  if (tls.has_cert_file() != tls.has_key_file()) {
    v.Fail("control.tls", "certFile and keyFile must be set together");
  }
  if (tls.has_client_ca_file() && !tls.has_cert_file()) {
    v.Fail("control.tls.clientCaFile", "needs certFile and keyFile");
  }
  if (control.has_max_watch_streams() &&
      (control.max_watch_streams() < 1 || control.max_watch_streams() > 1000000)) {
    v.Fail("control.maxWatchStreams",
           absl::StrCat("must be between 1 and 1000000, got ", control.max_watch_streams()));
  }
  v.Port(config.admin().has_port(), config.admin().port(), "admin.port");
  if (config.admin().has_host() && config.admin().host().empty()) {
    v.Fail("admin.host", "must not be empty");
  }
  v.OneOf(config.logging().has_format(), config.logging().format(), {"text", "json"},
          "logging.format");
  v.OneOf(config.logging().has_level(), config.logging().level(),
          {"trace", "debug", "info", "warn", "error", "critical", "off"}, "logging.level");
}

}  // namespace

bool HasCredential(const v1::AccountConfig& account) {
  if (account.type() == "oauth") return !account.access_token().empty();
  if (account.type() == "apikey") return !account.api_key().empty();
  if (account.type() == "provider") {
    return !account.auth_token().empty() || !account.api_key().empty();
  }
  return false;
}

// `state`: the backend, and for "redis" a redis:// or rediss:// URL (the server parses the rest
// when it connects) and a positive timeout.
void ValidateState(const v1::StateConfig& state, Validator& v) {
  v.OneOf(state.has_backend(), state.backend(), {"file", "redis"}, "state.backend");
  if (state.has_pool() && state.pool().empty()) v.Fail("state.pool", "must not be empty");
  const v1::RedisConfig& redis = state.redis();
  if (state.backend() == "redis" && redis.url().empty()) {
    v.Fail("state.redis.url", "is required with state.backend \"redis\" (or MAXPOOL_REDIS_URL)");
  }
  if (!redis.url().empty() && !absl::StartsWith(redis.url(), "redis://") &&
      !absl::StartsWith(redis.url(), "rediss://")) {
    v.Fail("state.redis.url", "must start with redis:// or rediss://");
  }
  if (redis.has_timeout_ms() && redis.timeout_ms() <= 0) {
    v.Fail("state.redis.timeoutMs", absl::StrCat("must be positive, got ", redis.timeout_ms()));
  }
  if (state.has_replica() && state.replica().empty()) v.Fail("state.replica", "must not be empty");
  if (state.has_lease_ttl_ms() && state.lease_ttl_ms() <= 0) {
    v.Fail("state.leaseTtlMs", absl::StrCat("must be positive, got ", state.lease_ttl_ms()));
  }
  if (state.has_sync_interval_ms() && state.sync_interval_ms() <= 0) {
    v.Fail("state.syncIntervalMs",
           absl::StrCat("must be positive, got ", state.sync_interval_ms()));
  }
  const int64_t ttl = state.has_lease_ttl_ms() ? state.lease_ttl_ms() : 5000;
  const int64_t sync = state.has_sync_interval_ms() ? state.sync_interval_ms() : 1000;
  if (ttl > 0 && sync > 0 && sync * 3 > ttl) {
    v.Fail("state.syncIntervalMs",
           absl::StrCat("must be at most a third of state.leaseTtlMs (", ttl, " ms), got ", sync,
                        ": a lease must survive two missed renewals"));
  }
}

absl::Status ValidateConfig(v1::Config& config, std::vector<std::string>& warnings) {
  Validator v(warnings);
  ValidateListeners(config, v);
  v.HttpUrl(config.has_upstream(), config.upstream(), "upstream");
  if (config.has_switch_threshold()) {
    v.Fraction(true, config.switch_threshold(), "switchThreshold");
    if (config.switch_threshold() == 0) {  // spec §0.3: falsy -> default
      v.Warn("switchThreshold", "0 is read as 0.90");
      config.set_switch_threshold(0.90);
    }
  }
  if (config.has_quota_probe_seconds()) {
    const int64_t seconds = config.quota_probe_seconds();
    if (seconds < 0)
      v.Fail("quotaProbeSeconds", absl::StrCat("must not be negative, got ", seconds));
    if (seconds > kMaxMillis / 1000) {
      v.Fail("quotaProbeSeconds",
             absl::StrCat("must be at most ", kMaxMillis / 1000, " (one year), got ", seconds));
    }
  }
  ValidateScheduler(*config.mutable_scheduler(), v);
  ValidateState(config.state(), v);
  v.NonNegative(config.retry().has_max_attempts_per_request(),
                config.retry().max_attempts_per_request(), "retry.maxAttemptsPerRequest");
  v.Bytes(config.retry().has_max_retry_buffer_bytes(), config.retry().max_retry_buffer_bytes(),
          "retry.maxRetryBufferBytes");
  v.Millis(config.shutdown().has_drain_timeout_ms(), config.shutdown().drain_timeout_ms(),
           "shutdown.drainTimeoutMs");
  v.Millis(config.has_restart_drain_timeout_ms(), config.restart_drain_timeout_ms(),
           "restartDrainTimeoutMs");
  v.Millis(config.sync().has_accounts_interval_ms(), config.sync().accounts_interval_ms(),
           "sync.accountsIntervalMs", false);
  ValidateQueue(config.queue(), v);
  ValidateAccounts(config, v);
  ValidateRouting(config, v);
  if (config.has_generation() && config.generation() < 0) {
    v.Fail("_generation", absl::StrCat("must not be negative, got ", config.generation()));
  }
  return v.result();
}

}  // namespace maxpool::config
