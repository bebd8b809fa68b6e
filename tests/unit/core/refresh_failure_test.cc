#include "core/refresh_failure.h"

#include "gtest/gtest.h"

namespace maxpool::core {
namespace {

TEST(RefreshFailureLabels, Names) {
  EXPECT_EQ(RefreshFailureName(RefreshFailure::kNetworkBeforeSend), "network_before_send");
  EXPECT_EQ(RefreshFailureName(RefreshFailure::kAmbiguousAfterSend), "ambiguous_after_send");
  EXPECT_EQ(RefreshFailureName(RefreshFailure::kRetryableStatus), "retryable_status");
  EXPECT_EQ(RefreshFailureName(RefreshFailure::kDead), "dead");
  EXPECT_EQ(kRefreshNetworkCooldown, absl::Seconds(5));
}

}  // namespace
}  // namespace maxpool::core
