#pragma once

// A clock that only moves when a test moves it. Starts at a fixed, realistic instant so that
// epoch-based reset stamps in tests look like the real ones.

#include "absl/time/time.h"
#include "core/clock.h"

namespace maxpool::testing {

class FakeClock final : public core::Clock {
 public:
  // 2026-11-26T12:00:00Z.
  static absl::Time DefaultStart() { return absl::FromUnixSeconds(1795694400); }

  FakeClock() : now_(DefaultStart()) {}
  explicit FakeClock(absl::Time start) : now_(start) {}

  absl::Time Now() const override { return now_; }
  void Advance(absl::Duration d) { now_ += d; }
  void Set(absl::Time t) { now_ = t; }

 private:
  absl::Time now_;
};

}  // namespace maxpool::testing
