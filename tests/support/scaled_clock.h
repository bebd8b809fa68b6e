#pragma once

// A clock that runs `scale` times faster than the real one, from the real time at construction.
// For tests of budgets counted in tens of seconds (the network soak, cooldowns): the pool decides
// on this clock while its sleeps stay real and short, so a 45 s budget passes in about 2 s at a
// scale of 20. Thread-safe. Header-only.

#include <chrono>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/clock.h"

namespace maxpool::testing {

class ScaledClock final : public core::Clock {
 public:
  explicit ScaledClock(double scale)
      : scale_(scale), start_(absl::Now()), steady_start_(std::chrono::steady_clock::now()) {}

  absl::Time Now() const override {
    const auto real = std::chrono::steady_clock::now() - steady_start_;
    return start_ + absl::FromChrono(real) * scale_;
  }

 private:
  double scale_;
  absl::Time start_;
  std::chrono::steady_clock::time_point steady_start_;
};

}  // namespace maxpool::testing
