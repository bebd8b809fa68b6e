#include "app/cli.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "app/config_command.h"
#include "app/demo_command.h"
#include "app/server_command.h"

namespace maxpool::app {

std::string UsageText() {
  return R"(usage: maxpool <command> [--config PATH]

commands:
  server         run the proxy for the accounts in the config file (--port N overrides
                 proxy.port); Ctrl-C stops it
  demo           run the proxy in front of a simulated pool of four accounts and send it
                 traffic (--requests N, 0 for none; --concurrency N; --port N)
  config check   load and validate the config file; print its path, its accounts and any
                 warnings; exit 2 with one error line when it is invalid (never writes it)
  config path    print the config file's path
  help           show this help (also --help, -h)

options:
  --config PATH  use this config file instead of $MAXPOOL_CONFIG, $TEAMCLAUDE_CONFIG or
                 <$XDG_CONFIG_HOME or ~/.config>/maxpool.json
)";
}

absl::StatusOr<Invocation> ParseCommandLine(const std::vector<std::string>& args) {
  Invocation invocation;
  std::vector<std::string> words;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      Invocation help;
      help.command = Invocation::Command::kHelp;
      return help;
    }
    if (arg == "--port" || arg == "--requests" || arg == "--concurrency") {
      int value = 0;
      if (i + 1 >= args.size() || !absl::SimpleAtoi(args[i + 1], &value) || value < 0) {
        return absl::InvalidArgumentError(absl::StrCat(arg, " needs a non-negative number"));
      }
      ++i;
      if (arg == "--port") {
        if (value > 65535) return absl::InvalidArgumentError("--port must be at most 65535");
        invocation.port = value;
      } else if (arg == "--requests") {
        invocation.demo_requests = value;
      } else {
        invocation.demo_concurrency = std::max(1, value);
      }
      continue;
    }
    if (arg == "--config") {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        return absl::InvalidArgumentError("--config needs a path");
      }
      invocation.config_path = args[++i];
    } else if (absl::StartsWith(arg, "--config=")) {
      std::string value = arg.substr(sizeof("--config=") - 1);
      if (value.empty()) return absl::InvalidArgumentError("--config needs a path");
      invocation.config_path = std::move(value);
    } else if (absl::StartsWith(arg, "-")) {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", arg));
    } else {
      words.push_back(arg);
    }
  }
  if (words.empty()) return absl::InvalidArgumentError("no command given");
  if (words.size() == 1 && words[0] == "help") {
    invocation.command = Invocation::Command::kHelp;
    return invocation;
  }
  if (words.size() == 1 && words[0] == "server") {
    invocation.command = Invocation::Command::kServer;
    return invocation;
  }
  if (words.size() == 1 && words[0] == "demo") {
    invocation.command = Invocation::Command::kDemo;
    return invocation;
  }
  if (words[0] == "config" && words.size() == 2) {
    if (words[1] == "check") {
      invocation.command = Invocation::Command::kConfigCheck;
      return invocation;
    }
    if (words[1] == "path") {
      invocation.command = Invocation::Command::kConfigPath;
      return invocation;
    }
  }
  std::string command;
  for (const std::string& word : words) absl::StrAppend(&command, command.empty() ? "" : " ", word);
  return absl::InvalidArgumentError(absl::StrCat("unknown command \"", command, "\""));
}

int Run(const std::vector<std::string>& args, const config::EnvLookup& env, std::ostream& out,
        std::ostream& err) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine(args);
  if (!invocation.ok()) {
    err << "maxpool: " << invocation.status().message() << "\n\n" << UsageText();
    return kExitUsage;
  }
  const std::filesystem::path path =
      invocation->config_path.value_or(config::ResolveConfigPath(env));
  switch (invocation->command) {
    case Invocation::Command::kHelp:
      out << UsageText();
      return kExitOk;
    case Invocation::Command::kConfigPath:
      out << path.string() << "\n";
      return kExitOk;
    case Invocation::Command::kConfigCheck:
      return RunConfigCheck(path, out, err);
    case Invocation::Command::kServer:
      return RunServer(ServerArgs{path, invocation->port}, out, err);
    case Invocation::Command::kDemo:
      return RunDemo(
          DemoArgs{invocation->port, invocation->demo_requests, invocation->demo_concurrency}, out,
          err);
  }
  return kExitUsage;
}

}  // namespace maxpool::app
