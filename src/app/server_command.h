#pragma once

// `maxpool server`: runs a ServerRuntime (data plane, control plane, hot-sync) until it has
// drained: after LifecycleService.Drain, or the first SIGINT/SIGTERM (a second one stops at
// once). One plain log line per finished request on stderr.

#include <filesystem>
#include <optional>
#include <ostream>

namespace maxpool::app {

struct ServerArgs {
  std::filesystem::path config_path;
  std::optional<int> port;          // overrides proxy.port
  std::optional<int> control_port;  // overrides control.port
  std::optional<int> admin_port;    // overrides admin.port
  // --log-to DIR: one file per request (spec §11.1); overrides the config's logDir.
  std::optional<std::filesystem::path> log_dir;
  // On a terminal (stdin and stdout), the live view (`maxpool top`) attached to this server;
  // --no-tui turns it off. Elsewhere, log lines on stderr.
  bool tui = true;
};

// What RunServer returns when the attached view asked to restart it (`r`): the drain is done, and
// main() executes the same command line again.
inline constexpr int kExitRestartServer = 75;

// Returns the exit code: 0 after a drain, kExitRestartServer after a drain for a restart, 1 when
// the config, the accounts or a listener prevent starting (one line on `err` that says what to do),
// or when a second signal cut the drain.
int RunServer(const ServerArgs& args, std::ostream& out, std::ostream& err);

}  // namespace maxpool::app
