#include "core/peak_window.h"

#include <gtest/gtest.h>

namespace maxpool::core {
namespace {

absl::TimeZone Singapore() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Singapore", &zone)) << "tzdata is missing";
  return zone;
}

// The reference's default for z.ai: Mon-Fri 14:00-18:00 Singapore time.
ProviderPeak ZaiDefault() {
  ProviderPeak peak;
  peak.zone = Singapore();
  peak.windows = {{{1, 2, 3, 4, 5}, 840, 1080}};
  return peak;
}

absl::Time At(int y, int mo, int d, int h, int mi, absl::TimeZone zone) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), zone);
}

TEST(PeakWindowTest, WeekdayAfternoonInTheConfiguredZone) {
  const ProviderPeak peak = ZaiDefault();
  const absl::TimeZone sg = Singapore();
  // Thursday 2026-11-26.
  PeakState state = EvaluatePeak(peak, At(2026, 11, 26, 14, 0, sg));
  EXPECT_TRUE(state.in_peak);
  EXPECT_EQ(state.ends_at, At(2026, 11, 26, 18, 0, sg));
  EXPECT_TRUE(EvaluatePeak(peak, At(2026, 11, 26, 17, 59, sg)).in_peak);
  EXPECT_FALSE(EvaluatePeak(peak, At(2026, 11, 26, 18, 0, sg)).in_peak);  // end exclusive
  EXPECT_FALSE(EvaluatePeak(peak, At(2026, 11, 26, 13, 59, sg)).in_peak);
  // Saturday and Sunday: never.
  EXPECT_FALSE(EvaluatePeak(peak, At(2026, 11, 28, 15, 0, sg)).in_peak);
  EXPECT_FALSE(EvaluatePeak(peak, At(2026, 11, 29, 15, 0, sg)).in_peak);
  // The same instant read in UTC: 07:00 UTC is 15:00 in Singapore.
  EXPECT_TRUE(EvaluatePeak(peak, At(2026, 11, 26, 7, 0, absl::UTCTimeZone())).in_peak);
}

TEST(PeakWindowTest, WrapPastMidnightBelongsToTheDayAfter) {
  ProviderPeak peak;
  peak.zone = absl::UTCTimeZone();
  peak.windows = {{{5}, 22 * 60, 2 * 60}};  // Friday 22:00 to Saturday 02:00
  const absl::TimeZone utc = absl::UTCTimeZone();
  EXPECT_TRUE(EvaluatePeak(peak, At(2026, 11, 27, 23, 0, utc)).in_peak);
  const PeakState saturday = EvaluatePeak(peak, At(2026, 11, 28, 1, 0, utc));
  EXPECT_TRUE(saturday.in_peak);
  EXPECT_EQ(saturday.ends_at, At(2026, 11, 28, 2, 0, utc));
  EXPECT_EQ(EvaluatePeak(peak, At(2026, 11, 27, 23, 0, utc)).ends_at, At(2026, 11, 28, 2, 0, utc));
  // Thursday night is not listed.
  EXPECT_FALSE(EvaluatePeak(peak, At(2026, 11, 27, 1, 0, utc)).in_peak);
}

TEST(PeakWindowTest, EndCarriesAcrossContiguousRows) {
  ProviderPeak peak;
  peak.zone = absl::UTCTimeZone();
  peak.windows = {{{4}, 600, 720}, {{4}, 720, 900}, {{4}, 900, 960}, {{5}, 960, 1000}};
  const PeakState state = EvaluatePeak(peak, At(2026, 11, 26, 10, 30, absl::UTCTimeZone()));
  EXPECT_TRUE(state.in_peak);
  EXPECT_EQ(state.ends_at, At(2026, 11, 26, 16, 0, absl::UTCTimeZone()));
}

TEST(PeakWindowTest, InvalidRowsNeverMatch) {
  ProviderPeak peak;
  peak.zone = absl::UTCTimeZone();
  peak.windows = {{{4}, 1440, 100}, {{4}, 0, 0},     {{4}, 600, 600}, {{7, -1}, 0, 1440},
                  {{}, 0, 1440},    {{4}, -1, 1440}, {{4}, 0, 1441}};
  EXPECT_FALSE(EvaluatePeak(peak, At(2026, 11, 26, 10, 0, absl::UTCTimeZone())).in_peak);
  peak.windows.push_back({{4}, 0, 1440});  // all of Thursday
  EXPECT_TRUE(EvaluatePeak(peak, At(2026, 11, 26, 10, 0, absl::UTCTimeZone())).in_peak);
}

TEST(PeakWindowTest, TierFromCapAndWeeklyUse) {
  ProviderPeak peak = ZaiDefault();
  const PeakState in{true, absl::UnixEpoch()};
  const PeakState out{false, absl::UnixEpoch()};
  EXPECT_EQ(PeakTier(peak, out, 0.9), 0);
  EXPECT_EQ(PeakTier(peak, in, 0.6), 2);           // over the 0.5 cap
  EXPECT_EQ(PeakTier(peak, in, 0.4), 1);           // under it: de-preferred
  EXPECT_EQ(PeakTier(peak, in, std::nullopt), 1);  // unknown weekly fails open
  peak.depreference = false;
  EXPECT_EQ(PeakTier(peak, in, 0.4), 0);
  EXPECT_FALSE(PeakBarred(peak, in));
  peak.cap = 0;
  EXPECT_TRUE(PeakBarred(peak, in));
  EXPECT_FALSE(PeakBarred(peak, out));
}

}  // namespace
}  // namespace maxpool::core
