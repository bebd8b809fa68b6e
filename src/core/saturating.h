#pragma once

// Conversions of numbers that come from outside (headers, bodies, config) into integers and
// durations without undefined behaviour: NaN and infinities never reach a cast, and values past
// the target's range are clamped to it. Pure; header-only.

#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/time/time.h"

namespace maxpool::core {

// `value` truncated toward zero and clamped to [lo, hi]; `if_nan` for NaN.
inline int64_t SaturatingInt64(double value, int64_t lo = std::numeric_limits<int64_t>::min(),
                               int64_t hi = std::numeric_limits<int64_t>::max(),
                               int64_t if_nan = 0) {
  if (std::isnan(value)) return if_nan;
  // 2^63 is exactly representable; every double below it converts without overflow.
  constexpr double kTwo63 = 9223372036854775808.0;
  if (value >= kTwo63) return hi;
  if (value < -kTwo63) return lo;
  const int64_t truncated = static_cast<int64_t>(value);
  return truncated < lo ? lo : truncated > hi ? hi : truncated;
}

// `ms` milliseconds, clamped to [0, max]; zero for NaN.
inline absl::Duration ClampedMilliseconds(double ms, absl::Duration max) {
  if (std::isnan(ms) || ms <= 0) return absl::ZeroDuration();
  const absl::Duration d = absl::Milliseconds(ms);  // saturates to InfiniteDuration
  return d > max ? max : d;
}

}  // namespace maxpool::core
