#pragma once

// The time source of the routing core. Every time-dependent decision in src/core reads the time
// through a Clock that its owner injects, so unit tests drive time with a fake clock instead of
// sleeping. Implementations must be safe to call from any thread.

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace maxpool::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time. Quota resets and cooldowns are wall-clock instants (the upstream sends epoch
  // stamps), so the core uses one clock for both.
  virtual absl::Time Now() const = 0;
};

// The real clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace maxpool::core
