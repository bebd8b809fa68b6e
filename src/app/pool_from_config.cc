#include "app/pool_from_config.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "config/config_validation.h"
#include "config/core_settings.h"

namespace maxpool::app {

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
  return options;
}

proxy::ProxyOptions ProxyOptionsOf(const v1::Config& config) {
  proxy::ProxyOptions options;
  options.host = config.proxy().host();
  options.port = static_cast<uint16_t>(config.proxy().port());
  options.api_key = config.proxy().api_key();
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

}  // namespace maxpool::app
