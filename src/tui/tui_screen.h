#pragma once

// The ncurses side of `maxpool top`, and nothing else: opens the terminal (UTF-8 via ncursesw,
// colours on the terminal's default background, no echo, no cursor, keypad), draws a rendered
// Grid, reads one key with a timeout (KEY_RESIZE comes back as kKeyResize), and restores the
// terminal when destroyed. InstallStopSignals() turns SIGINT and SIGTERM into StopRequested()
// instead of killing the process, so the terminal is always restored. One Screen at a time, on
// one thread.

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tui/tui_controller.h"
#include "tui/tui_grid.h"

namespace maxpool::tui {

class Screen {
 public:
  // Fails (one line) when stdin/stdout is not a terminal ncurses can drive.
  static absl::StatusOr<std::unique_ptr<Screen>> Open();
  ~Screen();
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;

  // Columns and rows now.
  int width() const;
  int height() const;
  void Draw(const Grid& grid);
  // The next key, or nullopt after `wait` (or when a signal interrupted the wait).
  std::optional<Key> ReadKey(absl::Duration wait);

 private:
  Screen() = default;
};

// SIGINT and SIGTERM set a flag instead of ending the process (call before Screen::Open()).
void InstallStopSignals();
// Whether SIGINT or SIGTERM arrived since InstallStopSignals().
bool StopRequested();

}  // namespace maxpool::tui
