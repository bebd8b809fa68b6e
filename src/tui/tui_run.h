#pragma once

// `maxpool top`'s main loop: opens the screen, starts the telemetry feed against the control
// plane, and until `q` (or SIGINT/SIGTERM, or `should_stop`) applies what the feed posted to the
// model, renders it, and hands keys to the controller, whose actions go to the control plane.
// The terminal is restored on every way out.

#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "control_client/control_client.h"
#include "tui/tui_controller.h"

namespace maxpool::tui {

struct TuiOptions {
  // The control plane to watch and act on.
  control_client::ControlTarget target;
  // The TUI runs inside a local server process (`maxpool server` on a terminal): `q` asks
  // "drain the server and quit?" and, on `y`, RunTui calls `on_drain_and_quit` after restoring
  // the terminal and returns. SIGINT/SIGTERM (when handled here) count as that confirmation.
  bool attached = false;
  std::function<void()> on_drain_and_quit;
  // Attached: `r` asks "drain the server and restart it?" and, on `y`, RunTui calls this instead
  // of `on_drain_and_quit` after restoring the terminal.
  std::function<void()> on_drain_and_restart;
  // Whether RunTui turns SIGINT/SIGTERM into a clean exit (an embedding server may want to
  // keep its own handlers; then it ends the TUI through `should_stop`).
  bool handle_signals = true;
  // Polled about five times a second; true ends the TUI.
  std::function<bool()> should_stop;
  // How often the server sends a snapshot.
  absl::Duration interval = absl::Seconds(1);
  // Where actions go; null = the control plane at `target` (tests substitute their own).
  ActionSink* sink = nullptr;
};

// Runs until quit. Returns 0, or 1 after printing one line on stderr when the terminal cannot be
// used.
int RunTui(const TuiOptions& options);

}  // namespace maxpool::tui
