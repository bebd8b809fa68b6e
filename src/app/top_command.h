#pragma once

// `maxpool top`: the full-screen terminal UI (src/tui) on the control plane of a running server,
// local or a sidecar: live quota bars and countdowns per account, the activity log, and keys to
// manage accounts, routing, reload and drain. Needs a terminal: with stdout not a TTY it refuses
// with one line pointing at `maxpool status`.

#include <ostream>
#include <string>

#include "config/config_path.h"
#include "control_client/control_client.h"

namespace maxpool::app {

// The help of `maxpool top` (ends with a newline).
std::string TopUsageText();

// Resolves the target (ResolveControlTarget), checks that stdout is a terminal, and runs the TUI
// until `q`. Returns kExitOk, or kExitFailure with one line on `err`.
int RunTop(const control_client::ControlOptions& control, const config::EnvLookup& env,
           std::ostream& out, std::ostream& err);

}  // namespace maxpool::app
