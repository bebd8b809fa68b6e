// The TUI's model: snapshots, the bounded activity log, the lines of every event kind, and the
// connection's "connected" / "connection lost" / "reconnected" notes.

#include "tui/tui_model.h"

#include "gtest/gtest.h"
#include "tui/tui_event_text.h"
#include "tui_fixture.h"

namespace maxpool::tui {
namespace {

using testing::Noon;

v1::WatchEventsResponse RequestEvent(const std::string& account, int status, int millis) {
  v1::WatchEventsResponse m;
  v1::Event* e = m.mutable_event();
  testing::Stamp(Noon(), e->mutable_time());
  v1::RequestFinished* r = e->mutable_request_finished();
  r->set_account(account);
  r->set_method("POST");
  r->set_path("/v1/messages");
  r->set_status(status);
  r->mutable_duration()->set_seconds(millis / 1000);
  r->mutable_duration()->set_nanos((millis % 1000) * 1000000);
  r->set_attempts(1);
  return m;
}

TEST(TuiModel, SnapshotReplacesTheLastAndFindsAccounts) {
  TuiModel model("127.0.0.1:3457", absl::UTCTimeZone());
  EXPECT_FALSE(model.has_snapshot());
  EXPECT_EQ(model.snapshot().accounts_size(), 0);
  model.ApplySnapshot(testing::FixedSnapshot());
  ASSERT_TRUE(model.has_snapshot());
  EXPECT_EQ(model.accounts().size(), 5u);
  ASSERT_NE(model.FindAccount("bob"), nullptr);
  EXPECT_EQ(model.FindAccount("accounts/bob")->state(), v1::ACCOUNT_STATE_THROTTLED);
  EXPECT_EQ(model.FindAccount("nobody"), nullptr);
  EXPECT_EQ(model.preferred_account(), "");

  v1::PoolSnapshot next;
  next.set_preferred_account("accounts/key1");
  next.add_accounts()->set_account("accounts/key1");
  model.ApplySnapshot(next);
  EXPECT_EQ(model.accounts().size(), 1u);
  EXPECT_EQ(model.preferred_account(), "accounts/key1");
  EXPECT_EQ(model.FindAccount("alice"), nullptr);
}

TEST(TuiModel, TheActivityLogKeepsTheNewestLines) {
  TuiModel model("x", absl::UTCTimeZone(), 3);
  for (int i = 0; i < 5; ++i) model.AddLog(Noon(), std::to_string(i));
  ASSERT_EQ(model.log().size(), 3u);
  EXPECT_EQ(model.log().front().text, "2");
  EXPECT_EQ(model.log().back().text, "4");
  EXPECT_EQ(TuiModel::kDefaultLogCapacity, 500u);
}

TEST(TuiModel, RequestEventsBecomeOneLineEach) {
  TuiModel model("x", absl::UTCTimeZone());
  model.ApplyEvent(RequestEvent("accounts/alice", 200, 3200));
  model.ApplyEvent(RequestEvent("", 529, 850));
  ASSERT_EQ(model.log().size(), 2u);
  EXPECT_EQ(model.log()[0].text, "POST /v1/messages → alice (200, 3.2s)");
  EXPECT_EQ(model.log()[0].tone, LogTone::kInfo);
  EXPECT_EQ(model.log()[0].at, Noon());
  EXPECT_EQ(model.log()[1].text, "POST /v1/messages → (no account) (529, 850ms)");
  EXPECT_EQ(model.log()[1].tone, LogTone::kBad);

  v1::WatchEventsResponse gap;
  gap.mutable_gap()->set_dropped(7);
  model.ApplyEvent(gap);
  EXPECT_EQ(model.log().back().text, "(7 events missed)");
}

TEST(TuiEventText, EveryKindOfEvent) {
  v1::Event e;
  e.mutable_failover()->set_account("accounts/bob");
  e.mutable_failover()->set_failure_class("rate_limited");
  e.mutable_failover()->set_status(429);
  e.mutable_failover()->set_next("retry");
  EXPECT_EQ(DescribeEvent(e)->text, "failover: bob rate_limited (429) → retry");

  e.Clear();
  v1::AccountStateChanged* c = e.mutable_account_state_changed();
  c->set_account("accounts/bob");
  c->set_previous(v1::ACCOUNT_STATE_ACTIVE);
  c->set_current(v1::ACCOUNT_STATE_THROTTLED);
  c->set_reason("rate_limited");
  EXPECT_EQ(DescribeEvent(e)->text, "bob: active → throttled (rate_limited)");
  EXPECT_EQ(DescribeEvent(e)->tone, LogTone::kWarn);
  c->set_previous(v1::ACCOUNT_STATE_UNSPECIFIED);
  c->set_current(v1::ACCOUNT_STATE_ACTIVE);
  c->clear_reason();
  EXPECT_EQ(DescribeEvent(e)->text, "bob: added (active)");

  e.Clear();
  e.mutable_refresh_finished()->set_account("accounts/alice");
  e.mutable_refresh_finished()->set_ok(true);
  EXPECT_EQ(DescribeEvent(e)->text, "alice: token refreshed");
  e.mutable_refresh_finished()->set_ok(false);
  e.mutable_refresh_finished()->set_error("invalid_grant");
  EXPECT_EQ(DescribeEvent(e)->text, "alice: refresh failed: invalid_grant");

  e.Clear();
  e.mutable_hold_started()->set_queue_depth(2);
  EXPECT_EQ(DescribeEvent(e)->text, "request held (2 waiting)");
  e.Clear();
  e.mutable_hold_ended()->set_outcome("admitted");
  e.mutable_hold_ended()->mutable_waited()->set_seconds(1);
  e.mutable_hold_ended()->mutable_waited()->set_nanos(200000000);
  EXPECT_EQ(DescribeEvent(e)->text, "hold ended: admitted after 1.2s");
  e.Clear();
  e.mutable_drain_progress()->set_in_flight(3);
  e.mutable_drain_progress()->set_held(1);
  EXPECT_EQ(DescribeEvent(e)->text, "draining: 3 in flight, 1 held");
  e.mutable_drain_progress()->set_done(true);
  EXPECT_EQ(DescribeEvent(e)->text, "drain done");
  e.Clear();
  EXPECT_FALSE(DescribeEvent(e).has_value());

  EXPECT_EQ(ShortSeconds(absl::Milliseconds(3249)), "3.2s");
  EXPECT_EQ(ShortSeconds(absl::Seconds(125)), "2m5s");
}

TEST(TuiModel, ConnectionLossAndReturnAreNotedOnce) {
  TuiModel model("127.0.0.1:3457", absl::UTCTimeZone());
  EXPECT_EQ(model.connection().state, LinkState::kConnecting);
  model.SetConnected(Noon());
  EXPECT_EQ(model.connection().state, LinkState::kConnected);
  EXPECT_EQ(model.log().back().text, "connected to 127.0.0.1:3457");

  model.SetDisconnected("cannot reach it", Noon() + absl::Seconds(1), Noon());
  model.SetDisconnected("cannot reach it", Noon() + absl::Seconds(3), Noon() + absl::Seconds(1));
  EXPECT_EQ(model.connection().state, LinkState::kReconnecting);
  EXPECT_EQ(model.connection().retry_at, Noon() + absl::Seconds(3));
  ASSERT_EQ(model.log().size(), 2u);  // one line for the loss, not one per attempt
  EXPECT_EQ(model.log().back().text, "connection lost: cannot reach it");
  EXPECT_EQ(model.log().back().tone, LogTone::kBad);

  model.SetConnected(Noon() + absl::Seconds(4));
  EXPECT_EQ(model.connection().reconnected_at, Noon() + absl::Seconds(4));
  EXPECT_EQ(model.log().back().text, "reconnected to 127.0.0.1:3457");
  model.SetConnected(Noon() + absl::Seconds(5));  // still up: nothing new
  EXPECT_EQ(model.log().size(), 3u);
}

}  // namespace
}  // namespace maxpool::tui
