// The rendered screen of `maxpool top` for a fixed snapshot and time: the whole screen as golden
// text, the bars' colours as style letters (G green, Y yellow, R red, e empty), countdowns, the
// banner, the connection line, menus and prompts, and narrow and short terminals (columns
// dropped, bars shrunk, nothing past the edge).

#include "tui/tui_render.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tui_fixture.h"

namespace maxpool::tui {
namespace {

using ::testing::HasSubstr;
using testing::Noon;
using ::testing::Not;

// The fixed snapshot at noon on a 120 x 20 terminal. Bars: the filled part is blank (coloured
// in the terminal), the rest dotted; usage and reset countdown written over them.
constexpr char kGolden120[] = R"golden( maxpool top · 127.0.0.1:3457 · connected
 routing automatic  in flight 2  held 1  accounts 5
 ⚠ upstream throttled: breaker open, retry in 42s · 1 held waiting for capacity
  ACCOUNT TYPE    STATE           5H / TOKENS           7D / REQUESTS         WEEKLY      READ    LIVE 15M     1H
► alice   oauth   waiting         Ses  42% 2h13m······· Wk   75% 3d4h    ···· Wk soft     4s         2       3   12 ✗1
  bob     oauth   throttled 2m5s  Ses  95% 45m        · Wk   50% 4d4h········ Wk reserve  6m !       ·       ·       ·
  key1    api key waiting         Tok  10% 30s········· Req  2% 30s··········             ·          ·    7 ✗2       7
  carol   oauth   ✕ disabled      Ses ·—··············· Wk  ·—···············             ·          ·       ·       ·
  dave    oauth   needs login     Ses ·—··············· Wk  ·—···············             ·          ·       ·       ·

── activity ────────────────────────────────────────────────────────────────────────────────────────────────────────────
 11:55:00 connected to 127.0.0.1:3457
 11:59:57 POST /v1/messages → alice (200, 3.2s)
 11:59:58 failover: bob rate_limited (429) → retry





 a accounts  m routing  s reload  d drain  q quit
)golden";

// Alice's row: a bold name, dim type, yellow "waiting" (the breaker is open), the 42 % 5-hour
// bar green (7 of 17 cells), the 75 % weekly bar yellow (13 of 17), the weekly tier in yellow,
// the age of its reading dim (fresh).
constexpr char kAliceStyles[] =
    "g bbbbb   ddddd   yyyyyyy         ddd GGGGGGGeeeeeeeeee dd  YYYYYYYYYYYYYeeee yyyyyyy     dd  "
    "       b";

// The same on 60 columns: TYPE, WEEKLY, LIVE, 15M and 1H are dropped, the bars shrink.
constexpr char kGolden60[] = R"golden( maxpool top · 127.0.0.1:3457 · connected
 routing automatic  in flight 2  held 1  accounts 5
 ⚠ upstream throttled: breaker open, retry in 42s · 1 held w
  ACCOUNT STATE           5H / TOKENS      7D / REQUESTS
► alice   waiting         Ses  42% 2h13m·· Wk   75% 3d4h···
  bob     throttled 2m5s  Ses  95% 45m   · Wk   50% 4d4h···
  key1    waiting         Tok  10% 30s···· Req  2% 30s·····
  carol   ✕ disabled      Ses ·—·········· Wk  ·—··········
  dave    needs login     Ses ·—·········· Wk  ·—··········

── activity ────────────────────────────────────────────────
 11:55:00 connected to 127.0.0.1:3457
 11:59:57 POST /v1/messages → alice (200, 3.2s)
 11:59:58 failover: bob rate_limited (429) → retry





 a accounts  m routing  s reload  d drain  q quit
)golden";

TuiModel FixedModel() {
  TuiModel model("127.0.0.1:3457", absl::UTCTimeZone());
  model.SetConnected(Noon() - absl::Minutes(5));
  model.ApplySnapshot(testing::FixedSnapshot());
  model.AddLog(Noon() - absl::Seconds(3), "POST /v1/messages → alice (200, 3.2s)");
  model.AddLog(Noon() - absl::Seconds(2), "failover: bob rate_limited (429) → retry",
               LogTone::kWarn);
  return model;
}

// The row whose text contains `needle`, or -1.
int RowWith(const Grid& grid, const std::string& needle) {
  for (int r = 0; r < grid.height(); ++r) {
    if (grid.RowText(r).find(needle) != std::string::npos) return r;
  }
  return -1;
}

// The column where `needle` starts in `row` (in cells), or -1.
int ColumnOf(const Grid& grid, int row, const std::string& needle) {
  const std::u32string text = DecodeUtf8(grid.RowText(row));
  const size_t at = text.find(DecodeUtf8(needle));
  return at == std::u32string::npos ? -1 : static_cast<int>(at);
}

TEST(TuiRender, GoldenScreenAt120Columns) {
  const TuiModel model = FixedModel();
  const Grid grid = Render(model, ControllerView(), Noon(), 120, 20);
  const std::string expected = kGolden120;
  EXPECT_EQ(grid.Text(), expected) << grid.Text();
  // Columns line up under their headers.
  const int header = RowWith(grid, "ACCOUNT");
  ASSERT_GE(header, 0);
  EXPECT_EQ(ColumnOf(grid, header, "STATE"), ColumnOf(grid, RowWith(grid, "alice"), "waiting"));
  EXPECT_EQ(ColumnOf(grid, header, "5H / TOKENS"), ColumnOf(grid, RowWith(grid, "key1"), "Tok"));
  EXPECT_EQ(ColumnOf(grid, header, "7D / REQUESTS"), ColumnOf(grid, RowWith(grid, "key1"), "Req"));
}

TEST(TuiRender, BarsAreColouredByUtilization) {
  const TuiModel model = FixedModel();
  const Grid grid = Render(model, ControllerView(), Noon(), 120, 20);
  const int alice = RowWith(grid, "alice");
  const int bob = RowWith(grid, "bob ");
  const int key = RowWith(grid, "key1");
  ASSERT_GE(alice, 0);
  ASSERT_GE(bob, 0);
  ASSERT_GE(key, 0);
  EXPECT_EQ(grid.RowStyles(alice), kAliceStyles);
  // bob: 95 % of the 5-hour window is red (16 of 17 cells); key1: 10 % of its tokens is green.
  EXPECT_THAT(grid.RowStyles(bob), HasSubstr("RRRRRRRRRRRRRRRRe"));
  // bob's reading is stale: its age is flagged in yellow.
  const int stale = ColumnOf(grid, bob, "6m !");
  ASSERT_GE(stale, 0);
  EXPECT_EQ(grid.RowStyles(bob).substr(static_cast<size_t>(stale), 4), "yyyy");
  EXPECT_THAT(grid.RowStyles(key), HasSubstr("GGe"));
  EXPECT_EQ(BarStyle(0.69), Style::kBarGreen);
  EXPECT_EQ(BarStyle(0.7), Style::kBarYellow);
  EXPECT_EQ(BarStyle(0.899), Style::kBarYellow);
  EXPECT_EQ(BarStyle(0.9), Style::kBarRed);
  EXPECT_EQ(BarStyle(1.3), Style::kBarRed);
}

TEST(TuiRender, CountdownsTickWithTheClock) {
  const TuiModel model = FixedModel();
  const Grid later = Render(model, ControllerView(), Noon() + absl::Seconds(65), 120, 20);
  EXPECT_THAT(later.RowText(RowWith(later, "bob ")), HasSubstr("throttled 1m"));
  EXPECT_THAT(later.RowText(RowWith(later, "key1")), HasSubstr("10% now"));
  EXPECT_THAT(later.Text(), Not(HasSubstr("retry in")));  // the breaker's time has come
  EXPECT_THAT(later.Text(), HasSubstr("breaker open, probing recovery"));
}

TEST(TuiRender, BannerAndTitleFollowTheConnection) {
  TuiModel model = FixedModel();
  Grid grid = Render(model, ControllerView(), Noon(), 120, 20);
  EXPECT_EQ(grid.RowStyles(2).substr(0, 3), "BBB");
  EXPECT_THAT(grid.RowText(2), HasSubstr("breaker open, retry in 42s"));
  EXPECT_THAT(grid.RowText(2), HasSubstr("1 held waiting for capacity"));

  model.SetDisconnected("cannot reach the control plane at 127.0.0.1:3457",
                        Noon() + absl::Seconds(2), Noon());
  grid = Render(model, ControllerView(), Noon(), 120, 20);
  EXPECT_THAT(grid.RowText(0),
              HasSubstr("reconnecting in 2s: cannot reach the control plane at 127.0.0.1:3457"));
  model.SetConnected(Noon() + absl::Seconds(3));
  grid = Render(model, ControllerView(), Noon() + absl::Seconds(4), 120, 20);
  EXPECT_THAT(grid.RowText(0), HasSubstr("· reconnected"));
  grid = Render(model, ControllerView(), Noon() + absl::Seconds(30), 120, 20);
  EXPECT_THAT(grid.RowText(0), HasSubstr("· connected"));
}

TEST(TuiRender, TheBannerSaysWhenAnAccountsTokensAreNotSaved) {
  TuiModel model("127.0.0.1:3457", absl::UTCTimeZone());
  model.SetConnected(Noon() - absl::Minutes(5));
  v1::PoolSnapshot snapshot = testing::FixedSnapshot();
  snapshot.set_breaker_open(false);
  snapshot.set_held(0);
  snapshot.mutable_accounts(0)->set_credentials_unsaved("maxpool.tokens.json: write: read-only");
  model.ApplySnapshot(snapshot);
  const Grid grid = Render(model, ControllerView(), Noon(), 120, 20);
  EXPECT_THAT(grid.RowText(2), HasSubstr("alice: tokens not saved (retrying)"));
}

TEST(TuiRender, ClusterModeShowsTheFleetsRequestsReplicasAndDegradedMode) {
  TuiModel model("127.0.0.1:3457", absl::UTCTimeZone());
  model.SetConnected(Noon() - absl::Minutes(5));
  v1::PoolSnapshot snapshot = testing::FixedSnapshot();
  snapshot.set_breaker_open(false);
  snapshot.set_held(0);
  snapshot.mutable_accounts(0)->set_fleet_in_flight(7);
  snapshot.mutable_accounts(0)->mutable_fleet_load_15m()->set_requests(321);
  v1::ClusterSnapshot& cluster = *snapshot.mutable_cluster();
  cluster.set_replica("pod-a");
  cluster.set_connected(true);
  for (const char* name : {"pod-a", "pod-b", "pod-c"}) cluster.add_replicas(name);
  model.ApplySnapshot(snapshot);
  Grid grid = Render(model, ControllerView(), Noon(), 140, 20);
  const int header = RowWith(grid, "ACCOUNT");
  ASSERT_GE(header, 0);
  EXPECT_THAT(grid.RowText(header), HasSubstr("FLEET"));
  const int alice = RowWith(grid, "alice");
  const int fleet = ColumnOf(grid, header, "FLEET");
  ASSERT_GE(fleet, 0);
  EXPECT_EQ(DecodeUtf8(grid.RowText(alice)).substr(fleet, 5), U"    7");  // right-aligned
  EXPECT_THAT(grid.RowText(1), HasSubstr("replicas 3 (this: pod-a; 15M and 1H fleet-wide)"));
  EXPECT_THAT(grid.RowText(alice), HasSubstr("321")) << "the fleet's 15 minutes";
  EXPECT_THAT(grid.RowText(2), Not(HasSubstr("cluster degraded")));
  // Redis out of reach for 90 s: the banner says so.
  cluster.set_connected(false);
  *cluster.mutable_degraded_since() = google::protobuf::util::TimeUtil::SecondsToTimestamp(
      absl::ToUnixSeconds(Noon() - absl::Seconds(90)));
  model.ApplySnapshot(snapshot);
  grid = Render(model, ControllerView(), Noon(), 140, 20);
  EXPECT_THAT(grid.RowText(2), HasSubstr("cluster degraded: Redis out of reach for 1m30s"));
  // Outside cluster mode there is no fleet column.
  grid = Render(FixedModel(), ControllerView(), Noon(), 140, 20);
  EXPECT_THAT(grid.RowText(RowWith(grid, "ACCOUNT")), Not(HasSubstr("FLEET")));
}

TEST(TuiRender, PreferredAccountIsMarked) {
  TuiModel model = FixedModel();
  v1::PoolSnapshot s = testing::FixedSnapshot();
  s.set_preferred_account("accounts/key1");
  model.ApplySnapshot(s);
  const Grid grid = Render(model, ControllerView(), Noon(), 120, 20);
  EXPECT_EQ(grid.RowText(RowWith(grid, "key1    api key")).substr(0, 5), "► k");
  EXPECT_EQ(grid.RowText(RowWith(grid, "alice   oauth")).substr(0, 3),
            "  a");  // busy, not preferred
  EXPECT_THAT(grid.RowText(1), HasSubstr("routing preferred key1"));
}

TEST(TuiRender, NarrowTerminalsDropColumnsAndNeverOverflow) {
  const TuiModel model = FixedModel();
  const Grid grid = Render(model, ControllerView(), Noon(), 60, 20);
  const std::string expected = kGolden60;
  EXPECT_EQ(grid.Text(), expected) << grid.Text();
  for (int width : {1, 5, 20, 33, 47, 80, 99, 200}) {
    for (int height : {1, 2, 3, 5, 9, 12, 40}) {
      const Grid g = Render(model, ControllerView(), Noon(), width, height);
      ASSERT_EQ(g.width(), width);
      ASSERT_EQ(g.height(), height);
      for (int r = 0; r < height; ++r) {
        EXPECT_LE(TextWidth(g.RowText(r)), width) << width << "x" << height << " row " << r;
      }
    }
  }
  EXPECT_EQ(Render(model, ControllerView(), Noon(), 0, 0).Text(), "");
}

TEST(TuiRender, ShortTerminalsCutTheTable) {
  const TuiModel model = FixedModel();
  const Grid grid = Render(model, ControllerView(), Noon(), 120, 8);
  EXPECT_THAT(grid.Text(), HasSubstr("… 4 more"));
  EXPECT_THAT(grid.RowText(7), HasSubstr("a accounts"));
  EXPECT_THAT(grid.Text(), Not(HasSubstr("activity")));
}

TEST(TuiRender, MenusPromptsAndConfirmations) {
  const TuiModel model = FixedModel();
  ControllerView view;
  view.mode = ControllerView::Mode::kMenu;
  view.title = "Routing";
  view.items = {"Automatic", "Prefer alice", "Prefer bob"};
  view.selected = 1;
  Grid grid = Render(model, view, Noon(), 80, 24);
  const int selected = RowWith(grid, "> Prefer alice");
  ASSERT_GE(selected, 0);
  EXPECT_EQ(grid.RowStyles(selected).substr(1, 5), "sssss");
  EXPECT_GE(RowWith(grid, "Routing"), 0);
  EXPECT_THAT(grid.RowText(23), HasSubstr("Enter select"));

  view = ControllerView();
  view.mode = ControllerView::Mode::kPrompt;
  view.title = "API key for zed (hidden)";
  view.input = "•••";
  grid = Render(model, view, Noon(), 80, 24);
  EXPECT_EQ(grid.RowText(22), " API key for zed (hidden): •••▌");

  view.notes = {"Open this URL in a browser and log in:",
                "https://claude.ai/oauth/authorize?" + std::string(100, 'x') + "END"};
  grid = Render(model, view, Noon(), 80, 24);
  EXPECT_GE(RowWith(grid, "xEND"), 0);  // a long URL is wrapped, not cut

  view = ControllerView();
  view.mode = ControllerView::Mode::kConfirm;
  view.title = "Disable bob?";
  grid = Render(model, view, Noon(), 80, 24);
  EXPECT_EQ(grid.RowText(22), " Disable bob? [y/n]");
  EXPECT_THAT(grid.RowText(23), HasSubstr("y yes"));
}

TEST(TuiRender, BeforeTheFirstSnapshot) {
  TuiModel model("127.0.0.1:3457", absl::UTCTimeZone());
  const Grid grid = Render(model, ControllerView(), Noon(), 80, 10);
  EXPECT_THAT(grid.RowText(0), HasSubstr("connecting…"));
  EXPECT_THAT(grid.RowText(1), HasSubstr("waiting for the first snapshot"));
}

TEST(TuiGrid, PutClipsAndDecodesUtf8) {
  Grid grid(5, 2);
  EXPECT_EQ(grid.Put(0, 3, "→abc", Style::kBold), 2);
  EXPECT_EQ(grid.RowText(0), "   →a");
  EXPECT_EQ(grid.RowStyles(0), "   bb");
  EXPECT_EQ(grid.Put(5, 0, "x"), 0);
  EXPECT_EQ(grid.Put(1, -2, "abcd"), 4);
  EXPECT_EQ(grid.RowText(1), "cd");
  EXPECT_EQ(Ellipsize("abcdef", 4), "abc…");
  EXPECT_EQ(Ellipsize("abc", 4), "abc");
  EXPECT_EQ(DecodeUtf8("\xE2\x82"), U"\uFFFD");
  EXPECT_EQ(TextWidth("a►b"), 3);
}

}  // namespace
}  // namespace maxpool::tui
