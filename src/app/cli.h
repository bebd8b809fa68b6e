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
#include "app/output_format.h"
#include "app/routing_command.h"
#include "config/config_path.h"

namespace maxpool::app {

// Process exit codes. Every error is one line on stderr that starts with "maxpool: " and says
// what to do. (`run` passes Claude Code's own exit code through instead.)
inline constexpr int kExitOk = 0;
// The command ran and failed (login, import, env, remove, rename, api — a non-2xx answer too;
// the control commands: the server cannot be reached, or refused the call).
inline constexpr int kExitFailure = 1;
// A bad command line (unknown command or option, missing or malformed argument), or `config
// check` found errors.
inline constexpr int kExitUsage = 2;

struct Invocation {
  enum class Command {
    kHelp,
    kVersion,
    kConfigCheck,
    kConfigPath,
    kServer,
    kDemo,
    kLogin,
    kImport,
    kEnv,
    kRun,
    kRemove,
    kRename,
    kApi,
    kProbe,
    kCompletion,
    // Commands that talk to a running server's control plane.
    kStatus,
    kAccounts,
    kDrain,
    kRouting,
    kSessions,
    kTop,
  };
  Command command = Command::kHelp;
  // kHelp: the command whose help to show ("login", "import", "status", ...); empty for the
  // general usage.
  std::string help_topic;
  bool man = false;                 // help --man: the manual page instead of a help text
  std::optional<int> port;          // --port N (server, demo)
  std::optional<int> control_port;  // --control-port N (server)
  std::optional<int> admin_port;    // --admin-port N (server)
  int demo_requests = 60;           // --requests N (demo; 0 = no generated traffic)
  int demo_concurrency = 4;         // --concurrency N (demo)
  // --log-to DIR (server): one file per request, bodies included (spec §11.1).
  std::optional<std::filesystem::path> log_dir;
  // server, demo: the live view on a terminal; --no-tui turns it off.
  bool tui = true;
  // --config PATH (or --config=PATH): overrides the path resolution of spec §0.2.
  std::optional<std::filesystem::path> config_path;
  // login: --api (else --oauth, the default), --no-browser, --manual; login and import: --name.
  bool login_api = false;
  bool login_oauth = false;  // login: --oauth, which --api contradicts
  bool open_browser = true;
  bool manual = false;
  std::optional<std::string> name;
  std::optional<std::filesystem::path> from;  // import: --from PATH
  // status, accounts, drain, routing, sessions, top: where the control plane is and how to talk to
  // it.
  std::optional<std::string> server;             // --server HOST:PORT
  std::optional<std::string> token;              // --token T
  bool tls = false;                              // --tls
  std::optional<std::filesystem::path> ca_file;  // --ca FILE (implies --tls)
  bool verbose = false;                          // accounts: -v, --verbose
  std::optional<absl::Duration> drain_deadline;  // drain: --deadline D
  std::optional<absl::Duration> drain_grace;     // drain: --accept-grace D
  bool drain_wait = false;                       // drain: --wait
  RoutingChange routing;                         // routing: what the words after it ask
  bool with_key = false;                         // env: --with-key
  std::vector<std::string> claude_args;          // run: the words after `--`
  // remove NAME; rename NAME|# NEW (account); api PATH (api_path).
  std::string account;
  std::string new_name;
  std::string api_path;
  std::optional<std::string> api_account;  // api: --account NAME|N
  std::optional<std::string> api_method;   // api: --method M
  std::optional<std::string> api_data;     // api: --data JSON
  std::optional<std::string> probe_url;    // probe [URL]
  std::string shell;                       // completion SHELL: bash, zsh or fish
  // -o FMT, --output FMT (status, accounts, routing, sessions, config check).
  OutputFormat output = OutputFormat::kText;
};

// Parses the arguments after argv[0]. `--help` or `-h` anywhere before a `--` asks for the help
// of the command named on the line. The words after the first `--` go to Claude Code (`run`
// only). Error: InvalidArgument with a one-line reason (unknown command or option, missing or
// malformed option value or argument, an option the command does not take, no command).
// `--key VALUE` is refused: a key on the command line leaks into `ps` and shell history.
[[nodiscard]] absl::StatusOr<Invocation> ParseCommandLine(const std::vector<std::string>& args);

// The usage text (ends with a newline).
std::string UsageText();

// Parses and runs the command; writes results to `out` and diagnostics to `err`; `login` reads
// pasted codes and API keys from the file descriptor `in_fd`. Returns the process exit code:
// kExitOk; kExitFailure when the command failed; kExitUsage for a bad command line (one line on
// `err`: the reason and where to read the usage) or an invalid config (config check); for `run`,
// Claude Code's exit code.
int Run(const std::vector<std::string>& args, const config::EnvLookup& env, int in_fd,
        std::ostream& out, std::ostream& err);
// The same with standard input (file descriptor 0).
int Run(const std::vector<std::string>& args, const config::EnvLookup& env, std::ostream& out,
        std::ostream& err);

}  // namespace maxpool::app
