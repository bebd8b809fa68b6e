#pragma once

// The `maxpool` command line: parsing argv into an Invocation, and running it with injected
// streams and environment so that every path except main() is testable. Stateless.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config_path.h"

namespace maxpool::app {

// Process exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;  // bad command line, or `config check` found errors

struct Invocation {
  enum class Command { kHelp, kConfigCheck, kConfigPath, kServer, kDemo };
  Command command = Command::kHelp;
  std::optional<int> port;   // --port N (server, demo)
  int demo_requests = 60;    // --requests N (demo; 0 = no generated traffic)
  int demo_concurrency = 4;  // --concurrency N (demo)
  // --config PATH (or --config=PATH): overrides the path resolution of spec §0.2.
  std::optional<std::filesystem::path> config_path;
};

// Parses the arguments after argv[0]. Error: InvalidArgument with a one-line reason (unknown
// command or option, missing option value, no command).
[[nodiscard]] absl::StatusOr<Invocation> ParseCommandLine(const std::vector<std::string>& args);

// The usage text (ends with a newline).
std::string UsageText();

// Parses and runs the command; writes results to `out` and diagnostics to `err`. Returns the
// process exit code: kExitOk, or kExitUsage for a bad command line (usage on `err`) or an
// invalid config.
int Run(const std::vector<std::string>& args, const config::EnvLookup& env, std::ostream& out,
        std::ostream& err);

}  // namespace maxpool::app
