#include "app/cli.h"

#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "app/accounts_command.h"
#include "app/config_command.h"
#include "app/control_client.h"
#include "app/demo_command.h"
#include "app/drain_command.h"
#include "app/login_command.h"
#include "app/routing_command.h"
#include "app/server_command.h"
#include "app/status_command.h"
#include "core/absl_view.h"

namespace maxpool::app {

std::string UsageText() {
  return R"(usage: maxpool <command> [--config PATH]

commands:
  server         run the proxy for the accounts in the config file (--port N overrides
                 proxy.port, --control-port N control.port, --admin-port N admin.port; 0 = any
                 free port); Ctrl-C drains it (a second Ctrl-C stops at once);
                 --log-to DIR writes one file per request to DIR, prompts and answers in
                 full (for debugging: delete the files after use)
  demo           run the proxy in front of a simulated pool of four accounts and send it
                 traffic (--requests N, 0 for none; --concurrency N; --port N)
  config check   load and validate the config file; print its path, its accounts and any
                 warnings; exit 2 with one error line when it is invalid (never writes it)
  config path    print the config file's path
  login          add a Claude subscription: sign in with a browser (`maxpool login --help`);
                 --api adds a Console API key read from stdin instead
  import         add the subscription Claude Code is logged in with (--from PATH)
  help           show this help (also --help, -h); `help COMMAND` for a command's own

commands for a running server (through its control plane):
  status         version, uptime, listeners, load, and each account's state and quota
  accounts       list the accounts (-v: email, expiry, quota windows, load)
  drain          drain it gracefully: requests in flight finish, then it exits (--deadline D,
                 --accept-grace D; --wait follows the drain until the server is gone)
  routing        show the routing policy, or change it: routing auto | prefer NAME |
                 set KEY VALUE (`maxpool routing --help`)

options:
  --config PATH  use this config file instead of $MAXPOOL_CONFIG, $TEAMCLAUDE_CONFIG or
                 <$XDG_CONFIG_HOME or ~/.config>/maxpool.json
  --server HOST:PORT, --token T, --tls, --ca FILE
                 where the running server's control plane is and how to reach it (default:
                 the config file's control section; `maxpool status --help`)
)";
}

namespace {

// Options that take a value (also as --opt=value).
bool TakesValue(std::string_view arg) {
  return arg == "--port" || arg == "--control-port" || arg == "--admin-port" ||
         arg == "--requests" || arg == "--concurrency" || arg == "--config" || arg == "--name" ||
         arg == "--from" || arg == "--server" || arg == "--token" || arg == "--ca" ||
         arg == "--deadline" || arg == "--accept-grace" || arg == "--log-to";
}

bool IsControlCommand(Invocation::Command command) {
  using Command = Invocation::Command;
  return command == Command::kStatus || command == Command::kAccounts ||
         command == Command::kDrain || command == Command::kRouting;
}

// What a value option's value is, for "--opt needs ...".
std::string ValueKind(std::string_view option) {
  if (option == "--name") return "a name";
  if (option == "--server") return "HOST:PORT";
  if (option == "--token") return "a token";
  if (option == "--deadline" || option == "--accept-grace") {
    return "a duration like 30s, 2m or 1h30m";
  }
  return "a path";
}

// The command a `--help` anywhere on the line asks about: the first word that is not an option
// or an option's value.
std::string HelpTopic(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (TakesValue(args[i])) {
      ++i;
      continue;
    }
    if (!absl::StartsWith(args[i], "-")) return args[i];
  }
  return "";
}

// Which commands accept each command-specific option.
absl::Status CheckOptionsApply(const Invocation& invocation,
                               const std::vector<std::string>& options) {
  using Command = Invocation::Command;
  const Command command = invocation.command;
  for (const std::string& option : options) {
    bool applies = true;
    std::string_view where;
    if (option == "--port") {
      applies = command == Command::kServer || command == Command::kDemo;
      where = "`maxpool server` and `maxpool demo`";
    } else if (option == "--control-port" || option == "--admin-port" || option == "--log-to") {
      applies = command == Command::kServer;
      where = "`maxpool server`";
    } else if (option == "--requests" || option == "--concurrency") {
      applies = command == Command::kDemo;
      where = "`maxpool demo`";
    } else if (option == "--api" || option == "--oauth" || option == "--no-browser" ||
               option == "--manual" || option == "--key-stdin") {
      applies = command == Command::kLogin;
      where = "`maxpool login`";
    } else if (option == "--name") {
      applies = command == Command::kLogin || command == Command::kImport;
      where = "`maxpool login` and `maxpool import`";
    } else if (option == "--from") {
      applies = command == Command::kImport;
      where = "`maxpool import`";
    } else if (option == "--server" || option == "--token" || option == "--tls" ||
               option == "--ca") {
      applies = IsControlCommand(command);
      where = "`maxpool status`, `accounts`, `drain` and `routing`";
    } else if (option == "-v" || option == "--verbose") {
      applies = command == Command::kAccounts;
      where = "`maxpool accounts`";
    } else if (option == "--deadline" || option == "--accept-grace" || option == "--wait") {
      applies = command == Command::kDrain;
      where = "`maxpool drain`";
    }
    if (!applies) {
      return absl::InvalidArgumentError(
          absl::StrCat(option, " only applies to ", core::AbslView(where)));
    }
  }
  if (invocation.login_api && (invocation.manual || !invocation.open_browser)) {
    return absl::InvalidArgumentError(
        "--api reads a key from stdin; --manual and --no-browser are for the browser sign-in");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Invocation> ParseCommandLine(const std::vector<std::string>& args) {
  Invocation invocation;
  std::vector<std::string> words;
  std::vector<std::string> options;  // command-specific options seen, checked at the end
  bool api = false, oauth = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      Invocation help;
      help.command = Invocation::Command::kHelp;
      help.help_topic = HelpTopic(args);
      return help;
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--key" || absl::StartsWith(arg, "--key=") || arg == "--api-key" ||
        absl::StartsWith(arg, "--api-key=")) {
      return absl::InvalidArgumentError(
          "refusing a key on the command line (other users see it in `ps`, and it stays in "
          "your shell history); pipe it on stdin instead: maxpool login --api < key.txt");
    }
    if (arg == "--port" || arg == "--control-port" || arg == "--admin-port" ||
        arg == "--requests" || arg == "--concurrency") {
      int value = 0;
      if (i + 1 >= args.size() || !absl::SimpleAtoi(args[i + 1], &value) || value < 0) {
        return absl::InvalidArgumentError(absl::StrCat(arg, " needs a non-negative number"));
      }
      ++i;
      options.push_back(arg);
      if (arg == "--port" || arg == "--control-port" || arg == "--admin-port") {
        if (value > 65535) {
          return absl::InvalidArgumentError(absl::StrCat(arg, " must be at most 65535"));
        }
        if (arg == "--port") {
          invocation.port = value;
        } else if (arg == "--control-port") {
          invocation.control_port = value;
        } else {
          invocation.admin_port = value;
        }
      } else if (arg == "--requests") {
        invocation.demo_requests = value;
      } else {
        invocation.demo_concurrency = std::max(1, value);
      }
      continue;
    }
    if (arg == "--api" || arg == "--oauth" || arg == "--no-browser" || arg == "--manual" ||
        arg == "--key-stdin") {
      options.push_back(arg);
      if (arg == "--api" || arg == "--key-stdin") api = true;
      if (arg == "--oauth") oauth = true;
      if (arg == "--no-browser") invocation.open_browser = false;
      if (arg == "--manual") invocation.manual = true;
      continue;
    }
    if (arg == "--tls" || arg == "-v" || arg == "--verbose" || arg == "--wait") {
      options.push_back(arg);
      if (arg == "--tls") invocation.tls = true;
      if (arg == "-v" || arg == "--verbose") invocation.verbose = true;
      if (arg == "--wait") invocation.drain_wait = true;
      continue;
    }
    // Value options: --opt VALUE or --opt=VALUE.
    std::optional<std::string> option_name, value;
    for (std::string_view name : {"--config", "--name", "--from", "--server", "--token", "--ca",
                                  "--deadline", "--accept-grace", "--log-to"}) {
      if (arg == name) {
        option_name = std::string(name);
        if (i + 1 < args.size()) value = args[++i];
      } else if (absl::StartsWith(arg, absl::StrCat(core::AbslView(name), "="))) {
        option_name = std::string(name);
        value = arg.substr(name.size() + 1);
      }
    }
    if (option_name.has_value()) {
      if (!value.has_value() || value->empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(*option_name, " needs ", ValueKind(*option_name)));
      }
      if (*option_name != "--config") options.push_back(*option_name);
      if (*option_name == "--config") {
        invocation.config_path = *std::move(value);
      } else if (*option_name == "--name") {
        invocation.name = *std::move(value);
      } else if (*option_name == "--from") {
        invocation.from = *std::move(value);
      } else if (*option_name == "--server") {
        if (absl::StatusOr<std::string> address = ParseServerAddress(*value); !address.ok()) {
          return address.status();
        }
        invocation.server = *std::move(value);
      } else if (*option_name == "--token") {
        invocation.token = *std::move(value);
      } else if (*option_name == "--ca") {
        invocation.ca_file = *std::move(value);
      } else if (*option_name == "--log-to") {
        invocation.log_dir = *std::move(value);
      } else {
        const bool grace = *option_name == "--accept-grace";
        absl::StatusOr<absl::Duration> duration =
            ParseDurationArg(*option_name, *value, /*allow_zero=*/grace);
        if (!duration.ok()) return duration.status();
        (grace ? invocation.drain_grace : invocation.drain_deadline) = *duration;
      }
    } else if (absl::StartsWith(arg, "-")) {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", arg));
    } else {
      words.push_back(arg);
    }
  }
  if (api && oauth) return absl::InvalidArgumentError("choose one of --api and --oauth");
  invocation.login_api = api;
  if (words.empty()) return absl::InvalidArgumentError("no command given");
  if (words.size() <= 2 && words[0] == "help") {
    invocation.command = Invocation::Command::kHelp;
    if (words.size() == 2) invocation.help_topic = words[1];
  } else if (words.size() == 1 && words[0] == "server") {
    invocation.command = Invocation::Command::kServer;
  } else if (words.size() == 1 && words[0] == "demo") {
    invocation.command = Invocation::Command::kDemo;
  } else if (words.size() == 1 && words[0] == "login") {
    invocation.command = Invocation::Command::kLogin;
  } else if (words.size() == 1 && words[0] == "import") {
    invocation.command = Invocation::Command::kImport;
  } else if (words.size() == 1 && words[0] == "status") {
    invocation.command = Invocation::Command::kStatus;
  } else if (words.size() == 1 && words[0] == "accounts") {
    invocation.command = Invocation::Command::kAccounts;
  } else if (words.size() == 1 && words[0] == "drain") {
    invocation.command = Invocation::Command::kDrain;
  } else if (words[0] == "routing") {
    absl::StatusOr<RoutingChange> change =
        ParseRoutingWords(std::vector<std::string>(words.begin() + 1, words.end()));
    if (!change.ok()) return change.status();
    invocation.command = Invocation::Command::kRouting;
    invocation.routing = *std::move(change);
  } else if (words[0] == "config" && words.size() == 2 &&
             (words[1] == "check" || words[1] == "path")) {
    invocation.command =
        words[1] == "check" ? Invocation::Command::kConfigCheck : Invocation::Command::kConfigPath;
  } else {
    std::string command;
    for (const std::string& word : words) {
      absl::StrAppend(&command, command.empty() ? "" : " ", word);
    }
    return absl::InvalidArgumentError(absl::StrCat("unknown command \"", command, "\""));
  }
  if (absl::Status status = CheckOptionsApply(invocation, options); !status.ok()) return status;
  if (absl::Status status = CheckDrainDurations(invocation.drain_deadline, invocation.drain_grace);
      !status.ok()) {
    return status;
  }
  return invocation;
}

int Run(const std::vector<std::string>& args, const config::EnvLookup& env, std::ostream& out,
        std::ostream& err) {
  return Run(args, env, STDIN_FILENO, out, err);
}

int Run(const std::vector<std::string>& args, const config::EnvLookup& env, int in_fd,
        std::ostream& out, std::ostream& err) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine(args);
  if (!invocation.ok()) {
    err << "maxpool: " << invocation.status().message() << "\n\n" << UsageText();
    return kExitUsage;
  }
  const std::filesystem::path path =
      invocation->config_path.value_or(config::ResolveConfigPath(env));
  const ControlOptions control{path, invocation->server, invocation->token, invocation->tls,
                               invocation->ca_file};
  switch (invocation->command) {
    case Invocation::Command::kHelp:
      if (invocation->help_topic == "login") {
        out << LoginUsageText();
      } else if (invocation->help_topic == "import") {
        out << ImportUsageText();
      } else if (invocation->help_topic == "status") {
        out << StatusUsageText();
      } else if (invocation->help_topic == "accounts") {
        out << AccountsUsageText();
      } else if (invocation->help_topic == "drain") {
        out << DrainUsageText();
      } else if (invocation->help_topic == "routing") {
        out << RoutingUsageText();
      } else {
        out << UsageText();
      }
      return kExitOk;
    case Invocation::Command::kLogin:
      return RunLogin(LoginArgs{path, invocation->login_api, invocation->name,
                                invocation->open_browser, invocation->manual},
                      env, in_fd, out, err);
    case Invocation::Command::kImport:
      return RunImport(ImportArgs{path, invocation->from, invocation->name}, env, out, err);
    case Invocation::Command::kConfigPath:
      out << path.string() << "\n";
      return kExitOk;
    case Invocation::Command::kConfigCheck:
      return RunConfigCheck(path, out, err);
    case Invocation::Command::kServer:
      return RunServer(ServerArgs{path, invocation->port, invocation->control_port,
                                  invocation->admin_port, invocation->log_dir},
                       out, err);
    case Invocation::Command::kDemo:
      return RunDemo(
          DemoArgs{invocation->port, invocation->demo_requests, invocation->demo_concurrency}, out,
          err);
    case Invocation::Command::kStatus:
      return RunStatus(control, env, out, err);
    case Invocation::Command::kAccounts:
      return RunAccounts(control, invocation->verbose, env, out, err);
    case Invocation::Command::kDrain:
      return RunDrain(DrainArgs{control, invocation->drain_deadline, invocation->drain_grace,
                                invocation->drain_wait},
                      env, out, err);
    case Invocation::Command::kRouting:
      return RunRouting(control, invocation->routing, env, out, err);
  }
  return kExitUsage;
}

}  // namespace maxpool::app
