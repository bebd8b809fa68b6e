// Weekly tiers, pace and the session bench (spec §2.3, §2.4).

#include "core/weekly.h"

#include "gtest/gtest.h"

namespace maxpool::core {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1795694400);

Account Claude(std::optional<double> weekly, UnifiedStatus status = UnifiedStatus::kAllowed) {
  Account a;
  a.settings.name = "A";
  a.state.quota.unified_7d = weekly;
  a.state.quota.unified_status = status;
  return a;
}

TEST(Weekly, RawTiersAtThresholds) {
  SchedulerSettings s;
  EXPECT_EQ(RawWeeklyState(Claude(std::nullopt), s), WeeklyTier::kUnknown);
  EXPECT_EQ(RawWeeklyState(Claude(0.64), s), WeeklyTier::kNormal);
  EXPECT_EQ(RawWeeklyState(Claude(0.65), s), WeeklyTier::kSoft);
  EXPECT_EQ(RawWeeklyState(Claude(0.85), s), WeeklyTier::kReserve);
  EXPECT_EQ(RawWeeklyState(Claude(0.95), s), WeeklyTier::kCritical);
  EXPECT_EQ(RawWeeklyState(Claude(0.999, UnifiedStatus::kUnknown), s), WeeklyTier::kExhausted);
  // §14 item 19: "allowed" at 100% is not exhausted.
  EXPECT_EQ(RawWeeklyState(Claude(1.0, UnifiedStatus::kAllowed), s), WeeklyTier::kCritical);
}

// §2.3: the usage cap turns the weekly state into `capped` before any other tier.
TEST(Weekly, UsageCapBeatsOtherTiers) {
  SchedulerSettings s;
  Account a = Claude(0.50);
  a.settings.cap_utilization = 0.5;
  EXPECT_EQ(RawWeeklyState(a, s), WeeklyTier::kCapped);
  EXPECT_DOUBLE_EQ(Bench(a.settings, s), 0.5);
  a.settings.cap_utilization = 0.95;
  EXPECT_DOUBLE_EQ(Bench(a.settings, s), 0.90);
}

// §2.4 pace: 0.6 used with 6 of 7 days left is 0.6 + (0.6 - 1/7) x 0.6 ahead of pace.
TEST(Weekly, PaceAddsBurnDebt) {
  SchedulerSettings s;
  Account a = Claude(0.6);
  a.state.quota.unified_7d_reset = kNow + absl::Hours(6 * 24);
  const double elapsed = 1.0 / 7;
  EXPECT_NEAR(PaceEffectiveUsage(a, s, kNow), 0.6 + (0.6 - elapsed) * 0.6, 1e-9);
  EXPECT_EQ(PaceState(a, s, kNow), WeeklyTier::kReserve);
  EXPECT_EQ(RawWeeklyState(a, s), WeeklyTier::kNormal);
}

TEST(Weekly, SessionUnavailableForApiKeyLimits) {
  SchedulerSettings s;
  Account a;
  a.settings.type = AccountType::kApiKey;
  a.state.quota.tokens_limit = 1000;
  a.state.quota.tokens_remaining = 100;
  EXPECT_TRUE(SessionUnavailable(a, s));
  a.state.quota.tokens_remaining = 200;
  EXPECT_FALSE(SessionUnavailable(a, s));
  a.state.quota.requests_limit = 50;
  a.state.quota.requests_remaining = 0;
  EXPECT_TRUE(SessionUnavailable(a, s));
}

TEST(Weekly, WindowScarcityIsUseItOrLoseIt) {
  EXPECT_DOUBLE_EQ(WindowScarcity(0.5, std::nullopt, kWeekWindow, kNow), 0.5);
  EXPECT_DOUBLE_EQ(WindowScarcity(0.5, kNow - absl::Seconds(1), kWeekWindow, kNow), 0.5);
  EXPECT_NEAR(WindowScarcity(0.8, kNow + absl::Hours(2), kWeekWindow, kNow), 0.0, 1e-9);
  EXPECT_NEAR(WindowScarcity(0.3, kNow + absl::Hours(156), kWeekWindow, kNow), 0.3 - 12.0 / 168,
              1e-9);
}

}  // namespace
}  // namespace maxpool::core
