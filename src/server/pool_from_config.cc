#include "server/pool_from_config.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "config/account_diff.h"
#include "config/config_validation.h"
#include "config/core_settings.h"

namespace maxpool::server {

std::vector<PoolAccount> PoolAccountsOf(const v1::Config& config) {
  std::vector<core::AccountSettings> settings = config::AccountSettingsOf(config);
  std::vector<PoolAccount> out;
  size_t next = 0;
  for (const v1::AccountConfig& a : config.accounts()) {
    if (!config::HasCredential(a)) continue;
    PoolAccount account;
    account.settings = std::move(settings[next++]);
    pool::Credential& c = account.credential;
    if (a.type() == "provider") {
      c.kind = pool::CredentialKind::kBearer;
      c.secret = a.has_auth_token() ? a.auth_token() : a.api_key();
    } else if (a.type() == "apikey") {
      c.kind = a.auth_header() == "authorization" ? pool::CredentialKind::kBearer
                                                  : pool::CredentialKind::kApiKey;
      c.secret = a.api_key();
    } else {
      c.kind = pool::CredentialKind::kOAuthBearer;
      c.secret = a.access_token();
      c.refresh_token = a.refresh_token();
      c.expires_at_ms = config::NormalizeExpiryMs(a.expires_at());
    }
    c.upstream = a.has_upstream() && !a.upstream().empty() ? a.upstream() : config.upstream();
    while (!c.upstream.empty() && c.upstream.back() == '/') c.upstream.pop_back();
    out.push_back(std::move(account));
  }
  return out;
}

pool::PoolOptions PoolOptionsOf(const v1::Config& config) {
  pool::PoolOptions options;
  options.scheduler = config::SchedulerSettingsOf(config);
  options.queue = config::QueueSettingsOf(config);
  options.retry = config::RetrySettingsOf(config);
  // The thread gate (spec §12.4) is on unless MAXPOOL_THREAD_GATE=0.
  const char* gate = std::getenv("MAXPOOL_THREAD_GATE");
  options.thread_gate = gate == nullptr || std::string_view(gate) != "0";
  return options;
}

namespace {

// A whole number from the environment, clamped to [min, max]; nullopt when unset or not a number.
std::optional<int64_t> EnvNumber(const config::EnvLookup& env, std::string_view name, int64_t min,
                                 int64_t max) {
  const std::optional<std::string> value = env(name);
  int64_t n = 0;
  if (!value || !absl::SimpleAtoi(*value, &n)) return std::nullopt;
  return std::clamp(n, min, max);
}

}  // namespace

proxy::ProxyOptions ProxyOptionsOf(const v1::Config& config, const config::EnvLookup& env) {
  constexpr int64_t kDayMs = int64_t{24} * 3600 * 1000;
  proxy::ProxyOptions options;
  options.host = config.proxy().host();
  options.port = static_cast<uint16_t>(config.proxy().port());
  options.api_key = config.proxy().api_key();
  if (config.proxy().has_max_client_connections()) {
    options.max_client_connections = config.proxy().max_client_connections();
  }
  if (config.proxy().has_max_buffered_request_bytes()) {
    options.max_buffered_request_bytes = config.proxy().max_buffered_request_bytes();
  }
  options.key_required_on_loopback = config.proxy().key_required_on_loopback();
  if (auto ms = EnvNumber(env, "MAXPOOL_TTFB_MS", 5000, kDayMs)) {
    options.ttfb = std::chrono::milliseconds(*ms);
  }
  if (auto ms = EnvNumber(env, "MAXPOOL_STREAM_IDLE_MS", 30000, kDayMs)) {
    options.stream_idle = std::chrono::milliseconds(*ms);
  }
  if (auto s = EnvNumber(env, "MAXPOOL_PROVIDER_403_COOLDOWN_SEC", 60, kDayMs / 1000)) {
    options.provider_403_cooldown = std::chrono::seconds(*s);
  }
  options.default_upstream = config.upstream();
  while (!options.default_upstream.empty() && options.default_upstream.back() == '/') {
    options.default_upstream.pop_back();
  }
  options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const core::QueueSettings queue = config::QueueSettingsOf(config);
  options.heartbeat = std::chrono::milliseconds(absl::ToInt64Milliseconds(queue.heartbeat));
  return options;
}

std::unique_ptr<pool::Pool> MakePool(const core::Clock& clock, const v1::Config& config) {
  auto pool = std::make_unique<pool::Pool>(clock, PoolOptionsOf(config));
  for (PoolAccount& account : PoolAccountsOf(config)) {
    pool->AddAccount(std::move(account.settings), std::move(account.credential));
  }
  ApplyRoutingOf(config, *pool);
  return pool;
}

std::optional<std::string> ApplyRoutingOf(const v1::Config& config, pool::Pool& pool) {
  const v1::RoutingConfig& routing = config.routing();
  const bool preferred = routing.mode() == "preferred" && routing.has_preferred_account() &&
                         !routing.preferred_account().empty();
  const core::RoutingPolicy current = pool.RoutingPolicy();
  if (!preferred) {
    if (!current.preferred) return std::nullopt;
    pool.SetAutomatic();
    return "routing: automatic (from the config file)";
  }
  if (current.preferred && current.preferred_account == routing.preferred_account()) {
    return std::nullopt;
  }
  if (absl::Status status = pool.SetPreferred(routing.preferred_account()); !status.ok()) {
    return absl::StrCat("warning: routing: cannot prefer \"", routing.preferred_account(),
                        "\" from the config file (", status.message(), "); routing is automatic");
  }
  return absl::StrCat("routing: preferred ", routing.preferred_account(),
                      " (from the config file)");
}

}  // namespace maxpool::server
