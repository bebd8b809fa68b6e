#include "tui/tui_render.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "control_client/control_client.h"

namespace maxpool::tui {
namespace {

using Mode = ControllerView::Mode;

constexpr int kMinBar = 10;  // "100% 6d23h"
constexpr int kMaxBar = 24;
constexpr int kBarLabel = 4;  // "Ses "

Style ToneStyle(LogTone tone) {
  switch (tone) {
    case LogTone::kGood:
      return Style::kGood;
    case LogTone::kWarn:
      return Style::kWarn;
    case LogTone::kBad:
      return Style::kBad;
    case LogTone::kInfo:
      break;
  }
  return Style::kNormal;
}

std::string Countdown(const google::protobuf::Timestamp& at, absl::Time now) {
  const absl::Time t = control_client::ToTime(at);
  if (t <= now) return "now";
  return control_client::CompactDuration(t - now);
}

// Writes segments left to right; returns the next column.
struct Line {
  Grid& grid;
  int row;
  int col = 0;
  int Add(const std::string& text, Style style = Style::kNormal) {
    col += grid.Put(row, col, text, style);
    return col;
  }
};

// ---- Account table --------------------------------------------------------------------------

struct Column {
  std::string header;
  int width;
  int drop_order;  // smaller is dropped first; 0 = never
  std::function<void(Grid&, int row, int col, int width, const v1::AccountSnapshot&)> draw;
};

const v1::QuotaWindow* FindWindow(const v1::AccountSnapshot& a, v1::QuotaWindowKind kind) {
  for (const v1::QuotaWindow& w : a.quota()) {
    if (w.kind() == kind) return &w;
  }
  return nullptr;
}

struct BarSpec {
  std::string label;
  v1::QuotaWindowKind kind;
};

// The two bars of an account: Ses/Wk (subscriptions), Tok/Req (API keys), provider windows.
BarSpec BarOf(const v1::AccountSnapshot& a, int which) {
  switch (a.type()) {
    case v1::ACCOUNT_TYPE_API_KEY:
      return which == 0 ? BarSpec{"Tok", v1::QUOTA_WINDOW_KIND_TOKENS}
                        : BarSpec{"Req", v1::QUOTA_WINDOW_KIND_REQUESTS};
    case v1::ACCOUNT_TYPE_PROVIDER:
      return which == 0 ? BarSpec{"Ses", v1::QUOTA_WINDOW_KIND_PROVIDER_SESSION}
                        : BarSpec{"Wk", v1::QUOTA_WINDOW_KIND_PROVIDER_WEEK};
    default:
      return which == 0 ? BarSpec{"Ses", v1::QUOTA_WINDOW_KIND_FIVE_HOUR}
                        : BarSpec{"Wk", v1::QUOTA_WINDOW_KIND_SEVEN_DAY};
  }
}

void DrawQuota(Grid& grid, int row, int col, int width, const v1::AccountSnapshot& a, int which,
               absl::Time now) {
  const BarSpec spec = BarOf(a, which);
  grid.Put(row, col, spec.label, Style::kDim, kBarLabel - 1);
  const int bar = width - kBarLabel;
  if (bar <= 0) return;
  const v1::QuotaWindow* w = FindWindow(a, spec.kind);
  if (w == nullptr) {
    DrawBar(grid, row, col + kBarLabel, bar, 0, "—");
    return;
  }
  std::string label = control_client::Percent(w->utilization());
  if (w->has_reset_time()) {
    const std::string countdown = Countdown(w->reset_time(), now);
    // Only when it fits whole.
    if (TextWidth(label) + 1 + TextWidth(countdown) + 1 <= bar) {
      absl::StrAppend(&label, " ", countdown);
    }
  }
  DrawBar(grid, row, col + kBarLabel, bar, w->utilization(), label);
}

// "throttled 2m5s" and its style.
std::pair<std::string, Style> StateText(const v1::AccountSnapshot& a, const v1::PoolSnapshot& s,
                                        absl::Time now) {
  if (!a.enabled() || a.state() == v1::ACCOUNT_STATE_DISABLED) return {"✕ disabled", Style::kDim};
  std::string text = control_client::StateName(a.state());
  Style style = Style::kNormal;
  switch (a.state()) {
    case v1::ACCOUNT_STATE_ACTIVE:
      if (s.breaker_open() && a.type() != v1::ACCOUNT_TYPE_PROVIDER) {
        return {s.breaker_probing() ? "probing" : "waiting", Style::kWarn};
      }
      style = Style::kGood;
      break;
    case v1::ACCOUNT_STATE_THROTTLED:
    case v1::ACCOUNT_STATE_COOLING:
      style = Style::kWarn;
      break;
    default:
      style = Style::kBad;
      break;
  }
  if (a.has_state_until()) absl::StrAppend(&text, " ", Countdown(a.state_until(), now));
  return {text, style};
}

std::string TierTag(v1::WeeklyTier tier) {
  switch (tier) {
    case v1::WEEKLY_TIER_SOFT:
      return "Wk soft";
    case v1::WEEKLY_TIER_RESERVE:
      return "Wk reserve";
    case v1::WEEKLY_TIER_CRITICAL:
      return "Wk critical";
    case v1::WEEKLY_TIER_EXHAUSTED:
      return "Wk maxed";
    default:
      return "";
  }
}

std::string LoadText(const v1::LoadWindow& load) {
  if (load.requests() == 0) return "·";
  std::string text = absl::StrCat(load.requests());
  if (load.failed() > 0) absl::StrAppend(&text, " ✗", load.failed());
  return text;
}

std::vector<Column> Columns(const TuiModel& model, absl::Time now, int name_width) {
  const v1::PoolSnapshot& s = model.snapshot();
  std::vector<Column> cols;
  cols.push_back({"ACCOUNT", name_width, 0, [](Grid& g, int r, int c, int w, const auto& a) {
                    g.Put(r, c, Ellipsize(control_client::AccountId(a.account()), w),
                          a.enabled() ? Style::kBold : Style::kDim);
                  }});
  cols.push_back({"TYPE", 7, 3, [](Grid& g, int r, int c, int w, const auto& a) {
                    g.Put(r, c, control_client::TypeName(a.type()), Style::kDim, w);
                  }});
  cols.push_back({"STATE", 15, 0, [&s, now](Grid& g, int r, int c, int w, const auto& a) {
                    auto [text, style] = StateText(a, s, now);
                    g.Put(r, c, Ellipsize(text, w), style);
                  }});
  cols.push_back(
      {"5H / TOKENS", kBarLabel + kMaxBar, 8,
       [now](Grid& g, int r, int c, int w, const auto& a) { DrawQuota(g, r, c, w, a, 0, now); }});
  cols.push_back(
      {"7D / REQUESTS", kBarLabel + kMaxBar, 7,
       [now](Grid& g, int r, int c, int w, const auto& a) { DrawQuota(g, r, c, w, a, 1, now); }});
  cols.push_back({"WEEKLY", 11, 4, [](Grid& g, int r, int c, int w, const auto& a) {
                    const std::string tag = TierTag(a.weekly_tier());
                    g.Put(r, c, tag,
                          a.weekly_tier() >= v1::WEEKLY_TIER_CRITICAL ? Style::kBad : Style::kWarn,
                          w);
                  }});
  // How old the quota reading behind the bars is; a stale one is flagged.
  cols.push_back({"READ", 7, 6, [now](Grid& g, int r, int c, int w, const auto& a) {
                    if (!a.has_quota_read_time()) {
                      g.Put(r, c, "·", Style::kDim, w);
                      return;
                    }
                    const absl::Duration age = std::max(
                        absl::ZeroDuration(), now - control_client::ToTime(a.quota_read_time()));
                    std::string text = control_client::CompactDuration(age);
                    if (a.quota_stale()) absl::StrAppend(&text, " !");
                    g.Put(r, c, text, a.quota_stale() ? Style::kWarn : Style::kDim, w);
                  }});
  cols.push_back({"LIVE", 4, 5, [](Grid& g, int r, int c, int w, const auto& a) {
                    const std::string n = a.in_flight() > 0 ? absl::StrCat(a.in_flight()) : "·";
                    g.Put(r, c + std::max(0, w - TextWidth(n)), n,
                          a.in_flight() > 0 ? Style::kBold : Style::kDim, w);
                  }});
  // Cluster mode: the requests on the account across every replica.
  if (s.has_cluster()) {
    cols.push_back({"FLEET", 5, 4, [](Grid& g, int r, int c, int w, const auto& a) {
                      const std::string n =
                          a.fleet_in_flight() > 0 ? absl::StrCat(a.fleet_in_flight()) : "·";
                      g.Put(r, c + std::max(0, w - TextWidth(n)), n,
                            a.fleet_in_flight() > 0 ? Style::kBold : Style::kDim, w);
                    }});
  }
  // Cluster mode: the load columns count the whole fleet's requests.
  const bool fleet = s.has_cluster();
  cols.push_back({"15M", 7, 2, [fleet](Grid& g, int r, int c, int w, const auto& a) {
                    const v1::LoadWindow& load = fleet ? a.fleet_load_15m() : a.load_15m();
                    const std::string n = LoadText(load);
                    g.Put(r, c + std::max(0, w - TextWidth(n)), n,
                          load.failed() > 0 ? Style::kWarn : Style::kNormal, w);
                  }});
  cols.push_back({"1H", 7, 1, [fleet](Grid& g, int r, int c, int w, const auto& a) {
                    const std::string n = LoadText(fleet ? a.fleet_load_1h() : a.load_1h());
                    g.Put(r, c + std::max(0, w - TextWidth(n)), n, Style::kNormal, w);
                  }});
  return cols;
}

bool IsBar(const Column& c) { return c.drop_order == 7 || c.drop_order == 8; }

// Fits the columns into `width` (after the 2-column marker): drops the lowest drop_order first
// and sizes the bars with what is left.
std::vector<Column> Fit(std::vector<Column> cols, int width) {
  auto fixed = [&] {
    int total = 0;
    for (const Column& c : cols) total += (IsBar(c) ? kBarLabel + kMinBar : c.width) + 1;
    return total;
  };
  // Keep the bars as long as the optional text columns allow them a useful width.
  while (fixed() > width) {
    auto victim = cols.end();
    for (auto it = cols.begin(); it != cols.end(); ++it) {
      if (it->drop_order == 0) continue;
      if (victim == cols.end() || it->drop_order < victim->drop_order) victim = it;
    }
    if (victim == cols.end()) break;
    cols.erase(victim);
  }
  int bars = 0;
  int rest = width;
  for (const Column& c : cols) {
    if (IsBar(c)) {
      ++bars;
      rest -= 1;
    } else {
      rest -= c.width + 1;
    }
  }
  if (bars > 0) {
    const int each = std::clamp(rest / bars, kBarLabel + kMinBar, kBarLabel + kMaxBar);
    for (Column& c : cols) {
      if (IsBar(c)) c.width = each;
    }
  }
  return cols;
}

bool Marked(const TuiModel& model, const v1::AccountSnapshot& a) {
  if (!model.preferred_account().empty()) return a.account() == model.preferred_account();
  return a.in_flight() > 0;
}

// ---- Header, banner, footer --------------------------------------------------------------------

void DrawTitle(Grid& grid, const TuiModel& model, absl::Time now) {
  grid.FillRow(0, Style::kTitle);
  Line line{grid, 0};
  line.Add(" maxpool top ", Style::kTitle);
  line.Add(absl::StrCat("· ", model.server(), " · "), Style::kTitle);
  const Connection& c = model.connection();
  switch (c.state) {
    case LinkState::kConnecting:
      line.Add("connecting…", Style::kWarn);
      break;
    case LinkState::kConnected:
      if (now - c.reconnected_at < TuiModel::kReconnectedNotice) {
        line.Add("reconnected", Style::kGood);
      } else {
        line.Add("connected", Style::kGood);
      }
      break;
    case LinkState::kReconnecting: {
      const absl::Duration wait = std::max(absl::ZeroDuration(), c.retry_at - now);
      line.Add(
          absl::StrCat("reconnecting in ", control_client::CompactDuration(wait), ": ", c.error),
          Style::kBad);
      break;
    }
  }
}

void DrawSummary(Grid& grid, int row, const TuiModel& model) {
  Line line{grid, row, 1};
  if (!model.has_snapshot()) {
    line.Add("waiting for the first snapshot…", Style::kDim);
    return;
  }
  const v1::PoolSnapshot& s = model.snapshot();
  line.Add("routing ", Style::kDim);
  if (s.preferred_account().empty()) {
    line.Add("automatic", Style::kBold);
  } else {
    line.Add(absl::StrCat("preferred ", control_client::AccountId(s.preferred_account())),
             Style::kBold);
  }
  line.Add("  in flight ", Style::kDim);
  line.Add(absl::StrCat(s.in_flight()), Style::kBold);
  line.Add("  held ", Style::kDim);
  line.Add(absl::StrCat(s.held()), s.held() > 0 ? Style::kWarn : Style::kBold);
  line.Add("  accounts ", Style::kDim);
  line.Add(absl::StrCat(s.accounts_size()), Style::kBold);
  if (s.has_cluster()) {
    line.Add("  replicas ", Style::kDim);
    line.Add(absl::StrCat(s.cluster().replicas_size()),
             s.cluster().connected() ? Style::kBold : Style::kWarn);
    line.Add(absl::StrCat(" (this: ", s.cluster().replica(), "; 15M and 1H fleet-wide)"),
             Style::kDim);
  }
}

// The alert banner's text; empty when all is well.
std::string BannerText(const TuiModel& model, absl::Time now) {
  if (!model.has_snapshot()) return "";
  const v1::PoolSnapshot& s = model.snapshot();
  std::vector<std::string> parts;
  if (s.breaker_open()) {
    if (s.breaker_probing() || !s.has_breaker_until() ||
        control_client::ToTime(s.breaker_until()) <= now) {
      parts.push_back("upstream throttled: breaker open, probing recovery");
    } else {
      parts.push_back(absl::StrCat(
          "upstream throttled: breaker open, retry in ",
          control_client::CompactDuration(control_client::ToTime(s.breaker_until()) - now)));
    }
  }
  if (s.has_cluster() && !s.cluster().connected()) {
    parts.push_back(absl::StrCat(
        "cluster degraded: Redis out of reach",
        s.cluster().has_degraded_since()
            ? absl::StrCat(" for ", control_client::CompactDuration(
                                        now - control_client::ToTime(s.cluster().degraded_since())))
            : std::string(),
        "; serving alone within this replica's share"));
  }
  if (s.held() > 0) parts.push_back(absl::StrCat(s.held(), " held waiting for capacity"));
  if (s.draining()) parts.push_back(absl::StrCat("draining: ", s.in_flight(), " in flight"));
  for (const v1::AccountSnapshot& account : s.accounts()) {
    const std::string name = control_client::AccountId(account.account());
    // (An account that needs a login says so in its row.)
    if (!account.credentials_unsaved().empty()) {
      parts.push_back(absl::StrCat(name, ": tokens not saved (retrying)"));
    }
  }
  std::string text;
  for (const std::string& p : parts) absl::StrAppend(&text, text.empty() ? " ⚠ " : " · ", p);
  return text;
}

void DrawFooter(Grid& grid, int row, const ControllerView& view) {
  std::vector<std::pair<std::string, std::string>> keys;
  switch (view.mode) {
    case Mode::kNormal:
      keys = {{"a", "accounts"}, {"m", "routing"}, {"s", "reload"}, {"d", "drain"}, {"q", "quit"}};
      if (view.attached) keys.emplace_back("r", "restart");
      break;
    case Mode::kMenu:
      keys = {{"j/k ↑/↓", "move"}, {"Enter", "select"}, {"Esc", "back"}};
      break;
    case Mode::kPrompt:
      keys = {{"Enter", "submit"}, {"Esc", "cancel"}};
      break;
    case Mode::kConfirm:
      keys = {{"y", "yes"}, {"n", "no"}};
      break;
  }
  Line line{grid, row, 1};
  for (const auto& [key, what] : keys) {
    line.Add(key, Style::kKey);
    line.Add(absl::StrCat(" ", what, "  "), Style::kDim);
  }
}

void DrawStatus(Grid& grid, int row, const ControllerView& view) {
  Line line{grid, row, 1};
  switch (view.mode) {
    case Mode::kPrompt:
      line.Add(absl::StrCat(view.title, ": "), Style::kBold);
      line.Add(view.input);
      line.Add("▌", Style::kDim);
      return;
    case Mode::kConfirm:
      line.Add(view.title, Style::kWarn);
      line.Add(" [y/n]", Style::kBold);
      return;
    default:
      line.Add(view.status, ToneStyle(view.status_tone));
      return;
  }
}

// The menu in rows [top, bottom).
void DrawMenu(Grid& grid, int top, int bottom, const ControllerView& view) {
  if (bottom <= top) return;
  grid.Put(top, 1, view.title, Style::kBold);
  const int rows = bottom - top - 1;
  if (rows <= 0) return;
  const int n = static_cast<int>(view.items.size());
  const int first = std::clamp(view.selected - rows + 1, 0, std::max(0, n - rows));
  for (int i = 0; i < rows && first + i < n; ++i) {
    const int item = first + i;
    const int row = top + 1 + i;
    if (item == view.selected) {
      grid.Paint(row, 1, grid.width() - 2, Style::kSelected);
      grid.Put(row, 1, "> ", Style::kSelected);
      grid.Put(row, 3, view.items[static_cast<size_t>(item)], Style::kSelected, grid.width() - 4);
    } else {
      grid.Put(row, 3, view.items[static_cast<size_t>(item)], Style::kNormal, grid.width() - 4);
    }
  }
}

void DrawLog(Grid& grid, int top, int bottom, const TuiModel& model) {
  if (bottom - top < 2) return;
  const int title = grid.Put(top, 0, "── activity ", Style::kDim);
  for (int c = title; c < grid.width(); ++c) grid.Put(top, c, "─", Style::kDim);
  const std::deque<LogLine>& log = model.log();
  const int rows = bottom - top - 1;
  const int shown = std::min(rows, static_cast<int>(log.size()));
  for (int i = 0; i < shown; ++i) {
    const LogLine& l = log[log.size() - static_cast<size_t>(shown - i)];
    const int row = top + 1 + i;
    const int c = grid.Put(row, 1, absl::FormatTime("%H:%M:%S", l.at, model.zone()), Style::kDim);
    grid.Put(row, 2 + c, l.text, ToneStyle(l.tone));
  }
}

}  // namespace

Style BarStyle(double utilization) {
  if (utilization < 0.7) return Style::kBarGreen;
  if (utilization < 0.9) return Style::kBarYellow;
  return Style::kBarRed;
}

void DrawBar(Grid& grid, int row, int col, int cols, double fraction, const std::string& label) {
  if (cols <= 0) return;
  const double f = std::isfinite(fraction) ? std::clamp(fraction, 0.0, 1.0) : 0.0;
  int filled = static_cast<int>(std::lround(f * cols));
  if (f > 0 && filled == 0) filled = 1;
  const Style fill = BarStyle(fraction);
  for (int i = 0; i < cols; ++i) {
    grid.Put(row, col + i, i < filled ? " " : "·", i < filled ? fill : Style::kBarEmpty);
  }
  // The label over the bar, from its second cell, each cell keeping its fill.
  const std::u32string text = DecodeUtf8(label);
  for (int i = 0; i < static_cast<int>(text.size()) && i + 1 < cols; ++i) {
    grid.Put(row, col + 1 + i, EncodeUtf8(std::u32string(1, text[static_cast<size_t>(i)])),
             i + 1 < filled ? fill : Style::kBarEmpty);
  }
}

Grid Render(const TuiModel& model, const ControllerView& view, absl::Time now, int width,
            int height) {
  Grid grid(width, height);
  if (width <= 0 || height <= 0) return grid;
  DrawTitle(grid, model, now);
  if (height == 1) return grid;
  // Bottom rows: footer, then the status line when there is room.
  int bottom = height;
  DrawFooter(grid, --bottom, view);
  if (height >= 4) DrawStatus(grid, --bottom, view);
  int row = 1;
  if (height >= 8) DrawSummary(grid, row++, model);
  const std::string banner = BannerText(model, now);
  if (!banner.empty() && height >= 6 && row < bottom) {
    grid.FillRow(row, Style::kBanner);
    grid.Put(row++, 0, banner, Style::kBanner);
  }

  const bool menu = view.mode == Mode::kMenu;
  // Prompt notes are wrapped, never cut: an authorize URL must be copyable whole.
  std::vector<std::string> note_rows;
  if (view.mode == Mode::kPrompt) {
    const int cols = std::max(1, width - 2);
    for (const std::string& note : view.notes) {
      const std::u32string text = DecodeUtf8(note);
      for (size_t i = 0; i < text.size(); i += static_cast<size_t>(cols)) {
        note_rows.push_back(EncodeUtf8(text.substr(i, static_cast<size_t>(cols))));
      }
    }
  }
  const bool notes = !note_rows.empty();
  const int menu_rows =
      menu ? static_cast<int>(view.items.size()) + 1 : static_cast<int>(note_rows.size());
  const int overlay_rows = std::min(menu_rows, std::max(0, bottom - row));

  // The table: header and accounts, leaving room for an open menu.
  const std::vector<v1::AccountSnapshot>& accounts = model.accounts();
  int table_bottom = bottom - overlay_rows - (overlay_rows > 0 ? 1 : 0);
  if (model.has_snapshot() && table_bottom - row >= 2) {
    int name_width = 7;
    for (const auto& a : accounts) {
      name_width = std::max(name_width, TextWidth(control_client::AccountId(a.account())));
    }
    name_width = std::min(name_width, 20);
    const std::vector<Column> cols = Fit(Columns(model, now, name_width), width - 2);
    int c = 2;
    for (const Column& col : cols) {
      grid.Put(row, c, col.header, Style::kDim, col.width);
      c += col.width + 1;
    }
    ++row;
    const int room = table_bottom - row;
    const int n = static_cast<int>(accounts.size());
    const int shown = n <= room ? n : std::max(0, room - 1);
    for (int i = 0; i < shown; ++i) {
      const v1::AccountSnapshot& a = accounts[static_cast<size_t>(i)];
      if (Marked(model, a)) grid.Put(row, 0, "►", Style::kGood);
      c = 2;
      for (const Column& col : cols) {
        col.draw(grid, row, c, std::min(col.width, width - c), a);
        c += col.width + 1;
      }
      ++row;
    }
    if (shown < n) grid.Put(row++, 2, absl::StrCat("… ", n - shown, " more"), Style::kDim);
    if (n == 0) grid.Put(row++, 2, "no accounts: press a to add one", Style::kDim);
  }
  ++row;  // a blank line under the table

  if (menu) {
    DrawMenu(grid, std::max(1, bottom - overlay_rows), bottom, view);
  } else if (notes) {
    const int top = std::max(1, bottom - overlay_rows);
    for (int i = 0; top + i < bottom && i < static_cast<int>(note_rows.size()); ++i) {
      grid.Put(top + i, 1, note_rows[static_cast<size_t>(i)], Style::kBold);
    }
  } else {
    DrawLog(grid, std::min(row, bottom), bottom, model);
  }
  return grid;
}

}  // namespace maxpool::tui
