#include "app/command_table.h"

#include <algorithm>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "app/account_edit_command.h"
#include "app/accounts_command.h"
#include "app/api_command.h"
#include "app/cli.h"
#include "app/command_help.h"
#include "app/completion_command.h"
#include "app/drain_command.h"
#include "app/env_command.h"
#include "app/login_command.h"
#include "app/output_format.h"
#include "app/probe_command.h"
#include "app/routing_command.h"
#include "app/run_command.h"
#include "app/sessions_command.h"
#include "app/status_command.h"
#include "app/top_command.h"
#include "app/version.h"
#include "control_client/control_client.h"
#include "core/absl_view.h"

namespace maxpool::app {
namespace {

using Group = CommandSpec::Group;

// The column of the summaries in the command list.
constexpr size_t kSummaryColumn = 17;

OptionSpec Flag(std::string_view name, std::string_view summary, std::string help, OptionSetter set,
                std::string_view short_name = "") {
  OptionSpec option;
  option.name = name;
  option.short_name = short_name;
  option.summary = summary;
  option.help = std::move(help);
  option.set = set;
  return option;
}

OptionSpec Valued(std::string_view name, std::string_view value, std::string_view summary,
                  std::string help, std::string_view needs, OptionSetter set,
                  Completion completion = Completion::kNothing,
                  std::vector<std::string_view> words = {}) {
  OptionSpec option;
  option.name = name;
  option.value = value;
  option.summary = summary;
  option.help = std::move(help);
  option.completion = completion;
  option.words = std::move(words);
  option.needs = needs;
  option.set = set;
  return option;
}

// What the values of several options are, for "--opt needs ...".
constexpr std::string_view kNeedsNumber = "a non-negative number";
constexpr std::string_view kNeedsPath = "a path";
constexpr std::string_view kNeedsDuration = "a duration like 30s, 2m or 1h30m";

// A number: 0 or more.
absl::StatusOr<int> CountValue(std::string_view spelling, const std::string& value) {
  int number = 0;
  if (!absl::SimpleAtoi(value, &number) || number < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(core::AbslView(spelling), " needs ", core::AbslView(kNeedsNumber)));
  }
  return number;
}

// A port number: 0 to 65535.
absl::StatusOr<int> PortValue(std::string_view spelling, const std::string& value) {
  absl::StatusOr<int> port = CountValue(spelling, value);
  if (port.ok() && *port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(core::AbslView(spelling), " must be at most 65535"));
  }
  return port;
}

// --- The options, each declared once -------------------------------------------------------

OptionSpec PortOption(std::string_view summary, std::string help) {
  return Valued("--port", "N", summary, std::move(help), kNeedsNumber,
                [](Invocation& i, std::string_view spelling, const std::string& value) {
                  absl::StatusOr<int> port = PortValue(spelling, value);
                  if (port.ok()) i.port = *port;
                  return port.status();
                });
}

OptionSpec NoTuiOption(std::string_view summary, std::string help) {
  return Flag("--no-tui", summary, std::move(help),
              [](Invocation& i, std::string_view, const std::string&) {
                i.tui = false;
                return absl::OkStatus();
              });
}

OptionSpec NameOption(std::string help) {
  return Valued("--name", "NAME", "the account's name", std::move(help), "a name",
                [](Invocation& i, std::string_view, const std::string& value) {
                  i.name = value;
                  return absl::OkStatus();
                });
}

// `shape`: what the document of this command holds.
OptionSpec OutputOption(std::string_view shape, std::string_view subcommand = "") {
  OptionSpec option =
      Valued("--output", "FMT", "output format: text (the default), json or yaml",
             absl::StrCat(core::AbslView(kOutputFormats), "; json and yaml print one document:\n",
                          core::AbslView(shape)),
             "text, json or yaml",
             [](Invocation& i, std::string_view spelling, const std::string& value) {
               absl::StatusOr<OutputFormat> format = ParseOutputFormat(spelling, value);
               if (format.ok()) i.output = *format;
               return format.status();
             },
             Completion::kWords, {"text", "json", "yaml"});
  option.short_name = "-o";
  option.subcommand = subcommand;
  return option;
}

// --server, --token, --tls, --ca: where the control plane is (control_client.h), after the
// command's own options; and what --config is to it.
void AddConnectionOptions(CommandSpec& command) {
  std::vector<OptionSpec>& options = command.options;
  options.push_back(
      Valued("--server", "HOST:PORT", "the server's control plane",
             "the server's control plane (default: control.host and control.port "
             "of the config file, else 127.0.0.1:3457)",
             "HOST:PORT", [](Invocation& i, std::string_view, const std::string& value) {
               absl::StatusOr<std::string> address = control_client::ParseServerAddress(value);
               if (address.ok()) i.server = value;
               return address.status();
             }));
  options.push_back(Valued("--token", "T", "the control token",
                           "the control token (default: control.token of the config file, else "
                           "$MAXPOOL_CONTROL_TOKEN); prefer those, a token on the command line "
                           "shows in `ps`",
                           "a token",
                           [](Invocation& i, std::string_view, const std::string& value) {
                             i.token = value;
                             return absl::OkStatus();
                           }));
  options.push_back(Flag("--tls", "speak TLS to the control plane",
                         "speak TLS to the control plane (control.tls on the server)",
                         [](Invocation& i, std::string_view, const std::string&) {
                           i.tls = true;
                           return absl::OkStatus();
                         }));
  options.push_back(Valued(
      "--ca", "FILE", "PEM certificates to verify the server with",
      "PEM certificates to verify the server with (implies --tls; default: the system's)",
      kNeedsPath,
      [](Invocation& i, std::string_view, const std::string& value) {
        i.ca_file = value;
        return absl::OkStatus();
      },
      Completion::kFile));
  for (size_t i = options.size() - 4; i < options.size(); ++i) options[i].connection = true;
  command.config_help = "the config file to read the defaults from";
}

// A drain duration: --deadline more than zero, --accept-grace zero or more.
absl::Status SetDuration(std::optional<absl::Duration>& out, std::string_view spelling,
                         const std::string& value, bool allow_zero) {
  absl::StatusOr<absl::Duration> duration =
      control_client::ParseDurationArg(std::string(spelling), value, allow_zero);
  if (duration.ok()) out = *duration;
  return duration.status();
}

std::vector<CommandSpec> MakeCommands() {
  std::vector<CommandSpec> commands;
  {
    CommandSpec c;
    c.name = "server";
    c.summary = "run the proxy, the control plane and the metrics listener";
    c.list = {{"server",
               "run the proxy for the accounts in the config file (the default command:\n"
               "`maxpool` alone does it); on a terminal with the live view; Ctrl-C drains\n"
               "it (a second Ctrl-C stops at once)"}};
    c.options = {
        PortOption("overrides proxy.port (0 = any free port)",
                   "overrides proxy.port (0 = any free port)"),
        Valued("--control-port", "N", "overrides control.port", "overrides control.port",
               kNeedsNumber,
               [](Invocation& i, std::string_view spelling, const std::string& value) {
                 absl::StatusOr<int> port = PortValue(spelling, value);
                 if (port.ok()) i.control_port = *port;
                 return port.status();
               }),
        Valued("--admin-port", "N", "overrides admin.port", "overrides admin.port", kNeedsNumber,
               [](Invocation& i, std::string_view spelling, const std::string& value) {
                 absl::StatusOr<int> port = PortValue(spelling, value);
                 if (port.ok()) i.admin_port = *port;
                 return port.status();
               }),
        Valued(
            "--log-to", "DIR", "write one file per request to DIR, in full",
            "writes one file per request to DIR, prompts and answers in full (for "
            "debugging: delete the files after use)",
            kNeedsPath,
            [](Invocation& i, std::string_view, const std::string& value) {
              i.log_dir = value;
              return absl::OkStatus();
            },
            Completion::kDirectory),
        NoTuiOption("log lines instead of the live view",
                    "log lines instead of the live view, even on a terminal")};
    c.config_help = "the config file";
    c.help = &ServerUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "demo";
    c.summary = "the proxy in front of a simulated pool, with traffic";
    c.list = {{"demo",
               "run the proxy in front of a simulated pool of four accounts and send it\n"
               "traffic"}};
    c.options = {Valued("--requests", "N", "requests to send (0 = none)",
                        "requests to send (default 60; 0 = none, serve until Ctrl-C)", kNeedsNumber,
                        [](Invocation& i, std::string_view spelling, const std::string& value) {
                          absl::StatusOr<int> count = CountValue(spelling, value);
                          if (count.ok()) i.demo_requests = *count;
                          return count.status();
                        }),
                 Valued("--concurrency", "N", "requests at a time",
                        "requests at a time (default 4)", kNeedsNumber,
                        [](Invocation& i, std::string_view spelling, const std::string& value) {
                          absl::StatusOr<int> count = CountValue(spelling, value);
                          if (count.ok()) i.demo_concurrency = std::max(1, *count);
                          return count.status();
                        }),
                 PortOption("the proxy's port", "the proxy's port (default: any free port)"),
                 NoTuiOption("print lines instead of the live view",
                             "print lines instead of the live view, even on a terminal")};
    c.help = &DemoUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "config";
    c.summary = "validate the config file, or print its path";
    c.list = {{"config check",
               "load and validate the config file; print its path, its accounts and any\n"
               "warnings; exit 2 with one error line when it is invalid (never writes it)"},
              {"config path", "print the config file's path"}};
    c.subcommands = {{"check", "load and validate the config file", Completion::kNothing, {}},
                     {"path", "print the config file's path", Completion::kNothing, {}}};
    c.options = {OutputOption(
        "{\"path\", \"valid\", \"error\" (when invalid), \"fieldViolations\": [{\"field\", "
        "\"description\"}], \"accounts\", \"providers\", \"warnings\"} (config check; still "
        "exit 2 when invalid)",
        "check")};
    c.help = &ConfigUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "login";
    c.summary = "add a Claude subscription (browser sign-in) or a Console API key";
    c.list = {
        {"login", "add a Claude subscription (sign in with a browser), or a Console API key"}};
    const OptionSetter api = [](Invocation& i, std::string_view, const std::string&) {
      i.login_api = true;
      return absl::OkStatus();
    };
    OptionSpec key_stdin = Flag("--key-stdin", "add a Console API key, read from stdin", "", api);
    key_stdin.hidden = true;
    c.options = {Flag("--api", "add a Console API key, read from stdin",
                      "add a Console API key (sk-ant-api...) instead: it is read from stdin, "
                      "with a hidden prompt on a terminal (never pass a key as an argument: `ps` "
                      "shows it)",
                      api),
                 Flag("--oauth", "sign in to a subscription (the default)",
                      "sign in to a subscription (the default)",
                      [](Invocation& i, std::string_view, const std::string&) {
                        i.login_oauth = true;
                        return absl::OkStatus();
                      }),
                 NameOption("the account's name (default: its email; API keys api-N)"),
                 Flag("--no-browser", "only print the sign-in link", "only print the link",
                      [](Invocation& i, std::string_view, const std::string&) {
                        i.open_browser = false;
                        return absl::OkStatus();
                      }),
                 Flag("--manual", "no local listener: paste the code the page shows",
                      "no local listener: the page after signing in shows a code to paste here",
                      [](Invocation& i, std::string_view, const std::string&) {
                        i.manual = true;
                        return absl::OkStatus();
                      }),
                 key_stdin};
    c.config_help = "the config file to add the account to";
    c.help = &LoginUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "import";
    c.summary = "add the subscription Claude Code is logged in with";
    c.list = {{"import", "add the subscription Claude Code is logged in with"}};
    c.options = {Valued(
                     "--from", "PATH", "the credentials file to read",
                     "the credentials file to read", kNeedsPath,
                     [](Invocation& i, std::string_view, const std::string& value) {
                       i.from = value;
                       return absl::OkStatus();
                     },
                     Completion::kFile),
                 NameOption("the account's name")};
    c.config_help = "the config file to add the account to";
    c.help = &ImportUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "remove";
    c.summary = "delete an account from the config file";
    c.list = {{"remove NAME", "delete an account from the config file (a running server follows)"}};
    c.arguments = Completion::kAccount;
    c.help = &RemoveUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "rename";
    c.summary = "rename an account (by name or number)";
    c.list = {{"rename NAME|N NEW",
               "rename an account (by name or number from 1); the preferred account follows"}};
    c.arguments = Completion::kAccount;
    c.help = &RenameUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "env";
    c.summary = "print export ANTHROPIC_BASE_URL=... for the proxy";
    c.list = {{"env",
               "print  export ANTHROPIC_BASE_URL=...  for the proxy, for eval \"$(maxpool env)\""}};
    c.options = {Flag("--with-key", "also print ANTHROPIC_API_KEY, the proxy's client key",
                      "also print  export ANTHROPIC_API_KEY=<proxy.apiKey>,  the key that clients "
                      "on other hosts must send. This prints a secret: keep it out of logs and "
                      "screen shares.",
                      [](Invocation& i, std::string_view, const std::string&) {
                        i.with_key = true;
                        return absl::OkStatus();
                      })};
    c.help = &EnvUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "run";
    c.summary = "run Claude Code through the proxy with a session of its own";
    c.list = {{"run",
               "run Claude Code (`claude`) through the proxy with a session of its own;\n"
               "arguments after -- go to claude"}};
    c.help = &RunUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "api";
    c.summary = "debug helper: call the upstream with an account's credential";
    c.list = {{"api PATH",
               "debug helper: call <upstream>PATH with an account's credential; status and\n"
               "headers on stderr, body on stdout"}};
    c.options = {
        Valued(
            "--account", "NAME|N", "the account, by name or number from 1",
            "the account named NAME, or the N-th of accounts[] (from 1); default the first",
            "an account name or number",
            [](Invocation& i, std::string_view, const std::string& value) {
              i.api_account = value;
              return absl::OkStatus();
            },
            Completion::kAccount),
        Valued("--method", "M", "the HTTP method",
               "GET, POST, PUT, PATCH or DELETE; default GET, or POST with --data",
               "a method (GET, POST, PUT, PATCH or DELETE)",
               [](Invocation& i, std::string_view, const std::string& value) {
                 i.api_method = value;
                 return absl::OkStatus();
               },
               Completion::kWords, {"GET", "POST", "PUT", "PATCH", "DELETE"}),
        Valued("--data", "JSON", "the request body", "the request body (sent as application/json)",
               "a JSON body", [](Invocation& i, std::string_view, const std::string& value) {
                 i.api_data = value;
                 return absl::OkStatus();
               })};
    c.help = &ApiUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "probe";
    c.summary = "health check: GET the admin listener's /livez";
    c.list = {{"probe [URL]",
               "health check for containers: GET URL (default: the admin listener's /livez)\n"
               "and exit 0 when it answers 200 within 2 s, else 1"}};
    c.help = &ProbeUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "help";
    c.summary = "show the commands, or the help of one";
    c.list = {{"help", "show this help, or with COMMAND that command's own, with its options"}};
    c.arguments = Completion::kCommand;
    c.options = {Flag("--man", "write the manual page (roff) to stdout",
                      "writes the manual page (roff) made of every command's help to stdout:\n"
                      "maxpool help --man | man -l -",
                      [](Invocation& i, std::string_view, const std::string&) {
                        i.man = true;
                        return absl::OkStatus();
                      })};
    c.help = &HelpUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "version";
    c.summary = "print the version, the git commit and the build type";
    c.list = {{"version", "print the version, the git commit and the build type"}};
    c.help = &VersionUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "completion";
    c.summary = "print a shell completion script (bash, zsh or fish)";
    c.list = {{"completion SHELL",
               "print the completion script for bash, zsh or fish (`maxpool help completion`\n"
               "says how to install it)"}};
    c.arguments = Completion::kWords;
    c.words = {"bash", "zsh", "fish"};
    c.help = &CompletionUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "status";
    c.group = Group::kServer;
    c.summary = "the running server: version, uptime, listeners, load, accounts";
    c.list = {{"status", "version, uptime, listeners, load, and each account's state and quota"}};
    c.options = {OutputOption(
        "maxpool.v1.GetStatusResponse in its proto3 JSON mapping (version, startTime, uptime, "
        "listeners, draining, inFlight, held, accounts, configPath, drainDeadline)")};
    AddConnectionOptions(c);
    c.help = &StatusUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "accounts";
    c.group = Group::kServer;
    c.summary = "list the accounts (the config file's when no server runs)";
    c.list = {{"accounts",
               "list the accounts, in more detail on request; without a running server, the\n"
               "config file's"}};
    c.options = {
        Flag(
            "--verbose", "also show identity, expiry, quota, load, last error",
            "also show each account's email and organization, when its credential expires, its "
            "quota windows with their resets, its load over the last 15 minutes and hour, and its "
            "last error",
            [](Invocation& i, std::string_view, const std::string&) {
              i.verbose = true;
              return absl::OkStatus();
            },
            "-v"),
        OutputOption("maxpool.v1.ListAccountsResponse in its proto3 JSON mapping, with the "
                     "accounts of every page; from the config file, without state, stateReason, "
                     "stateUntil, inFlight and credential.refreshDead")};
    AddConnectionOptions(c);
    c.help = &AccountsUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "drain";
    c.group = Group::kServer;
    c.summary = "drain the running server gracefully";
    c.list = {{"drain", "drain it gracefully: requests in flight finish, then it exits"}};
    c.options = {
        Valued("--deadline", "D", "how long requests in flight may take",
               "how long requests in flight may take, e.g. 30s, 2m, 1h30m (1s to 24h; default: "
               "the server's shutdown.drainTimeoutMs, 15s)",
               kNeedsDuration,
               [](Invocation& i, std::string_view spelling, const std::string& value) {
                 return SetDuration(i.drain_deadline, spelling, value, /*allow_zero=*/false);
               }),
        Valued("--accept-grace", "D", "keep accepting new requests for D",
               "keep accepting new requests for D first, so that load balancers stop sending "
               "(shorter than the deadline; default 0)",
               kNeedsDuration,
               [](Invocation& i, std::string_view spelling, const std::string& value) {
                 return SetDuration(i.drain_grace, spelling, value, /*allow_zero=*/true);
               }),
        Flag("--wait", "follow the drain until the server is gone",
             "print the drain's progress until it is done, then wait for the server to exit; "
             "exits 0 once it is gone",
             [](Invocation& i, std::string_view, const std::string&) {
               i.drain_wait = true;
               return absl::OkStatus();
             })};
    AddConnectionOptions(c);
    c.help = &DrainUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "routing";
    c.group = Group::kServer;
    c.summary = "show or change the routing policy";
    c.list = {{"routing",
               "show the routing policy, or change it: routing auto | prefer NAME |\n"
               "set KEY VALUE (`maxpool help routing`)"}};
    c.subcommands = {{"show", "show the policy", Completion::kNothing, {}},
                     {"auto", "automatic routing over every account", Completion::kNothing, {}},
                     {"prefer",
                      "send every request to one account while it can serve",
                      Completion::kAccount,
                      {}},
                     {"set",
                      "change a threshold",
                      Completion::kWords,
                      {"switch-threshold", "weekly-soft", "weekly-reserve", "weekly-critical"}}};
    c.options = {OutputOption(
        "maxpool.v1.RoutingPolicy in its proto3 JSON mapping (after a change: the policy the "
        "server answered)")};
    AddConnectionOptions(c);
    c.help = &RoutingUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "sessions";
    c.group = Group::kServer;
    c.summary = "list the sessions kept on accounts";
    c.list = {
        {"sessions", "list the sessions kept on accounts, with their home and current account"}};
    c.options = {OutputOption(
        "maxpool.v1.ListSessionsResponse in its proto3 JSON mapping, with the sessions of every "
        "page")};
    AddConnectionOptions(c);
    c.help = &SessionsUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "top";
    c.group = Group::kServer;
    c.summary = "full-screen live view of the pool";
    c.list = {{"top", "full-screen live view of the pool (terminal UI)"}};
    AddConnectionOptions(c);
    c.help = &TopUsageText;
    commands.push_back(std::move(c));
  }
  return commands;
}

}  // namespace

const std::vector<CommandSpec>& Commands() {
  static const auto* const kCommands = new std::vector<CommandSpec>(MakeCommands());
  return *kCommands;
}

const CommandSpec* FindCommand(std::string_view name) {
  for (const CommandSpec& command : Commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

const std::vector<OptionSpec>& GlobalOptions() {
  // --help and --version are commands of their own (cli.cc): they store nothing.
  const OptionSetter command = [](Invocation&, std::string_view, const std::string&) {
    return absl::OkStatus();
  };
  static const auto* const kOptions = new std::vector<OptionSpec>{
      Valued(
          "--config", "PATH", "the config file",
          "use this config file instead of $MAXPOOL_CONFIG, $TEAMCLAUDE_CONFIG or "
          "<$XDG_CONFIG_HOME or ~/.config>/maxpool.json",
          kNeedsPath,
          [](Invocation& i, std::string_view, const std::string& value) {
            i.config_path = value;
            return absl::OkStatus();
          },
          Completion::kFile),
      Flag("--help", "show the help",
           "show the help; after a command, that command's own, with its options", command, "-h"),
      Flag("--version", "print the version", "print the version", command),
  };
  return *kOptions;
}

const OptionSpec* FindOption(std::string_view spelling) {
  if (spelling.empty()) return nullptr;
  const auto matches = [spelling](const OptionSpec& option) {
    return option.name == spelling || option.short_name == spelling;
  };
  for (const OptionSpec& option : GlobalOptions()) {
    if (matches(option)) return &option;
  }
  for (const CommandSpec& command : Commands()) {
    for (const OptionSpec& option : command.options) {
      if (matches(option)) return &option;
    }
  }
  return nullptr;
}

std::vector<std::string> CommandsTaking(std::string_view name) {
  std::vector<std::string> names;
  for (const Group group : {Group::kServer, Group::kLocal}) {
    for (const CommandSpec& command : Commands()) {
      if (command.group != group) continue;
      for (const OptionSpec& option : command.options) {
        if (option.name != name) continue;
        names.push_back(option.subcommand.empty()
                            ? std::string(command.name)
                            : absl::StrCat(core::AbslView(command.name), " ",
                                           core::AbslView(option.subcommand)));
      }
    }
  }
  return names;
}

std::string CommandList(CommandSpec::Group group) {
  std::string out;
  const std::string indent(kSummaryColumn, ' ');
  for (const CommandSpec& command : Commands()) {
    if (command.group != group) continue;
    for (const ListEntry& entry : command.list) {
      std::string line = absl::StrCat("  ", core::AbslView(entry.label));
      if (line.size() + 2 > kSummaryColumn) {
        absl::StrAppend(&out, line, "\n");
        line = indent;
      } else {
        line.resize(kSummaryColumn, ' ');
      }
      bool first = true;
      for (absl::string_view summary_line : absl::StrSplit(core::AbslView(entry.summary), '\n')) {
        absl::StrAppend(&out, first ? line : indent, summary_line, "\n");
        first = false;
      }
    }
  }
  return out;
}

}  // namespace maxpool::app
