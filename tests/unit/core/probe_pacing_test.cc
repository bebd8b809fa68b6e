#include "core/probe_pacing.h"

#include <gtest/gtest.h>

namespace maxpool::core {
namespace {

// §12.2: base gap clamp(interval / 6, 6 s, 20 s).
TEST(ProbePacingTest, BaseGapFollowsTheInterval) {
  EXPECT_EQ(ProbePacing(absl::Seconds(60)).base_gap(), absl::Seconds(10));
  EXPECT_EQ(ProbePacing(absl::Seconds(10)).base_gap(), absl::Seconds(6));
  EXPECT_EQ(ProbePacing(absl::Seconds(600)).base_gap(), absl::Seconds(20));
}

// §12.2: x1.5 after a 429 up to 120 s; x0.9 after a success, never below the base.
TEST(ProbePacingTest, BacksOffOnRateLimitAndRecovers) {
  ProbePacing pacing(absl::Seconds(60));
  pacing.OnRateLimited();
  EXPECT_EQ(pacing.gap(), absl::Seconds(15));
  for (int i = 0; i < 20; ++i) pacing.OnRateLimited();
  EXPECT_EQ(pacing.gap(), absl::Seconds(120));
  pacing.OnSuccess();
  EXPECT_EQ(pacing.gap(), absl::Seconds(108));
  for (int i = 0; i < 100; ++i) pacing.OnSuccess();
  EXPECT_EQ(pacing.gap(), absl::Seconds(10));
}

TEST(ProbePacingTest, EachSweepStartsOneFurtherOn) {
  EXPECT_EQ(ProbeSweepStart(0, 3), 0u);
  EXPECT_EQ(ProbeSweepStart(1, 3), 1u);
  EXPECT_EQ(ProbeSweepStart(4, 3), 1u);
  EXPECT_EQ(ProbeSweepStart(7, 0), 0u);
}

}  // namespace
}  // namespace maxpool::core
