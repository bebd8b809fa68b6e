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
#include "core/clock.h"
#include "pool/pool.h"
#include "proxy/proxy_options.h"

namespace maxpool::app {

struct PoolAccount {
  core::AccountSettings settings;
  pool::Credential credential;
};

// The accounts of `config` in file order. The credential's upstream is the account's own
// `upstream`, else the config's `upstream`.
std::vector<PoolAccount> PoolAccountsOf(const v1::Config& config);

pool::PoolOptions PoolOptionsOf(const v1::Config& config);
proxy::ProxyOptions ProxyOptionsOf(const v1::Config& config);

// A pool with every account of `config` added, routed as its `routing` section says.
std::unique_ptr<pool::Pool> MakePool(const core::Clock& clock, const v1::Config& config);

// Makes the pool route as `config.routing` says (automatic, or a preferred account) when it does
// not already. Returns a line that says what changed, or nullopt when nothing did. A preferred
// account the pool cannot prefer (gone, disabled) leaves routing automatic, and the line says why.
std::optional<std::string> ApplyRoutingOf(const v1::Config& config, pool::Pool& pool);

}  // namespace maxpool::app
