#pragma once

// `maxpool server`: loads the config, builds the pool, starts the data plane and serves until
// SIGINT or SIGTERM. One plain log line per finished request on stderr.

#include <filesystem>
#include <optional>
#include <ostream>

namespace maxpool::app {

struct ServerArgs {
  std::filesystem::path config_path;
  std::optional<int> port;  // overrides proxy.port
};

// Returns the exit code: 0 after a signal, 1 when the config, the accounts or the listener
// prevent starting (one line on `err` that says what to do).
int RunServer(const ServerArgs& args, std::ostream& out, std::ostream& err);

}  // namespace maxpool::app
