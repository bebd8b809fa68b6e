#include "core/retry_after.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "support/fake_clock.h"

namespace maxpool::core {
namespace {

const absl::Time kNow = testing::FakeClock::DefaultStart();  // 2026-11-26T12:00:00Z

absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

// §3.1 parseReset / §15 scenario 12: epoch seconds, epoch ms, or a delay in seconds.
TEST(ParseResetTest, NumbersAreEpochSecondsEpochMillisOrDelays) {
  EXPECT_EQ(ParseReset("1795698000", kNow), absl::FromUnixSeconds(1795698000));
  EXPECT_EQ(ParseReset("1795698000123", kNow), absl::FromUnixMillis(1795698000123));
  EXPECT_EQ(ParseReset("3600", kNow), kNow + absl::Seconds(3600));
  EXPECT_EQ(ParseReset(" 1.5 ", kNow), kNow + absl::Milliseconds(1500));
  EXPECT_EQ(ParseReset("0", kNow), kNow);
}

// §3.1: "n > 10_000_000_000 -> ms; n > 1_000_000_000 -> s"; the bounds themselves fall below.
TEST(ParseResetTest, ThresholdsAreStrict) {
  EXPECT_EQ(ParseReset("1000000000", kNow), kNow + absl::Seconds(1000000000));
  EXPECT_EQ(ParseReset("1000000001", kNow), absl::FromUnixSeconds(1000000001));
  EXPECT_EQ(ParseReset("10000000000", kNow), absl::FromUnixSeconds(10000000000));
  EXPECT_EQ(ParseReset("10000000001", kNow), absl::FromUnixMillis(10000000001));
}

TEST(ParseResetTest, OnlyTheTextBeforeTheFirstCommaCountsForNumbers) {
  EXPECT_EQ(ParseReset("1795698000, 1795699999", kNow), absl::FromUnixSeconds(1795698000));
  EXPECT_EQ(ParseReset("60,120", kNow), kNow + absl::Seconds(60));
}

// §3.1: non-numeric values are parsed as dates (RFC 3339 for API keys, anthropic-wire §4.1).
TEST(ParseResetTest, DatesInRfc3339AndImfFixdate) {
  EXPECT_EQ(ParseReset("2025-02-24T22:25:30Z", kNow), Utc(2025, 2, 24, 22, 25, 30));
  EXPECT_EQ(ParseReset("2026-08-04T16:20:00.5+02:00", kNow),
            Utc(2026, 8, 4, 14, 20, 0) + absl::Milliseconds(500));
  EXPECT_EQ(ParseReset("2026-08-04 16:20:00+00:00", kNow), Utc(2026, 8, 4, 16, 20, 0));
  EXPECT_EQ(ParseReset("Wed, 21 Oct 2015 07:28:00 GMT", kNow), Utc(2015, 10, 21, 7, 28, 0));
  EXPECT_EQ(ParseReset("2026-09-08", kNow), Utc(2026, 9, 8, 0, 0, 0));
}

TEST(ParseResetTest, ZonelessDateTimesUseTheGivenZone) {
  EXPECT_EQ(ParseReset("2026-09-08 14:29:33", kNow), Utc(2026, 9, 8, 14, 29, 33));
  EXPECT_EQ(ParseReset("2026-09-08 14:29:33", kNow, absl::FixedTimeZone(8 * 3600)),
            Utc(2026, 9, 8, 6, 29, 33));
  // An explicit offset wins over the zone.
  EXPECT_EQ(ParseReset("2026-09-08T14:29:33Z", kNow, absl::FixedTimeZone(8 * 3600)),
            Utc(2026, 9, 8, 14, 29, 33));
}

TEST(ParseResetTest, GarbageIsNull) {
  EXPECT_EQ(ParseReset("", kNow), std::nullopt);
  EXPECT_EQ(ParseReset("   ", kNow), std::nullopt);
  EXPECT_EQ(ParseReset("soon", kNow), std::nullopt);
  EXPECT_EQ(ParseReset("6m0s", kNow), std::nullopt);
  EXPECT_EQ(ParseReset("inf", kNow), std::nullopt);
  EXPECT_EQ(ParseReset("nan", kNow), std::nullopt);
  EXPECT_EQ(ParseReset("1e400", kNow), std::nullopt);
}

// §3.2 parseRetryAfter: integer seconds only, clamped to [1, 86400].
TEST(ParseRetryAfterTest, IntegerSecondsClamped) {
  EXPECT_EQ(ParseRetryAfter("120"), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 30 "), absl::Seconds(30));
  EXPECT_EQ(ParseRetryAfter("0000120"), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter("0"), absl::Seconds(1));
  EXPECT_EQ(ParseRetryAfter("86400"), absl::Seconds(86400));
  EXPECT_EQ(ParseRetryAfter("86401"), absl::Seconds(86400));
  EXPECT_EQ(ParseRetryAfter("121180"), absl::Seconds(86400));
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999"), absl::Seconds(86400));
}

// §3.2 and §15 scenario 18: an HTTP-date retry-after is treated as absent.
TEST(ParseRetryAfterTest, HttpDateAndNonIntegersAreAbsent) {
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1.5"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("12s"), std::nullopt);
}

// §3.2: "ceil, [1, 86400], non-numeric -> 60".
TEST(ClampBenchTest, CeilsClampsAndDefaults) {
  EXPECT_EQ(ClampBench(std::nullopt), absl::Seconds(60));
  EXPECT_EQ(ClampBench(std::nan("")), absl::Seconds(60));
  EXPECT_EQ(ClampBench(0.2), absl::Seconds(1));
  EXPECT_EQ(ClampBench(-5), absl::Seconds(1));
  EXPECT_EQ(ClampBench(1.2), absl::Seconds(2));
  EXPECT_EQ(ClampBench(30), absl::Seconds(30));
  EXPECT_EQ(ClampBench(100000), absl::Seconds(86400));
  EXPECT_EQ(ClampBench(std::numeric_limits<double>::infinity()), absl::Seconds(86400));
}

}  // namespace
}  // namespace maxpool::core
