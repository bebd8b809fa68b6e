#include "app/command_help.h"

#include "absl/strings/str_cat.h"
#include "app/cli.h"
#include "app/command_table.h"
#include "app/option_help.h"

namespace maxpool::app {

std::string ServerUsageText() {
  return R"(usage: maxpool server [--port N] [--control-port N] [--admin-port N] [--log-to DIR]
                      [--no-tui] [--config PATH]

Runs the proxy for the accounts in the config file: the Anthropic-compatible endpoint
(proxy.host:proxy.port, default 127.0.0.1:3456), the gRPC control plane (control section,
default 127.0.0.1:3457) and the metrics and health endpoints (admin section, default
127.0.0.1:3458). Edits of the config file apply while it runs. Ctrl-C or SIGTERM drains it:
requests in flight finish, then it exits 0 (a second Ctrl-C stops at once). On a terminal it
shows the live pool (the `maxpool top` view; `q` drains and quits); elsewhere, or with --no-tui,
it writes log lines to stderr.
)" + OptionsHelp("server");
}

std::string DemoUsageText() {
  return R"(usage: maxpool demo [--requests N] [--concurrency N] [--port N] [--no-tui]

Runs the proxy in front of a simulated upstream with four accounts in different states and
sends it traffic, so you can watch the balancing. On a terminal it opens the live view (the
`maxpool top` screen) with traffic flowing until `q`; elsewhere, or with --no-tui, it prints one
line per routed request and a summary per account. Needs no account and no config file.
)" + OptionsHelp("demo");
}

std::string ConfigUsageText() {
  return absl::StrCat(
      R"(usage: maxpool config check [-o FMT] [--config PATH]
       maxpool config path [--config PATH]

config check   loads and validates the config file and prints its path, its number of
               accounts and any warnings; never writes it. Exits 2 with one line naming the
               file, the key and the reason when it is invalid.
config path    prints the config file's path: --config PATH, else $MAXPOOL_CONFIG, else
               $TEAMCLAUDE_CONFIG, else <$XDG_CONFIG_HOME or ~/.config>/maxpool.json (a legacy
               teamclaude.json next to it is used when maxpool.json does not exist).
)",
      OptionsHelp("config"));
}

std::string HelpUsageText() {
  return R"(usage: maxpool help [COMMAND]
       maxpool COMMAND --help
       maxpool help --man

Shows the list of commands, or the help of one (also -h).
)" + OptionsHelp("help");
}

std::optional<std::string> HelpFor(std::string_view topic) {
  if (topic.empty()) return UsageText();
  if (const CommandSpec* command = FindCommand(topic); command != nullptr) return command->help();
  return std::nullopt;
}

}  // namespace maxpool::app
