// Session bindings are bounded (the reference's map grows with every session id forever): idle
// bindings are forgotten, a full table makes room by dropping the least recently used, and
// both are counted.

#include "core/session_table.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"

namespace maxpool::core {
namespace {

const absl::Time kStart = testing::FakeClock::DefaultStart();

TEST(SessionTable, ABindingIdleLongerThanTheLimitIsForgottenAndCounted) {
  SessionTable table;
  table.SetLimits({.idle = absl::Hours(1), .max_bindings = 100});
  table.Bind("s1", "A", 0, kStart);
  ASSERT_NE(table.Find("s1", kStart + absl::Minutes(59)), nullptr);
  table.Find("s1", kStart + absl::Minutes(59))->last_used = kStart + absl::Minutes(59);
  // Used at 59 minutes: still there an hour after that, gone just past it.
  EXPECT_NE(table.Find("s1", kStart + absl::Minutes(119)), nullptr);
  EXPECT_EQ(table.Find("s1", kStart + absl::Minutes(120)), nullptr);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.evictions().idle, 1u);
  EXPECT_EQ(table.evictions().capacity, 0u);
}

TEST(SessionTable, NewBindingsSweepIdleOnesThatNobodyAsksFor) {
  SessionTable table;
  table.SetLimits({.idle = absl::Hours(1), .max_bindings = 100});
  for (int i = 0; i < 10; ++i) table.Bind(absl::StrCat("old", i), "A", 0, kStart);
  table.Bind("new", "B", 0, kStart + absl::Hours(2));
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.evictions().idle, 10u);
  EXPECT_NE(table.Peek("new"), nullptr);
}

TEST(SessionTable, AFullTableDropsTheLeastRecentlyUsedFirst) {
  SessionTable table;
  table.SetLimits({.idle = absl::Hours(24), .max_bindings = 3});
  table.Bind("a", "A", 0, kStart);
  table.Bind("b", "A", 0, kStart + absl::Seconds(1));
  table.Bind("c", "A", 0, kStart + absl::Seconds(2));
  table.Find("a", kStart + absl::Seconds(3))->last_used = kStart + absl::Seconds(3);  // a is used
  table.Bind("d", "B", 0, kStart + absl::Seconds(4));
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.Peek("b"), nullptr);  // the least recently used
  EXPECT_NE(table.Peek("a"), nullptr);
  EXPECT_NE(table.Peek("c"), nullptr);
  EXPECT_NE(table.Peek("d"), nullptr);
  EXPECT_EQ(table.evictions().capacity, 1u);
  // Rebinding a key already there never evicts.
  table.Bind("d", "A", 0, kStart + absl::Seconds(5));
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.evictions().capacity, 1u);
}

TEST(SessionTable, ManyNewSessionsStayWithinTheBound) {
  SessionTable table;
  table.SetLimits({.idle = absl::Hours(24), .max_bindings = 1000});
  for (int i = 0; i < 25000; ++i) {
    table.Bind(absl::StrCat("session-", i), "A", 0, kStart + absl::Milliseconds(i));
    ASSERT_LE(table.size(), 1000u);
  }
  EXPECT_EQ(table.evictions().capacity, 24000u);
  // The newest sessions are the ones kept.
  EXPECT_NE(table.Peek("session-24999"), nullptr);
  EXPECT_EQ(table.Peek("session-0"), nullptr);
}

}  // namespace
}  // namespace maxpool::core
