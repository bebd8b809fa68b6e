#include "tui/tui_screen.h"

#include <curses.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cwchar>
#include <string>

#include "absl/status/status.h"

namespace maxpool::tui {
namespace {

volatile std::sig_atomic_t g_stop = 0;

void OnStopSignal(int /*signal*/) { g_stop = 1; }

SCREEN* g_screen = nullptr;

enum Pair : short {
  kPairGood = 1,
  kPairWarn,
  kPairBad,
  kPairBarGreen,
  kPairBarYellow,
  kPairBarRed,
  kPairBanner,
  kPairKey,
};

attr_t AttrOf(Style style) {
  const bool color = has_colors();
  auto pair = [color](short p) { return color ? COLOR_PAIR(p) : A_NORMAL; };
  switch (style) {
    case Style::kNormal:
      return A_NORMAL;
    case Style::kDim:
      return A_DIM;
    case Style::kBold:
      return A_BOLD;
    case Style::kTitle:
      return A_REVERSE;
    case Style::kGood:
      return pair(kPairGood) | A_BOLD;
    case Style::kWarn:
      return pair(kPairWarn) | A_BOLD;
    case Style::kBad:
      return pair(kPairBad) | A_BOLD;
    case Style::kBarGreen:
      return color ? pair(kPairBarGreen) : A_REVERSE;
    case Style::kBarYellow:
      return color ? pair(kPairBarYellow) : A_REVERSE;
    case Style::kBarRed:
      return color ? pair(kPairBarRed) : A_REVERSE;
    case Style::kBarEmpty:
      return A_DIM;
    case Style::kSelected:
      return A_REVERSE | A_BOLD;
    case Style::kBanner:
      return color ? (pair(kPairBanner) | A_BOLD) : A_REVERSE;
    case Style::kKey:
      return pair(kPairKey) | A_BOLD;
  }
  return A_NORMAL;
}

}  // namespace

void InstallStopSignals() {
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked read returns
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool StopRequested() { return g_stop != 0; }

absl::StatusOr<std::unique_ptr<Screen>> Screen::Open() {
  if (g_screen != nullptr) return absl::FailedPreconditionError("the screen is already open");
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
    return absl::FailedPreconditionError("maxpool top needs a terminal");
  }
  // newterm, unlike initscr, returns null instead of exiting on an unknown terminal.
  g_screen = newterm(nullptr, stdout, stdin);
  if (g_screen == nullptr) {
    return absl::FailedPreconditionError(
        "cannot drive this terminal (is TERM set to a known terminal type?)");
  }
  set_term(g_screen);
  cbreak();
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  curs_set(0);
  set_escdelay(25);
  if (has_colors()) {
    start_color();
    use_default_colors();
    init_pair(kPairGood, COLOR_GREEN, -1);
    init_pair(kPairWarn, COLOR_YELLOW, -1);
    init_pair(kPairBad, COLOR_RED, -1);
    init_pair(kPairBarGreen, COLOR_BLACK, COLOR_GREEN);
    init_pair(kPairBarYellow, COLOR_BLACK, COLOR_YELLOW);
    init_pair(kPairBarRed, COLOR_WHITE, COLOR_RED);
    init_pair(kPairBanner, COLOR_WHITE, COLOR_RED);
    init_pair(kPairKey, COLOR_CYAN, -1);
  }
  return std::unique_ptr<Screen>(new Screen());
}

Screen::~Screen() {
  endwin();
  if (g_screen != nullptr) {
    delscreen(g_screen);
    g_screen = nullptr;
  }
}

int Screen::width() const { return COLS; }
int Screen::height() const { return LINES; }

void Screen::Draw(const Grid& grid) {
  erase();
  const int rows = std::min(grid.height(), LINES);
  const int cols = std::min(grid.width(), COLS);
  for (int r = 0; r < rows; ++r) {
    // Never the bottom-right cell: writing it would scroll the screen on some terminals.
    const int last = r == LINES - 1 ? cols - 1 : cols;
    int c = 0;
    while (c < last) {
      const Style style = grid.at(r, c).style;
      std::wstring run;
      const int start = c;
      while (c < last && grid.at(r, c).style == style) {
        run.push_back(static_cast<wchar_t>(grid.at(r, c).ch));
        ++c;
      }
      attrset(AttrOf(style));
      mvaddnwstr(r, start, run.c_str(), static_cast<int>(run.size()));
    }
  }
  attrset(A_NORMAL);
  refresh();
}

std::optional<Key> Screen::ReadKey(absl::Duration wait) {
  const int64_t ms = absl::ToInt64Milliseconds(wait);
  timeout(static_cast<int>(ms < 0 ? -1 : ms));
  wint_t ch = 0;
  const int kind = get_wch(&ch);
  if (kind == ERR) return std::nullopt;
  if (kind == KEY_CODE_YES) {
    switch (ch) {
      case KEY_UP:
        return kKeyUp;
      case KEY_DOWN:
        return kKeyDown;
      case KEY_LEFT:
        return kKeyLeft;
      case KEY_RIGHT:
        return kKeyRight;
      case KEY_PPAGE:
        return kKeyPageUp;
      case KEY_NPAGE:
        return kKeyPageDown;
      case KEY_ENTER:
        return kKeyEnter;
      case KEY_BACKSPACE:
      case KEY_DC:
        return kKeyBackspace;
      case KEY_RESIZE:
        return kKeyResize;
      default:
        return std::nullopt;
    }
  }
  if (ch == L'\r' || ch == L'\n') return kKeyEnter;
  if (ch == 8 || ch == 127) return kKeyBackspace;
  return static_cast<Key>(ch);
}

}  // namespace maxpool::tui
