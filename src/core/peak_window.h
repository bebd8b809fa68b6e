#pragma once

// A provider's peak hours (spec §12.3): z.ai bills them at double cost, so during its peak a
// provider's accounts are ranked after every account that is not in peak, and with a cap of 0 not
// used at all until the window ends. Windows are wall-clock rows in an IANA zone. Pure functions
// of the settings and `now`; safe from any thread.

#include <optional>
#include <vector>

#include "absl/time/time.h"

namespace maxpool::core {

// One row: on each of `days` (0 = Sunday .. 6 = Saturday), from `start_min` (inclusive) to
// `end_min` (exclusive), minutes after local midnight. Valid only when 0 <= start < 1440,
// 0 < end <= 1440, end != start and at least one day is 0..6; an invalid row never matches.
// end < start wraps past midnight: its second part belongs to the day after a listed day.
struct PeakWindowRow {
  std::vector<int> days;
  int start_min = 0;
  int end_min = 0;
};

struct ProviderPeak {
  absl::TimeZone zone;  // the windows' zone (the machine's when the configured one is unknown)
  std::vector<PeakWindowRow> windows;  // none: never peak
  double cap = 0.5;          // weekly use (0..1) above which a provider in peak is ranked last
  bool depreference = true;  // rank it after non-peak accounts during its peak
};

struct PeakState {
  bool in_peak = false;
  // When the peak ends: the latest end among the matching rows, carried across rows that start
  // where it ends on the same day. Meaningful only when in_peak.
  absl::Time ends_at;
};

PeakState EvaluatePeak(const ProviderPeak& peak, absl::Time now);

// How far down a provider account in `state` is ranked: 0 = not in peak; 2 = in peak with
// 0 < cap < 1 and its weekly use (`provider_weekly`, unknown fails open) at or above the cap;
// 1 = in peak with de-preference on; else 0. Effective priority adds tier x kPeakTierWeight.
int PeakTier(const ProviderPeak& peak, const PeakState& state,
             std::optional<double> provider_weekly);
inline constexpr double kPeakTierWeight = 1'000'000;

// Whether a provider in `state` is barred outright (cap 0 during its peak).
inline bool PeakBarred(const ProviderPeak& peak, const PeakState& state) {
  return state.in_peak && peak.cap <= 0;
}

}  // namespace maxpool::core
