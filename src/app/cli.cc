#include "app/cli.h"

#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "app/account_edit_command.h"
#include "app/accounts_command.h"
#include "app/api_command.h"
#include "app/command_help.h"
#include "app/command_table.h"
#include "app/completion_command.h"
#include "app/config_command.h"
#include "app/demo_command.h"
#include "app/drain_command.h"
#include "app/env_command.h"
#include "app/local_config.h"
#include "app/login_command.h"
#include "app/man_page.h"
#include "app/option_help.h"
#include "app/output_format.h"
#include "app/probe_command.h"
#include "app/routing_command.h"
#include "app/run_command.h"
#include "app/server_command.h"
#include "app/sessions_command.h"
#include "app/status_command.h"
#include "app/top_command.h"
#include "app/version.h"
#include "control_client/control_client.h"
#include "core/absl_view.h"
#include "core/one_line.h"
#include "credentials/redact.h"

namespace maxpool::app {

namespace {

// The column of the descriptions in the options of `maxpool help`.
constexpr size_t kOptionColumn = 17;

// "a, b and c".
std::string JoinedList(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

// The options of `maxpool help`: --config, the connection options and -o, each spelled as the
// command table declares it.
std::string GlobalOptionsHelp() {
  const OptionSpec& config = *FindOption("--config");
  std::vector<std::string> connection;
  for (const OptionSpec& option : FindCommand("status")->options) {
    if (option.connection) connection.push_back(Spelling(option));
  }
  return absl::StrCat(
      HelpEntry(Spelling(config), config.help, kOptionColumn),
      HelpEntry(absl::StrJoin(connection, ", "),
                "where the running server's control plane is and how to reach it (default: the "
                "config file's control section; `maxpool status --help`)",
                kOptionColumn),
      HelpEntry(
          Spelling(*FindOption("--output")),
          absl::StrCat(core::AbslView(kOutputFormats), ": ", JoinedList(CommandsTaking("--output")),
                       " print one JSON (or YAML) document for scripts"),
          kOptionColumn),
      HelpEntry(Spelling(*FindOption("--help")), FindOption("--help")->help, kOptionColumn),
      HelpEntry(Spelling(*FindOption("--version")), FindOption("--version")->help, kOptionColumn));
}

}  // namespace

std::string UsageText() {
  return absl::StrCat("usage: maxpool <command> [--config PATH]\n\ncommands:\n",
                      CommandList(CommandSpec::Group::kLocal),
                      "\ncommands for a running server (through its control plane):\n",
                      CommandList(CommandSpec::Group::kServer), "\noptions:\n", GlobalOptionsHelp(),
                      "\nexit codes: 0 ok, 1 the command failed, 2 a bad command line (`run`: "
                      "Claude Code's own)\n");
}

namespace {

// Options that take a value (also as --opt=value), spelled out in full.
bool TakesValue(std::string_view arg) {
  const OptionSpec* option = FindOption(arg);
  return option != nullptr && !option->value.empty();
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

// The table's name of the command an invocation runs, with its subcommand ("config check").
std::string CommandName(Invocation::Command command) {
  using Command = Invocation::Command;
  switch (command) {
    case Command::kHelp:
      return "help";
    case Command::kVersion:
      return "version";
    case Command::kConfigCheck:
      return "config check";
    case Command::kConfigPath:
      return "config path";
    case Command::kServer:
      return "server";
    case Command::kDemo:
      return "demo";
    case Command::kLogin:
      return "login";
    case Command::kImport:
      return "import";
    case Command::kEnv:
      return "env";
    case Command::kRun:
      return "run";
    case Command::kRemove:
      return "remove";
    case Command::kRename:
      return "rename";
    case Command::kApi:
      return "api";
    case Command::kProbe:
      return "probe";
    case Command::kCompletion:
      return "completion";
    case Command::kStatus:
      return "status";
    case Command::kAccounts:
      return "accounts";
    case Command::kDrain:
      return "drain";
    case Command::kRouting:
      return "routing";
    case Command::kSessions:
      return "sessions";
    case Command::kTop:
      return "top";
  }
  return "";
}

// "`maxpool status`, `accounts` and `config check`": the commands that take an option.
std::string CommandsPhrase(const std::vector<std::string>& names) {
  std::string phrase;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) absl::StrAppend(&phrase, i + 1 == names.size() ? " and " : ", ");
    // Two commands are named in full; in a longer list, only the first says `maxpool`.
    const bool full = i == 0 || names.size() == 2;
    absl::StrAppend(&phrase, "`", full ? "maxpool " : "", names[i], "`");
  }
  return phrase;
}

// Whether the command takes each option seen (as typed), as the command table says.
absl::Status CheckOptionsApply(const Invocation& invocation,
                               const std::vector<std::string>& options) {
  const std::string command = CommandName(invocation.command);
  for (const std::string& option : options) {
    if (option == "--") {
      if (invocation.command == Invocation::Command::kRun) continue;
      return absl::InvalidArgumentError(
          "-- only applies to `maxpool run`, which passes what follows it to claude");
    }
    const std::vector<std::string> takers = CommandsTaking(FindOption(option)->name);
    if (std::find(takers.begin(), takers.end(), command) == takers.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(option, " only applies to ", CommandsPhrase(takers)));
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
    return absl::StrCat("maxpool: ", core::OneLine(reason), " (see `maxpool ", topic,
                        " --help`)\n");
  }
  return absl::StrCat("maxpool: ", core::OneLine(reason),
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
    // An option of the table: --opt, --opt VALUE, --opt=VALUE; a short one that takes a value
    // also as -o VALUE, -o=VALUE and -oVALUE.
    const OptionSpec* option = nullptr;
    std::string spelling;
    std::optional<std::string> value;
    if (absl::StartsWith(arg, "--")) {
      const size_t equals = arg.find('=');
      spelling = arg.substr(0, equals);
      option = FindOption(spelling);
      if (option != nullptr && equals != std::string::npos) {
        if (option->value.empty()) {
          option = nullptr;  // a flag takes no value
        } else {
          value = arg.substr(equals + 1);
        }
      }
    } else if (absl::StartsWith(arg, "-") && arg.size() >= 2) {
      spelling = arg.substr(0, 2);
      option = FindOption(spelling);
      if (option != nullptr && arg.size() > 2) {
        if (option->value.empty()) {
          option = nullptr;  // -vx: no such option
        } else {
          value = arg.substr(arg[2] == '=' ? 3 : 2);
        }
      }
    }
    if (option != nullptr) {
      std::string stored;
      if (!option->value.empty()) {
        if (!value.has_value() && i + 1 < args.size()) value = args[++i];
        if (!value.has_value() || value->empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat(spelling, " needs ", core::AbslView(option->needs)));
        }
        stored = *std::move(value);
      }
      if (absl::Status set = option->set(invocation, spelling, stored); !set.ok()) return set;
      if (option->name != "--config") options.push_back(spelling);
      continue;
    }
    if (absl::StartsWith(arg, "-")) {
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
  if (invocation.login_api && invocation.login_oauth) {
    return absl::InvalidArgumentError("choose one of --api and --oauth");
  }
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
  const control_client::ControlOptions control{path, invocation->server, invocation->token,
                                               invocation->tls, invocation->ca_file};
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
      err << "maxpool: no command \"" << core::OneLine(invocation->help_topic)
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
