#pragma once

// The `maxpool` command line: parsing argv into an Invocation, and running it with injected
// streams and environment so that every path except main() is testable. Stateless.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "app/routing_command.h"
#include "config/config_path.h"

namespace maxpool::app {

// Process exit codes.
inline constexpr int kExitOk = 0;
// The command ran and failed (login, import; the control commands: the server cannot be
// reached, or refused the call).
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;  // bad command line, or `config check` found errors

struct Invocation {
  enum class Command {
    kHelp,
    kConfigCheck,
    kConfigPath,
    kServer,
    kDemo,
    kLogin,
    kImport,
    // Commands that talk to a running server's control plane.
    kStatus,
    kAccounts,
    kDrain,
    kRouting,
  };
  Command command = Command::kHelp;
  // kHelp: the command whose help to show ("login", "import", "status", ...); empty for the
  // general usage.
  std::string help_topic;
  std::optional<int> port;          // --port N (server, demo)
  std::optional<int> control_port;  // --control-port N (server)
  std::optional<int> admin_port;    // --admin-port N (server)
  int demo_requests = 60;           // --requests N (demo; 0 = no generated traffic)
  int demo_concurrency = 4;         // --concurrency N (demo)
  // --log-to DIR (server): one file per request, bodies included (spec §11.1).
  std::optional<std::filesystem::path> log_dir;
  // --config PATH (or --config=PATH): overrides the path resolution of spec §0.2.
  std::optional<std::filesystem::path> config_path;
  // login: --api (else --oauth, the default), --no-browser, --manual; login and import: --name.
  bool login_api = false;
  bool open_browser = true;
  bool manual = false;
  std::optional<std::string> name;
  std::optional<std::filesystem::path> from;  // import: --from PATH
  // status, accounts, drain, routing: where the control plane is and how to talk to it.
  std::optional<std::string> server;             // --server HOST:PORT
  std::optional<std::string> token;              // --token T
  bool tls = false;                              // --tls
  std::optional<std::filesystem::path> ca_file;  // --ca FILE (implies --tls)
  bool verbose = false;                          // accounts: -v, --verbose
  std::optional<absl::Duration> drain_deadline;  // drain: --deadline D
  std::optional<absl::Duration> drain_grace;     // drain: --accept-grace D
  bool drain_wait = false;                       // drain: --wait
  RoutingChange routing;                         // routing: what the words after it ask
};

// Parses the arguments after argv[0]. Error: InvalidArgument with a one-line reason (unknown
// command or option, missing or malformed option value, an option the command does not take,
// no command).
// `--key VALUE` is refused: a key on the command line leaks into `ps` and shell history.
[[nodiscard]] absl::StatusOr<Invocation> ParseCommandLine(const std::vector<std::string>& args);

// The usage text (ends with a newline).
std::string UsageText();

// Parses and runs the command; writes results to `out` and diagnostics to `err`; `login` reads
// pasted codes and API keys from the file descriptor `in_fd`. Returns the process exit code:
// kExitOk; kExitFailure when login or import failed, or a control command could not reach the
// server or its call failed; kExitUsage for a bad command line (usage on `err`) or an invalid
// config (config check).
int Run(const std::vector<std::string>& args, const config::EnvLookup& env, int in_fd,
        std::ostream& out, std::ostream& err);
// The same with standard input (file descriptor 0).
int Run(const std::vector<std::string>& args, const config::EnvLookup& env, std::ostream& out,
        std::ostream& err);

}  // namespace maxpool::app
