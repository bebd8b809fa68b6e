#include "app/cli.h"

#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "app/account_edit_command.h"
#include "app/accounts_command.h"
#include "app/api_command.h"
#include "app/command_help.h"
#include "app/command_table.h"
#include "app/completion_command.h"
#include "app/config_command.h"
#include "app/control_client.h"
#include "app/demo_command.h"
#include "app/drain_command.h"
#include "app/env_command.h"
#include "app/local_config.h"
#include "app/login_command.h"
#include "app/man_page.h"
#include "app/probe_command.h"
#include "app/routing_command.h"
#include "app/run_command.h"
#include "app/server_command.h"
#include "app/sessions_command.h"
#include "app/status_command.h"
#include "app/top_command.h"
#include "app/version.h"
#include "core/absl_view.h"
#include "credentials/redact.h"

namespace maxpool::app {

std::string UsageText() {
  return absl::StrCat("usage: maxpool <command> [--config PATH]\n\ncommands:\n",
                      CommandList(CommandSpec::Group::kLocal),
                      "\ncommands for a running server (through its control plane):\n",
                      CommandList(CommandSpec::Group::kServer), R"text(
options:
  --config PATH  use this config file instead of $MAXPOOL_CONFIG, $TEAMCLAUDE_CONFIG or
                 <$XDG_CONFIG_HOME or ~/.config>/maxpool.json
  --server HOST:PORT, --token T, --tls, --ca FILE
                 where the running server's control plane is and how to reach it (default:
                 the config file's control section; `maxpool status --help`)
  -o, --output FMT
                 text (the default), json or yaml: status, accounts, routing, sessions and
                 config check print one JSON (or YAML) document for scripts

exit codes: 0 ok, 1 the command failed, 2 a bad command line (`run`: Claude Code's own)
)text");
}

namespace {

// Options that take a value (also as --opt=value).
bool TakesValue(std::string_view arg) {
  return arg == "--port" || arg == "--control-port" || arg == "--admin-port" ||
         arg == "--requests" || arg == "--concurrency" || arg == "--config" || arg == "--name" ||
         arg == "--from" || arg == "--server" || arg == "--token" || arg == "--ca" ||
         arg == "--deadline" || arg == "--accept-grace" || arg == "--log-to" ||
         arg == "--account" || arg == "--method" || arg == "--data" || arg == "-o" ||
         arg == "--output";
}

bool IsControlCommand(Invocation::Command command) {
  using Command = Invocation::Command;
  return command == Command::kStatus || command == Command::kAccounts ||
         command == Command::kDrain || command == Command::kRouting ||
         command == Command::kSessions || command == Command::kTop;
}

// What a value option's value is, for "--opt needs ...".
std::string ValueKind(std::string_view option) {
  if (option == "--name") return "a name";
  if (option == "--server") return "HOST:PORT";
  if (option == "--token") return "a token";
  if (option == "--deadline" || option == "--accept-grace") {
    return "a duration like 30s, 2m or 1h30m";
  }
  if (option == "--account") return "an account name or number";
  if (option == "--method") return "a method (GET, POST, PUT, PATCH or DELETE)";
  if (option == "--data") return "a JSON body";
  if (option == "-o" || option == "--output") return "text, json or yaml";
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
    } else if (option == "--no-tui") {
      applies = command == Command::kServer || command == Command::kDemo;
      where = "`maxpool server` and `maxpool demo`";
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
      where = "`maxpool status`, `accounts`, `drain`, `routing`, `sessions` and `top`";
    } else if (option == "-o" || option == "--output") {
      applies = command == Command::kStatus || command == Command::kAccounts ||
                command == Command::kRouting || command == Command::kSessions ||
                command == Command::kConfigCheck;
      where = "`maxpool status`, `accounts`, `routing`, `sessions` and `config check`";
    } else if (option == "--man") {
      applies = command == Command::kHelp;
      where = "`maxpool help`";
    } else if (option == "-v" || option == "--verbose") {
      applies = command == Command::kAccounts;
      where = "`maxpool accounts`";
    } else if (option == "--deadline" || option == "--accept-grace" || option == "--wait") {
      applies = command == Command::kDrain;
      where = "`maxpool drain`";
    } else if (option == "--with-key") {
      applies = command == Command::kEnv;
      where = "`maxpool env`";
    } else if (option == "--account" || option == "--method" || option == "--data") {
      applies = command == Command::kApi;
      where = "`maxpool api`";
    } else if (option == "--") {
      applies = command == Command::kRun;
      where = "`maxpool run`, which passes what follows it to claude";
    }
    if (!applies) {
      return absl::InvalidArgumentError(
          absl::StrCat(option, " only applies to ", core::AbslView(where)));
    }
  }
  if (invocation.verbose && invocation.output != OutputFormat::kText) {
    return absl::InvalidArgumentError(
        "-v adds details to the table; -o json and -o yaml print every field of each account "
        "already: use one of them");
  }
  if (invocation.login_api && (invocation.manual || !invocation.open_browser)) {
    return absl::InvalidArgumentError(
        "--api reads a key from stdin; --manual and --no-browser are for the browser sign-in");
  }
  return absl::OkStatus();
}

ApiArgs ApiArgsOf(const Invocation& invocation, std::filesystem::path config_path) {
  return ApiArgs{std::move(config_path), invocation.api_path, invocation.api_account,
                 invocation.api_method, invocation.api_data};
}

// The one line of a bad command line: the reason, then where the usage is.
std::string UsageErrorLine(const std::vector<std::string>& args, const absl::Status& error) {
  const std::string_view reason = core::StdView(error.message());
  const std::vector<std::string> before_dashes(args.begin(),
                                               std::find(args.begin(), args.end(), "--"));
  const std::string topic = HelpTopic(before_dashes);
  if (!topic.empty() && topic != "help" && HelpFor(topic).has_value()) {
    return absl::StrCat("maxpool: ", OneLine(reason), " (see `maxpool ", topic, " --help`)\n");
  }
  return absl::StrCat("maxpool: ", OneLine(reason),
                      "; usage: maxpool <command> [options] (`maxpool help` lists the commands)\n");
}

}  // namespace

absl::StatusOr<Invocation> ParseWords(const std::vector<std::string>& all_args);

absl::StatusOr<Invocation> ParseCommandLine(const std::vector<std::string>& all_args) {
  absl::StatusOr<Invocation> parsed = ParseWords(all_args);
  if (parsed.ok()) return parsed;
  // A key typed as an argument by mistake (`maxpool login sk-ant-…`) is never echoed back.
  return absl::Status(parsed.status().code(),
                      credentials::Redact(std::string(parsed.status().message())));
}

absl::StatusOr<Invocation> ParseWords(const std::vector<std::string>& all_args) {
  Invocation invocation;
  std::vector<std::string> words;
  std::vector<std::string> options;  // command-specific options seen, checked at the end
  bool api = false, oauth = false;
  // The words after the first `--` are Claude Code's (`run`).
  const auto dashes = std::find(all_args.begin(), all_args.end(), "--");
  const std::vector<std::string> args(all_args.begin(), dashes);
  if (dashes != all_args.end()) {
    invocation.claude_args.assign(dashes + 1, all_args.end());
    options.push_back("--");
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      Invocation help;
      help.command = Invocation::Command::kHelp;
      help.help_topic = HelpTopic(args);
      return help;
    }
  }
  // `--version` anywhere before a `--` (but not as an option's value) is `maxpool version`.
  for (size_t i = 0; i < args.size(); ++i) {
    if (TakesValue(args[i])) {
      ++i;
    } else if (args[i] == "--version") {
      Invocation version;
      version.command = Invocation::Command::kVersion;
      return version;
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
    // -o FMT, -o=FMT, -oFMT, --output FMT, --output=FMT.
    if (arg == "-o" || arg == "--output" || absl::StartsWith(arg, "--output=") ||
        (absl::StartsWith(arg, "-o") && !absl::StartsWith(arg, "--"))) {
      const std::string option = absl::StartsWith(arg, "--") ? "--output" : "-o";
      std::optional<std::string> value;
      if (arg == option) {
        if (i + 1 < args.size()) value = args[++i];
      } else {
        value = arg.substr(option.size() + (arg[option.size()] == '=' ? 1 : 0));
      }
      if (!value.has_value() || value->empty()) {
        return absl::InvalidArgumentError(absl::StrCat(option, " needs ", ValueKind(option)));
      }
      absl::StatusOr<OutputFormat> format = ParseOutputFormat(option, *value);
      if (!format.ok()) return format.status();
      invocation.output = *format;
      options.push_back(option);
      continue;
    }
    if (arg == "--tls" || arg == "-v" || arg == "--verbose" || arg == "--wait" ||
        arg == "--with-key" || arg == "--no-tui" || arg == "--man") {
      options.push_back(arg);
      if (arg == "--man") invocation.man = true;
      if (arg == "--no-tui") invocation.tui = false;
      if (arg == "--tls") invocation.tls = true;
      if (arg == "-v" || arg == "--verbose") invocation.verbose = true;
      if (arg == "--wait") invocation.drain_wait = true;
      if (arg == "--with-key") invocation.with_key = true;
      continue;
    }
    // Value options: --opt VALUE or --opt=VALUE.
    std::optional<std::string> option_name, value;
    for (std::string_view name :
         {"--config", "--name", "--from", "--server", "--token", "--ca", "--deadline",
          "--accept-grace", "--log-to", "--account", "--method", "--data"}) {
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
      } else if (*option_name == "--account") {
        invocation.api_account = *std::move(value);
      } else if (*option_name == "--method") {
        invocation.api_method = *std::move(value);
      } else if (*option_name == "--data") {
        invocation.api_data = *std::move(value);
      } else {
        const bool grace = *option_name == "--accept-grace";
        absl::StatusOr<absl::Duration> duration =
            ParseDurationArg(*option_name, *value, /*allow_zero=*/grace);
        if (!duration.ok()) return duration.status();
        (grace ? invocation.drain_grace : invocation.drain_deadline) = *duration;
      }
    } else if (absl::StartsWith(arg, "-")) {
      if (HelpTopic(args) == "run") {
        return absl::InvalidArgumentError(absl::StrCat("unknown option ", arg,
                                                       "; to pass it to claude, put it after --: "
                                                       "maxpool run -- ",
                                                       arg));
      }
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", arg));
    } else {
      words.push_back(arg);
    }
  }
  if (api && oauth) return absl::InvalidArgumentError("choose one of --api and --oauth");
  invocation.login_api = api;
  // No command is `maxpool server` (the reference's default): `maxpool --port 4000` works too.
  if (words.empty()) words.push_back("server");
  if (words.size() <= 2 && words[0] == "help") {
    invocation.command = Invocation::Command::kHelp;
    if (words.size() == 2) invocation.help_topic = words[1];
    if (invocation.man && words.size() == 2) {
      return absl::InvalidArgumentError(
          "help --man writes the whole manual page; it takes no command: maxpool help --man");
    }
  } else if (words.size() == 1 && words[0] == "version") {
    invocation.command = Invocation::Command::kVersion;
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
  } else if (words.size() == 1 && words[0] == "sessions") {
    invocation.command = Invocation::Command::kSessions;
  } else if (words[0] == "completion") {
    if (words.size() != 2) {
      return absl::InvalidArgumentError(
          "completion needs one shell: maxpool completion bash|zsh|fish");
    }
    if (words[1] != "bash" && words[1] != "zsh" && words[1] != "fish") {
      return absl::InvalidArgumentError(
          absl::StrCat("completion needs bash, zsh or fish; got \"", words[1], "\""));
    }
    invocation.command = Invocation::Command::kCompletion;
    invocation.shell = words[1];
  } else if (words.size() == 1 && words[0] == "drain") {
    invocation.command = Invocation::Command::kDrain;
  } else if (words.size() == 1 && words[0] == "top") {
    invocation.command = Invocation::Command::kTop;
  } else if (words.size() == 1 && words[0] == "env") {
    invocation.command = Invocation::Command::kEnv;
  } else if (words[0] == "run") {
    if (words.size() > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("run takes claude's arguments after --: maxpool run -- ", words[1]));
    }
    invocation.command = Invocation::Command::kRun;
  } else if (words[0] == "remove") {
    if (words.size() != 2) {
      return absl::InvalidArgumentError("remove needs one account name: maxpool remove NAME");
    }
    invocation.command = Invocation::Command::kRemove;
    invocation.account = words[1];
  } else if (words[0] == "rename") {
    if (words.size() != 3) {
      return absl::InvalidArgumentError(
          "rename needs the account (its name or number) and the new name: maxpool rename "
          "NAME|N NEW-NAME");
    }
    invocation.command = Invocation::Command::kRename;
    invocation.account = words[1];
    invocation.new_name = words[2];
  } else if (words[0] == "api") {
    if (words.size() != 2) {
      return absl::InvalidArgumentError("api needs one path: maxpool api /v1/models");
    }
    invocation.command = Invocation::Command::kApi;
    invocation.api_path = words[1];
  } else if (words[0] == "probe") {
    if (words.size() > 2) {
      return absl::InvalidArgumentError("probe takes at most one URL: maxpool probe [URL]");
    }
    invocation.command = Invocation::Command::kProbe;
    if (words.size() == 2) invocation.probe_url = words[1];
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
  if (invocation.command == Invocation::Command::kProbe && invocation.probe_url.has_value()) {
    if (absl::Status status = CheckProbeUrl(*invocation.probe_url); !status.ok()) return status;
  }
  if (invocation.command == Invocation::Command::kApi) {
    if (absl::Status status = CheckApiArgs(ApiArgsOf(invocation, {})); !status.ok()) {
      return status;
    }
  }
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
    err << UsageErrorLine(args, invocation.status());
    return kExitUsage;
  }
  const std::filesystem::path path =
      invocation->config_path.value_or(config::ResolveConfigPath(env));
  const ControlOptions control{path, invocation->server, invocation->token, invocation->tls,
                               invocation->ca_file};
  switch (invocation->command) {
    case Invocation::Command::kHelp:
      if (invocation->man) {
        out << ManPage();
        return kExitOk;
      }
      if (std::optional<std::string> help = HelpFor(invocation->help_topic); help.has_value()) {
        out << *help;
        return kExitOk;
      }
      err << "maxpool: no command \"" << OneLine(invocation->help_topic)
          << "\"; `maxpool help` lists the commands\n";
      return kExitUsage;
    case Invocation::Command::kVersion:
      out << VersionLine() << "\n";
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
      return RunConfigCheck(path, invocation->output, out, err);
    case Invocation::Command::kServer:
      return RunServer(ServerArgs{path, invocation->port, invocation->control_port,
                                  invocation->admin_port, invocation->log_dir, invocation->tui},
                       out, err);
    case Invocation::Command::kDemo:
      return RunDemo(DemoArgs{invocation->port, invocation->demo_requests,
                              invocation->demo_concurrency, invocation->tui},
                     out, err);
    case Invocation::Command::kStatus:
      return RunStatus(control, invocation->output, env, out, err);
    case Invocation::Command::kAccounts:
      return RunAccounts(AccountsArgs{control, invocation->verbose, invocation->output}, env, out,
                         err);
    case Invocation::Command::kDrain:
      return RunDrain(DrainArgs{control, invocation->drain_deadline, invocation->drain_grace,
                                invocation->drain_wait},
                      env, out, err);
    case Invocation::Command::kRouting:
      return RunRouting(control, invocation->routing, invocation->output, env, out, err);
    case Invocation::Command::kSessions:
      return RunSessions(control, invocation->output, env, out, err);
    case Invocation::Command::kTop:
      return RunTop(control, env, out, err);
    case Invocation::Command::kEnv:
      return RunEnv(path, invocation->with_key, out, err);
    case Invocation::Command::kRun:
      return RunClaude(RunArgs{path, invocation->claude_args}, env, err);
    case Invocation::Command::kRemove:
      return RunRemove(path, invocation->account, out, err);
    case Invocation::Command::kRename:
      return RunRename(path, invocation->account, invocation->new_name, out, err);
    case Invocation::Command::kApi:
      return RunApi(ApiArgsOf(*invocation, path), out, err);
    case Invocation::Command::kProbe:
      return RunProbe(ProbeArgs{invocation->probe_url}, env, out, err);
    case Invocation::Command::kCompletion:
      return RunCompletion(invocation->shell, out, err);
  }
  return kExitUsage;
}

}  // namespace maxpool::app
