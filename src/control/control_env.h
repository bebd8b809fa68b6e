#pragma once

// What the maxpool.v1 services act on. All pointers must outlive the ControlServer; only
// `login_flow` may be null (remote OAuth login then answers FAILED_PRECONDITION).

#include "config/config_path.h"
#include "config/config_store.h"
#include "control/control_auth.h"
#include "control/server_hooks.h"
#include "credentials/login_flow.h"
#include "pool/pool.h"

namespace maxpool::control {

inline constexpr int kDefaultMaxWatchStreams = 256;

struct ControlEnv {
  pool::Pool* pool = nullptr;
  config::ConfigStore* store = nullptr;
  ServerHooks* hooks = nullptr;
  const ControlAuth* auth = nullptr;
  const credentials::LoginFlow* login_flow = nullptr;
  // The server's environment (default Claude Code credentials path for imports).
  config::EnvLookup env;
  // Watch streams (TelemetryService.WatchPool and WatchEvents together) open at once;
  // control.maxWatchStreams. Must be positive. Default: kDefaultMaxWatchStreams.
  int max_watch_streams = kDefaultMaxWatchStreams;
};

}  // namespace maxpool::control
