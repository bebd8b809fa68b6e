#include "app/command_table.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "app/account_edit_command.h"
#include "app/accounts_command.h"
#include "app/api_command.h"
#include "app/command_help.h"
#include "app/completion_command.h"
#include "app/drain_command.h"
#include "app/env_command.h"
#include "app/login_command.h"
#include "app/probe_command.h"
#include "app/routing_command.h"
#include "app/run_command.h"
#include "app/sessions_command.h"
#include "app/status_command.h"
#include "app/top_command.h"
#include "app/version.h"
#include "core/absl_view.h"

namespace maxpool::app {
namespace {

using Group = CommandSpec::Group;

// The column of the summaries in the command list.
constexpr size_t kSummaryColumn = 17;

OptionSpec Flag(std::string_view name, std::string_view summary, std::string_view short_name = "") {
  return OptionSpec{name, short_name, "", summary, Completion::kNothing, {}};
}

OptionSpec Valued(std::string_view name, std::string_view value, std::string_view summary,
                  Completion completion = Completion::kNothing,
                  std::vector<std::string_view> words = {}) {
  return OptionSpec{name, "", value, summary, completion, std::move(words)};
}

OptionSpec OutputOption() {
  return OptionSpec{"--output",
                    "-o",
                    "FMT",
                    "output format: text (the default), json or yaml",
                    Completion::kWords,
                    {"text", "json", "yaml"}};
}

// --server, --token, --tls, --ca: where the control plane is (control_client.h).
std::vector<OptionSpec> WithConnection(std::vector<OptionSpec> options) {
  options.push_back(Valued("--server", "HOST:PORT", "the server's control plane"));
  options.push_back(Valued("--token", "T", "the control token"));
  options.push_back(Flag("--tls", "speak TLS to the control plane"));
  options.push_back(
      Valued("--ca", "FILE", "PEM certificates to verify the server with", Completion::kFile));
  return options;
}

std::vector<CommandSpec> MakeCommands() {
  std::vector<CommandSpec> commands;
  {
    CommandSpec c;
    c.name = "server";
    c.summary = "run the proxy, the control plane and the metrics listener";
    c.list = {{"server",
               "run the proxy for the accounts in the config file (the default command:\n"
               "`maxpool` alone does it; --port N overrides proxy.port, --control-port N\n"
               "control.port, --admin-port N admin.port; 0 = any free port); on a terminal\n"
               "with the live view (--no-tui for log lines); Ctrl-C drains it (a second\n"
               "Ctrl-C stops at once); --log-to DIR writes one file per request to DIR,\n"
               "prompts and answers in full (for debugging: delete the files after use)"}};
    c.options = {Valued("--port", "N", "overrides proxy.port (0 = any free port)"),
                 Valued("--control-port", "N", "overrides control.port"),
                 Valued("--admin-port", "N", "overrides admin.port"),
                 Valued("--log-to", "DIR", "write one file per request to DIR, in full",
                        Completion::kDirectory),
                 Flag("--no-tui", "log lines instead of the live view")};
    c.help = &ServerUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "demo";
    c.summary = "the proxy in front of a simulated pool, with traffic";
    c.list = {{"demo",
               "run the proxy in front of a simulated pool of four accounts and send it\n"
               "traffic (--requests N, 0 for none; --concurrency N; --port N; --no-tui)"}};
    c.options = {Valued("--requests", "N", "requests to send (0 = none)"),
                 Valued("--concurrency", "N", "requests at a time"),
                 Valued("--port", "N", "the proxy's port"),
                 Flag("--no-tui", "print lines instead of the live view")};
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
    c.options = {OutputOption()};
    c.help = &ConfigUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "login";
    c.summary = "add a Claude subscription (browser sign-in) or a Console API key";
    c.list = {{"login",
               "add a Claude subscription: sign in with a browser (`maxpool login --help`);\n"
               "--api adds a Console API key read from stdin instead"}};
    c.options = {Flag("--api", "add a Console API key, read from stdin"),
                 Flag("--oauth", "sign in to a subscription (the default)"),
                 Valued("--name", "NAME", "the account's name"),
                 Flag("--no-browser", "only print the sign-in link"),
                 Flag("--manual", "no local listener: paste the code the page shows")};
    c.help = &LoginUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "import";
    c.summary = "add the subscription Claude Code is logged in with";
    c.list = {{"import", "add the subscription Claude Code is logged in with (--from PATH)"}};
    c.options = {Valued("--from", "PATH", "the credentials file to read", Completion::kFile),
                 Valued("--name", "NAME", "the account's name")};
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
               "print  export ANTHROPIC_BASE_URL=...  for the proxy, for eval \"$(maxpool env)\"\n"
               "(--with-key adds ANTHROPIC_API_KEY, the proxy's client key)"}};
    c.options = {Flag("--with-key", "also print ANTHROPIC_API_KEY, the proxy's client key")};
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
               "debug helper: call <upstream>PATH with an account's credential (--account N,\n"
               "--method M, --data JSON); status and headers on stderr, body on stdout"}};
    c.options = {Valued("--account", "NAME|N", "the account, by name or number from 1",
                        Completion::kAccount),
                 Valued("--method", "M", "the HTTP method", Completion::kWords,
                        {"GET", "POST", "PUT", "PATCH", "DELETE"}),
                 Valued("--data", "JSON", "the request body")};
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
    c.list = {{"help",
               "show this help (also --help, -h); `help COMMAND` for a command's own;\n"
               "`help --man` writes the manual page (roff)"}};
    c.arguments = Completion::kCommand;
    c.options = {Flag("--man", "write the manual page (roff) to stdout")};
    c.help = &HelpUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "version";
    c.summary = "print the version, the git commit and the build type";
    c.list = {{"version", "print the version, the git commit and the build type (also --version)"}};
    c.help = &VersionUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "completion";
    c.summary = "print a shell completion script (bash, zsh or fish)";
    c.list = {{"completion SHELL",
               "print the completion script for bash, zsh or fish (`maxpool completion --help`\n"
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
    c.options = WithConnection({OutputOption()});
    c.help = &StatusUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "accounts";
    c.group = Group::kServer;
    c.summary = "list the accounts (the config file's when no server runs)";
    c.list = {{"accounts",
               "list the accounts (-v: email, expiry, quota windows, load); without a running\n"
               "server, the config file's"}};
    c.options = WithConnection(
        {Flag("--verbose", "also show identity, expiry, quota, load, last error", "-v"),
         OutputOption()});
    c.help = &AccountsUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "drain";
    c.group = Group::kServer;
    c.summary = "drain the running server gracefully";
    c.list = {{"drain",
               "drain it gracefully: requests in flight finish, then it exits (--deadline D,\n"
               "--accept-grace D; --wait follows the drain until the server is gone)"}};
    c.options = WithConnection({Valued("--deadline", "D", "how long requests in flight may take"),
                                Valued("--accept-grace", "D", "keep accepting new requests for D"),
                                Flag("--wait", "follow the drain until the server is gone")});
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
               "set KEY VALUE (`maxpool routing --help`)"}};
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
    c.options = WithConnection({OutputOption()});
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
    c.options = WithConnection({OutputOption()});
    c.help = &SessionsUsageText;
    commands.push_back(std::move(c));
  }
  {
    CommandSpec c;
    c.name = "top";
    c.group = Group::kServer;
    c.summary = "full-screen live view of the pool";
    c.list = {{"top", "full-screen live view of the pool (terminal UI)"}};
    c.options = WithConnection({});
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
  static const auto* const kOptions = new std::vector<OptionSpec>{
      Valued("--config", "PATH", "the config file", Completion::kFile),
      Flag("--help", "show the help", "-h"),
      Flag("--version", "print the version"),
  };
  return *kOptions;
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
