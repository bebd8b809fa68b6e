#include "core/quota_windows.h"

#include "gtest/gtest.h"

namespace maxpool::core {
namespace {

TEST(QuotaWindowsTest, SubscriptionWindowsPreferTheRawUtilization) {
  QuotaReading q;
  const absl::Time reset = absl::FromUnixSeconds(1000);
  q.unified_5h = 0.5;
  q.unified_5h_raw = 0.55;
  q.unified_5h_reset = reset;
  q.unified_7d = 0.2;
  const std::vector<QuotaWindow> windows = QuotaWindowsOf(q);
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(QuotaWindowName(windows[0].kind), "5h");
  EXPECT_DOUBLE_EQ(windows[0].utilization, 0.55);
  EXPECT_EQ(windows[0].reset, reset);
  EXPECT_FALSE(windows[0].limit.has_value());
  EXPECT_EQ(QuotaWindowName(windows[1].kind), "7d");
  EXPECT_DOUBLE_EQ(windows[1].utilization, 0.2);
  EXPECT_FALSE(windows[1].reset.has_value());
}

TEST(QuotaWindowsTest, LimitWindowsAreWhatIsUsedOfTheLimit) {
  QuotaReading q;
  q.tokens_limit = 1000;
  q.tokens_remaining = 250;
  q.requests_limit = 50;  // nothing remaining reported: all of it is left
  q.resets_at = absl::FromUnixSeconds(40);
  const std::vector<QuotaWindow> windows = QuotaWindowsOf(q);
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(windows[0].kind, QuotaWindowKind::kTokens);
  EXPECT_DOUBLE_EQ(windows[0].utilization, 0.75);
  EXPECT_EQ(windows[0].limit, 1000);
  EXPECT_EQ(windows[0].remaining, 250);
  EXPECT_EQ(windows[1].kind, QuotaWindowKind::kRequests);
  EXPECT_DOUBLE_EQ(windows[1].utilization, 0);
  EXPECT_EQ(windows[1].remaining, 50);
}

TEST(QuotaWindowsTest, ProviderWindowsAndNothingReported) {
  EXPECT_TRUE(QuotaWindowsOf(QuotaReading{}).empty());
  QuotaReading q;
  q.tokens_limit = 0;  // no limit: no window
  q.provider_ses = 0.3;
  q.provider_wk = 0.9;
  const std::vector<QuotaWindow> windows = QuotaWindowsOf(q);
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(QuotaWindowName(windows[0].kind), "provider_session");
  EXPECT_EQ(QuotaWindowName(windows[1].kind), "provider_week");
}

}  // namespace
}  // namespace maxpool::core
