#pragma once

// Builds the live pool and the data-plane options from a loaded config: each account's routing
// settings (config::AccountSettingsOf) with its credential and upstream, and proxy.* / queue.* /
// retry.* as ProxyOptions and PoolOptions. Accounts without a credential are skipped (the
// loader already warned about them).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config_loader.h"
#include "config/config_path.h"
#include "core/clock.h"
#include "pool/pool.h"
#include "proxy/proxy_options.h"

namespace maxpool::server {

struct PoolAccount {
  core::AccountSettings settings;
  pool::Credential credential;
};

// The accounts of `config` in file order. The credential's upstream is the account's own
// `upstream`, else the config's `upstream`. An OAuth account's credential holds its whole token
// set (the pool is where tokens live): access token, refresh token, expiry in ms.
std::vector<PoolAccount> PoolAccountsOf(const v1::Config& config);

pool::PoolOptions PoolOptionsOf(const v1::Config& config);
// proxy.* and queue.heartbeatMs, and the environment's MAXPOOL_TTFB_MS (at least 5 s),
// MAXPOOL_STREAM_IDLE_MS (at least 30 s) and MAXPOOL_PROVIDER_403_COOLDOWN_SEC (at least 60 s),
// each at most a day; a value that is not a whole number is ignored.
proxy::ProxyOptions ProxyOptionsOf(const v1::Config& config,
                                   const config::EnvLookup& env = config::ProcessEnv());

// A pool with every account of `config` added, routed as its `routing` section says.
std::unique_ptr<pool::Pool> MakePool(const core::Clock& clock, const v1::Config& config);

// Makes the pool route as `config.routing` says (automatic, or a preferred account) when it does
// not already. Returns a line that says what changed, or nullopt when nothing did. A preferred
// account the pool cannot prefer (gone, disabled) leaves routing automatic, and the line says why.
std::optional<std::string> ApplyRoutingOf(const v1::Config& config, pool::Pool& pool);

}  // namespace maxpool::server
