#include "app/top_command.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "app/cli.h"
#include "app/option_help.h"
#include "tui/tui_run.h"

namespace maxpool::app {

std::string TopUsageText() {
  return absl::StrCat(
      "usage: maxpool top [options]\n"
      "\n"
      "A live full-screen view of a running maxpool server through its control plane: every\n"
      "account's state, 5-hour and 7-day (or tokens and requests) quota bars with their reset\n"
      "countdowns, load, the breaker, holds and drain, and an activity log. Keys: a accounts,\n"
      "m routing, s reload the config, d drain, q quit. Needs a terminal; for scripts use\n"
      "`maxpool status`.\n",
      OptionsHelp("top"));
}

int RunTop(const control_client::ControlOptions& control, const config::EnvLookup& env,
           std::ostream& /*out*/, std::ostream& err) {
  absl::StatusOr<control_client::ControlTarget> target =
      control_client::ResolveControlTarget(control, env);
  if (!target.ok()) {
    err << "maxpool: " << target.status().message() << "\n";
    return kExitFailure;
  }
  if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
    err << "maxpool: top needs a terminal; use `maxpool status` instead\n";
    return kExitFailure;
  }
  tui::TuiOptions options;
  options.target = *target;
  return tui::RunTui(options) == 0 ? kExitOk : kExitFailure;
}

}  // namespace maxpool::app
