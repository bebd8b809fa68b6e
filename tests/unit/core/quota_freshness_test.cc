#include "core/quota_freshness.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"

namespace maxpool::core {
namespace {

const absl::Time kNow = testing::FakeClock::DefaultStart();

TEST(QuotaFreshnessTest, TheNewerOfHeadersAndProbe) {
  QuotaReading quota;
  EXPECT_FALSE(QuotaReadAt(quota).has_value());
  quota.last_probe_ok_at = kNow - absl::Minutes(10);
  EXPECT_EQ(QuotaReadAt(quota), kNow - absl::Minutes(10));
  quota.last_header_quota_at = kNow - absl::Minutes(1);
  EXPECT_EQ(QuotaReadAt(quota), kNow - absl::Minutes(1));
}

// §12.2: stale after max(3 x interval, 180 s); never-read is unknown, not stale.
TEST(QuotaFreshnessTest, StaleAfterThreeIntervalsOrThreeMinutes) {
  EXPECT_EQ(QuotaStaleAfter(absl::Seconds(60)), absl::Seconds(180));
  EXPECT_EQ(QuotaStaleAfter(absl::Seconds(600)), absl::Seconds(1800));
  EXPECT_EQ(QuotaStaleAfter(absl::ZeroDuration()), absl::Seconds(180));
  QuotaReading quota;
  EXPECT_FALSE(QuotaStale(quota, kNow, absl::Seconds(60)));
  quota.last_probe_ok_at = kNow - absl::Seconds(180);
  EXPECT_FALSE(QuotaStale(quota, kNow, absl::Seconds(60)));
  quota.last_probe_ok_at = kNow - absl::Seconds(181);
  EXPECT_TRUE(QuotaStale(quota, kNow, absl::Seconds(60)));
  quota.last_header_quota_at = kNow - absl::Seconds(5);
  EXPECT_FALSE(QuotaStale(quota, kNow, absl::Seconds(60)));
}

TEST(QuotaFreshnessTest, FreshFromTrafficOnlyByHeaders) {
  QuotaReading quota;
  quota.last_probe_ok_at = kNow;
  EXPECT_FALSE(QuotaFreshFromTraffic(quota, kNow, absl::Seconds(60)));
  quota.last_header_quota_at = kNow - absl::Seconds(59);
  EXPECT_TRUE(QuotaFreshFromTraffic(quota, kNow, absl::Seconds(60)));
  quota.last_header_quota_at = kNow - absl::Seconds(60);
  EXPECT_FALSE(QuotaFreshFromTraffic(quota, kNow, absl::Seconds(60)));
}

}  // namespace
}  // namespace maxpool::core
