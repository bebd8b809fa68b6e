#include "core/quota_headers.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>

#include "support/fake_clock.h"

namespace maxpool::core {
namespace {

const absl::Time kNow = testing::FakeClock::DefaultStart();  // 2026-11-26T12:00:00Z

ScopedWeekly Scoped(double utilization, std::optional<absl::Time> reset_at = std::nullopt,
                    std::string severity = "normal") {
  ScopedWeekly entry;
  entry.utilization = utilization;
  entry.reset_at = reset_at;
  entry.severity = std::move(severity);
  return entry;
}

absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

// §15 scenario 12: utilization is a clamped fraction with the raw value kept; resets are epoch
// seconds or delays.
TEST(ApplyResponseHeadersTest, Scenario12_UnifiedUtilizationAndReset) {
  QuotaReading quota;
  EXPECT_TRUE(
      ApplyResponseHeaders(quota,
                           FlatHeaders{{"anthropic-ratelimit-unified-5h-utilization", "0.42"},
                                       {"anthropic-ratelimit-unified-5h-reset", "1795698000"}},
                           kNow));
  EXPECT_EQ(quota.unified_5h, 0.42);
  EXPECT_EQ(quota.unified_5h_raw, 0.42);
  EXPECT_EQ(quota.unified_5h_reset, absl::FromUnixSeconds(1795698000));
  EXPECT_EQ(quota.last_header_quota_at, kNow);

  ApplyResponseHeaders(quota, FlatHeaders{{"anthropic-ratelimit-unified-5h-reset", "3600"}}, kNow);
  EXPECT_EQ(quota.unified_5h_reset, kNow + absl::Seconds(3600));

  ApplyResponseHeaders(quota,
                       FlatHeaders{{"anthropic-ratelimit-unified-5h-utilization", "1.3"},
                                   {"anthropic-ratelimit-unified-7d-utilization", "-0.2"}},
                       kNow);
  EXPECT_EQ(quota.unified_5h, 1.0);
  EXPECT_EQ(quota.unified_5h_raw, 1.3);
  EXPECT_EQ(quota.unified_7d, 0.0);
  EXPECT_EQ(quota.unified_7d_raw, -0.2);
}

// §15 scenario 13 and §14 item 18: a bare `rejected` with healthy buckets is stored as
// `allowed`; with a bucket at >= 0.999 it is stored as `rejected`.
TEST(ApplyResponseHeadersTest, Scenario13_RejectedStoredAsAllowedUnlessABucketIsExhausted) {
  QuotaReading quota;
  ApplyResponseHeaders(quota,
                       FlatHeaders{{"anthropic-ratelimit-unified-status", "rejected"},
                                   {"anthropic-ratelimit-unified-5h-utilization", "0.3"},
                                   {"anthropic-ratelimit-unified-7d-utilization", "0.5"}},
                       kNow);
  EXPECT_EQ(quota.unified_status, UnifiedStatus::kAllowed);

  ApplyResponseHeaders(quota,
                       FlatHeaders{{"anthropic-ratelimit-unified-status", "rejected"},
                                   {"anthropic-ratelimit-unified-5h-utilization", "0.3"},
                                   {"anthropic-ratelimit-unified-7d-utilization", "0.9995"}},
                       kNow);
  EXPECT_EQ(quota.unified_status, UnifiedStatus::kRejected);
}

// §3.1: the check uses the values after this response's update, including earlier ones.
TEST(ApplyResponseHeadersTest, RejectedUsesBucketsAfterThisUpdate) {
  QuotaReading quota;
  quota.unified_7d = 1.0;
  ApplyResponseHeaders(quota, FlatHeaders{{"anthropic-ratelimit-unified-status", "rejected"}},
                       kNow);
  EXPECT_EQ(quota.unified_status, UnifiedStatus::kRejected);

  ApplyResponseHeaders(quota,
                       FlatHeaders{{"anthropic-ratelimit-unified-status", "rejected"},
                                   {"anthropic-ratelimit-unified-7d-utilization", "0.5"}},
                       kNow);
  EXPECT_EQ(quota.unified_status, UnifiedStatus::kAllowed);
}

// §14 item 19: allowed / allowed_warning are stored as given, even at 100 % weekly.
TEST(ApplyResponseHeadersTest, AllowedWarningAtFullWeeklyIsKept) {
  QuotaReading quota;
  ApplyResponseHeaders(quota,
                       FlatHeaders{{"anthropic-ratelimit-unified-status", "allowed_warning"},
                                   {"anthropic-ratelimit-unified-7d-utilization", "1.0"}},
                       kNow);
  EXPECT_EQ(quota.unified_status, UnifiedStatus::kAllowedWarning);
  ApplyResponseHeaders(quota, FlatHeaders{{"anthropic-ratelimit-unified-status", "allowed"}}, kNow);
  EXPECT_EQ(quota.unified_status, UnifiedStatus::kAllowed);
}

// §3.1: "unparseable values are ignored (the previous value is kept)".
TEST(ApplyResponseHeadersTest, UnparseableValuesKeepThePreviousValue) {
  QuotaReading quota;
  quota.unified_5h = 0.4;
  quota.unified_5h_raw = 0.4;
  quota.unified_5h_reset = kNow + absl::Hours(1);
  quota.unified_status = UnifiedStatus::kAllowedWarning;
  quota.tokens_remaining = 5;
  EXPECT_TRUE(
      ApplyResponseHeaders(quota,
                           FlatHeaders{{"anthropic-ratelimit-unified-5h-utilization", "abc"},
                                       {"anthropic-ratelimit-unified-5h-reset", "soon"},
                                       {"anthropic-ratelimit-unified-status", "maybe"},
                                       {"anthropic-ratelimit-tokens-remaining", "n/a"}},
                           kNow));
  EXPECT_EQ(quota.unified_5h, 0.4);
  EXPECT_EQ(quota.unified_5h_raw, 0.4);
  EXPECT_EQ(quota.unified_5h_reset, kNow + absl::Hours(1));
  EXPECT_EQ(quota.unified_status, UnifiedStatus::kAllowedWarning);
  EXPECT_EQ(quota.tokens_remaining, 5);
}

// §3.1 standard API-key limits; resetsAt from tokens-reset, else requests-reset.
TEST(ApplyResponseHeadersTest, ApiKeyLimitsAndReset) {
  QuotaReading quota;
  EXPECT_TRUE(ApplyResponseHeaders(
      quota,
      FlatHeaders{{"anthropic-ratelimit-tokens-limit", "96000"},
                  {"anthropic-ratelimit-tokens-remaining", "78000"},
                  {"anthropic-ratelimit-requests-limit", "1000"},
                  {"anthropic-ratelimit-requests-remaining", "999"},
                  {"anthropic-ratelimit-requests-reset", "2025-02-24T22:25:30Z"},
                  {"anthropic-ratelimit-tokens-reset", "2025-02-24T22:25:32Z"}},
      kNow));
  EXPECT_EQ(quota.tokens_limit, 96000);
  EXPECT_EQ(quota.tokens_remaining, 78000);
  EXPECT_EQ(quota.requests_limit, 1000);
  EXPECT_EQ(quota.requests_remaining, 999);
  EXPECT_EQ(quota.resets_at, Utc(2025, 2, 24, 22, 25, 32));

  ApplyResponseHeaders(
      quota, FlatHeaders{{"anthropic-ratelimit-requests-reset", "2025-02-24T22:26:30Z"}}, kNow);
  EXPECT_EQ(quota.resets_at, Utc(2025, 2, 24, 22, 26, 30));
}

// §3.1 generic provider limits: the first header present in each list wins, its first
// comma-separated element parsed as an int.
TEST(ApplyResponseHeadersTest, GenericProviderLimits) {
  QuotaReading quota;
  EXPECT_TRUE(ApplyResponseHeaders(quota,
                                   FlatHeaders{{"ratelimit-limit", "70"},
                                               {"x-rate-limit-limit", "100, 100;w=60"},
                                               {"x-ratelimit-remaining-requests", "0"},
                                               {"x-ratelimit-requests-reset", "30"}},
                                   kNow));
  EXPECT_EQ(quota.generic_limit, 100);
  EXPECT_EQ(quota.generic_remaining, 0);
  EXPECT_EQ(quota.generic_reset, kNow + absl::Seconds(30));

  // The first present header wins even when it does not parse: the previous value stays.
  ApplyResponseHeaders(quota, FlatHeaders{{"x-ratelimit-limit", "lots"}, {"ratelimit-limit", "5"}},
                       kNow);
  EXPECT_EQ(quota.generic_limit, 100);
}

// §3.1: lastHeaderQuotaAt is set only when a utilization/limit/remaining header is present.
TEST(ApplyResponseHeadersTest, NoQuotaHeadersLeavesLastHeaderQuotaAt) {
  QuotaReading quota;
  EXPECT_FALSE(ApplyResponseHeaders(quota,
                                    FlatHeaders{{"content-type", "application/json"},
                                                {"retry-after", "30"},
                                                {"anthropic-ratelimit-unified-5h-reset", "60"},
                                                {"anthropic-ratelimit-unified-status", "allowed"}},
                                    kNow));
  EXPECT_FALSE(quota.last_header_quota_at.has_value());
  EXPECT_EQ(quota.unified_5h_reset, kNow + absl::Seconds(60));
  EXPECT_EQ(quota.unified_status, UnifiedStatus::kAllowed);
}

// §15 scenario 14 and §14 item 15: a 5h window whose reset passed is cleared before routing.
TEST(ClearExpiredWindowsTest, Scenario14_SessionWindowExpiry) {
  QuotaReading quota;
  quota.unified_5h = 0.95;
  quota.unified_5h_raw = 0.95;
  quota.unified_5h_reset = kNow - absl::Milliseconds(1);
  quota.unified_7d = 0.5;
  quota.unified_7d_reset = kNow + absl::Hours(24);
  const ClearedWindows cleared = ClearExpiredWindows(quota, kNow);
  EXPECT_TRUE(cleared.session);
  EXPECT_FALSE(cleared.weekly);
  EXPECT_TRUE(cleared.any());
  EXPECT_FALSE(quota.unified_5h.has_value());
  EXPECT_FALSE(quota.unified_5h_raw.has_value());
  EXPECT_FALSE(quota.unified_5h_reset.has_value());
  EXPECT_EQ(quota.unified_7d, 0.5);
}

// §3.6: the weekly window also clears the unified status; at now == reset it has expired.
TEST(ClearExpiredWindowsTest, WeeklyExpiryClearsStatus) {
  QuotaReading quota;
  quota.unified_7d = 1.0;
  quota.unified_7d_reset = kNow;
  quota.unified_status = UnifiedStatus::kRejected;
  EXPECT_FALSE(ClearExpiredWindows(quota, kNow - absl::Milliseconds(1)).any());
  EXPECT_EQ(quota.unified_status, UnifiedStatus::kRejected);
  const ClearedWindows cleared = ClearExpiredWindows(quota, kNow);
  EXPECT_TRUE(cleared.weekly);
  EXPECT_FALSE(quota.unified_7d.has_value());
  EXPECT_FALSE(quota.unified_7d_reset.has_value());
  EXPECT_EQ(quota.unified_status, UnifiedStatus::kUnknown);
}

// §3.6: scoped entries past their reset are deleted; API-key limits go when resetsAt passed.
TEST(ClearExpiredWindowsTest, ScopedAndApiKeyExpiry) {
  QuotaReading quota;
  quota.scoped_weekly[FamilyIndex(ModelFamily::kFable)] = Scoped(1, kNow);
  quota.scoped_weekly[FamilyIndex(ModelFamily::kOpus)] = Scoped(1, kNow + absl::Seconds(1));
  quota.tokens_limit = 96000;
  quota.tokens_remaining = 0;
  quota.requests_limit = 1000;
  quota.requests_remaining = 0;
  quota.resets_at = kNow - absl::Seconds(1);
  const ClearedWindows cleared = ClearExpiredWindows(quota, kNow);
  EXPECT_TRUE(cleared.scoped[FamilyIndex(ModelFamily::kFable)]);
  EXPECT_FALSE(cleared.scoped[FamilyIndex(ModelFamily::kOpus)]);
  EXPECT_TRUE(cleared.api_key);
  EXPECT_FALSE(quota.scoped_weekly[FamilyIndex(ModelFamily::kFable)].has_value());
  EXPECT_TRUE(quota.scoped_weekly[FamilyIndex(ModelFamily::kOpus)].has_value());
  EXPECT_FALSE(quota.tokens_limit.has_value());
  EXPECT_FALSE(quota.tokens_remaining.has_value());
  EXPECT_FALSE(quota.requests_limit.has_value());
  EXPECT_FALSE(quota.requests_remaining.has_value());
  EXPECT_FALSE(quota.resets_at.has_value());
}

TEST(ClearExpiredWindowsTest, WindowWithoutResetNeverExpires) {
  QuotaReading quota;
  quota.unified_5h = 0.95;
  quota.unified_7d = 0.97;
  quota.scoped_weekly[0] = Scoped(1);
  EXPECT_FALSE(ClearExpiredWindows(quota, kNow + absl::Hours(24 * 365)).any());
  EXPECT_EQ(quota.unified_5h, 0.95);
  EXPECT_EQ(quota.unified_7d, 0.97);
  EXPECT_TRUE(quota.scoped_weekly[0].has_value());
}

// §3.4 and §15 scenario 17: a model-scoped 429 benches only that family until now + retry.
TEST(ScopedWeeklyTest, Scenario17_ModelScopedLimitBenchesOnlyItsFamily) {
  QuotaReading quota;
  RecordModelScopedLimit(quota, ModelFamily::kFable, absl::Seconds(7200), kNow);
  const std::optional<ScopedWeekly>& fable = quota.scoped_weekly[FamilyIndex(ModelFamily::kFable)];
  ASSERT_TRUE(fable.has_value());
  EXPECT_EQ(fable->utilization, 1.0);
  EXPECT_EQ(fable->reset_at, kNow + absl::Seconds(7200));
  EXPECT_EQ(fable->severity, "critical");
  EXPECT_TRUE(fable->is_active);
  EXPECT_TRUE(fable->reactive);
  EXPECT_TRUE(ScopedWeeklyExhausted(quota, ModelFamily::kFable, kExhaustedUtilization));
  EXPECT_FALSE(ScopedWeeklyExhausted(quota, ModelFamily::kSonnet, kExhaustedUtilization));
  EXPECT_FALSE(ScopedWeeklyExhausted(quota, ModelFamily::kNone, kExhaustedUtilization));

  // Once the reset passes, the entry is gone and fable is served again.
  ClearExpiredWindows(quota, kNow + absl::Seconds(7200));
  EXPECT_FALSE(ScopedWeeklyExhausted(quota, ModelFamily::kFable, kExhaustedUtilization));
}

TEST(ScopedWeeklyTest, RecordForNoFamilyIsANoOp) {
  QuotaReading quota;
  RecordModelScopedLimit(quota, ModelFamily::kNone, absl::Seconds(7200), kNow);
  for (const auto& entry : quota.scoped_weekly) EXPECT_FALSE(entry.has_value());
}

// §3.4: severity `critical` alone does not bench; an inactive entry does not either.
TEST(ScopedWeeklyTest, OnlyActiveEntriesAtTheExhaustedThresholdBench) {
  QuotaReading quota;
  auto& opus = quota.scoped_weekly[FamilyIndex(ModelFamily::kOpus)];
  opus = Scoped(0.998, std::nullopt, "critical");
  EXPECT_FALSE(ScopedWeeklyExhausted(quota, ModelFamily::kOpus, kExhaustedUtilization));
  opus->utilization = 0.999;
  EXPECT_TRUE(ScopedWeeklyExhausted(quota, ModelFamily::kOpus, kExhaustedUtilization));
  opus->is_active = false;
  EXPECT_FALSE(ScopedWeeklyExhausted(quota, ModelFamily::kOpus, kExhaustedUtilization));
}

// §3.4 and §14 item 20: a lagging probe must not un-bench a reactive entry before its reset.
TEST(ScopedWeeklyTest, ProbeKeepsFutureReactiveEntriesItUnderreportsOrOmits) {
  QuotaReading quota;
  RecordModelScopedLimit(quota, ModelFamily::kFable, absl::Hours(2), kNow);
  RecordModelScopedLimit(quota, ModelFamily::kOpus, absl::Hours(2), kNow);
  quota.scoped_weekly[FamilyIndex(ModelFamily::kSonnet)] = Scoped(0.4, kNow + absl::Hours(50));

  std::array<std::optional<ScopedWeekly>, 4> probed;
  probed[FamilyIndex(ModelFamily::kFable)] = Scoped(0.32, kNow + absl::Hours(70));
  MergeProbedScopedWeekly(quota, probed, kNow + absl::Minutes(10));

  // fable: probe reports less -> the reactive entry stays; opus: omitted -> stays.
  EXPECT_TRUE(quota.scoped_weekly[FamilyIndex(ModelFamily::kFable)]->reactive);
  EXPECT_TRUE(ScopedWeeklyExhausted(quota, ModelFamily::kFable, kExhaustedUtilization));
  EXPECT_TRUE(ScopedWeeklyExhausted(quota, ModelFamily::kOpus, kExhaustedUtilization));
  // sonnet: a probe-written entry the probe no longer reports is replaced (removed).
  EXPECT_FALSE(quota.scoped_weekly[FamilyIndex(ModelFamily::kSonnet)].has_value());
}

TEST(ScopedWeeklyTest, ProbeReplacesReactiveEntriesWhenEqualOrExpired) {
  QuotaReading quota;
  RecordModelScopedLimit(quota, ModelFamily::kFable, absl::Hours(2), kNow);
  RecordModelScopedLimit(quota, ModelFamily::kOpus, absl::Hours(2), kNow);

  std::array<std::optional<ScopedWeekly>, 4> probed;
  probed[FamilyIndex(ModelFamily::kFable)] = Scoped(1.0, kNow + absl::Hours(30), "critical");
  MergeProbedScopedWeekly(quota, probed, kNow);
  const auto& fable = quota.scoped_weekly[FamilyIndex(ModelFamily::kFable)];
  ASSERT_TRUE(fable.has_value());
  EXPECT_FALSE(fable->reactive);
  EXPECT_EQ(fable->reset_at, kNow + absl::Hours(30));

  // At the reactive entry's reset it is no longer "still future": the probe wins.
  MergeProbedScopedWeekly(quota, probed, kNow + absl::Hours(2));
  EXPECT_FALSE(quota.scoped_weekly[FamilyIndex(ModelFamily::kOpus)].has_value());
}

}  // namespace
}  // namespace maxpool::core
