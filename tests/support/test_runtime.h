#pragma once

// RuntimeOptions for tests that run a whole ServerRuntime in-process: the config file at
// `config_path`, every listener (proxy, control, admin) on a free port, and no config-file
// watching (tests change the pool themselves).

#include <filesystem>
#include <utility>

#include "server/server_runtime.h"

namespace maxpool::testing {

inline server::RuntimeOptions TestRuntimeOptions(std::filesystem::path config_path) {
  server::RuntimeOptions options;
  options.config_path = std::move(config_path);
  options.port = 0;
  options.control_port = 0;
  options.admin_port = 0;
  options.hot_sync = false;
  return options;
}

}  // namespace maxpool::testing
