#pragma once

// The screen of `maxpool top` as a Grid, from the model, the controller's view and the time:
//   row 0      title: server address and connection ("connected", "reconnecting in 2s: …")
//   row 1      routing mode, in flight, held, accounts
//   banner     shared breaker ("retry in 42s" / "probing recovery"), held requests, drain
//   table      one row per account: marker (► preferred, or in flight in automatic mode), name,
//              type, state (with its countdown), two quota bars (Ses/Wk for subscriptions,
//              Tok/Req for API keys) filled green < 70 %, yellow < 90 %, red above, with the
//              usage and reset countdown inside, weekly tier, in flight, 15-minute and 1-hour
//              requests
//   activity   the newest log lines (or the open menu / prompt notes)
//   status     the controller's prompt, question or last result
//   footer     the keys of the current mode
// Narrow terminals drop columns (1H, 15M, TYPE, WEEKLY, LIVE), then shrink and drop the bars;
// short ones drop the banner and the activity first and cut the table with "… N more". Nothing
// is ever written outside width x height. Pure.

#include "absl/time/time.h"
#include "tui/tui_controller.h"
#include "tui/tui_grid.h"
#include "tui/tui_model.h"

namespace maxpool::tui {

Grid Render(const TuiModel& model, const ControllerView& view, absl::Time now, int width,
            int height);

// The bar's colour for a utilization: green < 0.7, yellow < 0.9, red otherwise.
Style BarStyle(double utilization);

// Draws a quota bar of `cols` cells at (row, col): `fraction` of it filled in BarStyle, the
// rest kBarEmpty, with `label` written over it from its second cell.
void DrawBar(Grid& grid, int row, int col, int cols, double fraction, const std::string& label);

}  // namespace maxpool::tui
