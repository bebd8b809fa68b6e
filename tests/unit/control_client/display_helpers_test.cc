// The display helpers that the control commands and the live view share: compact durations,
// percentages, reset countdowns, account names and plain-text tables.

#include <string>

#include "absl/time/time.h"
#include "control_client/control_client.h"
#include "gtest/gtest.h"

namespace maxpool::control_client {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

TEST(DisplayHelpersTest, CompactDuration) {
  EXPECT_EQ(CompactDuration(absl::ZeroDuration()), "0s");
  EXPECT_EQ(CompactDuration(absl::Milliseconds(499)), "0s");
  EXPECT_EQ(CompactDuration(absl::Milliseconds(999)), "1s");
  EXPECT_EQ(CompactDuration(absl::Seconds(9) + absl::Milliseconds(990)), "10s");
  EXPECT_EQ(CompactDuration(absl::Minutes(59) + absl::Milliseconds(59'990)), "1h");
  EXPECT_EQ(CompactDuration(absl::Seconds(45)), "45s");
  EXPECT_EQ(CompactDuration(absl::Seconds(60)), "1m");
  EXPECT_EQ(CompactDuration(absl::Seconds(725)), "12m5s");
  EXPECT_EQ(CompactDuration(absl::Minutes(133) + absl::Seconds(59)), "2h13m");
  EXPECT_EQ(CompactDuration(absl::Hours(2)), "2h");
  EXPECT_EQ(CompactDuration(absl::Hours(76)), "3d4h");
  EXPECT_EQ(CompactDuration(absl::Hours(72)), "3d");
  EXPECT_EQ(CompactDuration(-absl::Seconds(90)), "1m30s");
}

TEST(DisplayHelpersTest, PercentAndResetCountdown) {
  EXPECT_EQ(Percent(0.42), "42%");
  EXPECT_EQ(Percent(0.855), "85.5%");
  EXPECT_EQ(Percent(1.03), "103%");
  EXPECT_EQ(Percent(0), "0%");
  EXPECT_EQ(ResetCountdown(kNow + absl::Minutes(133), kNow), "resets in 2h13m");
  EXPECT_EQ(ResetCountdown(kNow - absl::Seconds(1), kNow), "resets now");
}

TEST(DisplayHelpersTest, AccountNames) {
  EXPECT_EQ(AccountId("accounts/alice"), "alice");
  EXPECT_EQ(AccountId("alice"), "alice");
  EXPECT_EQ(AccountResourceName("alice"), "accounts/alice");
  EXPECT_EQ(AccountResourceName("accounts/alice"), "accounts/alice");
}

TEST(DisplayHelpersTest, TableHasNoTrailingSpaces) {
  EXPECT_EQ(FormatTable({{"A", "BB", ""}, {"CCC", "D", "E"}}),
            "A    BB\n"
            "CCC  D   E\n");
}

}  // namespace
}  // namespace maxpool::control_client
