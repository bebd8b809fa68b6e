#include "core/peak_window.h"

#include <algorithm>

namespace maxpool::core {
namespace {

constexpr int kMinutesPerDay = 1440;

bool Valid(const PeakWindowRow& row) {
  if (row.start_min < 0 || row.start_min >= kMinutesPerDay) return false;
  if (row.end_min <= 0 || row.end_min > kMinutesPerDay || row.end_min == row.start_min) {
    return false;
  }
  return std::any_of(row.days.begin(), row.days.end(), [](int d) { return d >= 0 && d <= 6; });
}

bool OnDay(const PeakWindowRow& row, int weekday) {
  return std::find(row.days.begin(), row.days.end(), weekday) != row.days.end();
}

// 0 = Sunday, as the config counts.
int WeekdayOf(const absl::CivilDay& day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::sunday:
      return 0;
    case absl::Weekday::monday:
      return 1;
    case absl::Weekday::tuesday:
      return 2;
    case absl::Weekday::wednesday:
      return 3;
    case absl::Weekday::thursday:
      return 4;
    case absl::Weekday::friday:
      return 5;
    case absl::Weekday::saturday:
      return 6;
  }
  return 0;
}

}  // namespace

PeakState EvaluatePeak(const ProviderPeak& peak, absl::Time now) {
  PeakState state;
  if (peak.windows.empty()) return state;
  const absl::CivilMinute local = absl::ToCivilMinute(now, peak.zone);
  const absl::CivilDay today(local);
  const int weekday = WeekdayOf(today);
  const int yesterday = (weekday + 6) % 7;
  const int minute = static_cast<int>(local.hour()) * 60 + static_cast<int>(local.minute());
  // The end of the peak as a day and a minute of that day.
  std::optional<std::pair<absl::CivilDay, int>> end;
  auto take = [&](absl::CivilDay day, int end_min) {
    if (!end || std::make_pair(day, end_min) > *end) end = std::make_pair(day, end_min);
  };
  for (const PeakWindowRow& row : peak.windows) {
    if (!Valid(row)) continue;
    if (row.start_min < row.end_min) {
      if (OnDay(row, weekday) && minute >= row.start_min && minute < row.end_min) {
        take(today, row.end_min);
      }
    } else {
      if (OnDay(row, weekday) && minute >= row.start_min) take(today + 1, row.end_min);
      if (OnDay(row, yesterday) && minute < row.end_min) take(today, row.end_min);
    }
  }
  if (!end) return state;
  // Carried across the non-wrapping rows of the same day that start where (or before) it ends.
  for (bool extended = true; extended;) {
    extended = false;
    const int day = WeekdayOf(end->first);
    for (const PeakWindowRow& row : peak.windows) {
      if (!Valid(row) || row.start_min > row.end_min || !OnDay(row, day)) continue;
      if (row.start_min <= end->second && row.end_min > end->second) {
        end->second = row.end_min;
        extended = true;
      }
    }
  }
  state.in_peak = true;
  state.ends_at = absl::FromCivil(absl::CivilMinute(end->first) + end->second, peak.zone);
  return state;
}

int PeakTier(const ProviderPeak& peak, const PeakState& state,
             std::optional<double> provider_weekly) {
  if (!state.in_peak) return 0;
  if (peak.cap > 0 && peak.cap < 1 && provider_weekly && *provider_weekly >= peak.cap) return 2;
  return peak.depreference ? 1 : 0;
}

}  // namespace maxpool::core
