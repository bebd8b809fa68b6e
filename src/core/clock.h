#pragma once

// The time source of the routing core. Every time-dependent decision in src/core reads the time
// through a Clock that its owner injects, so unit tests drive time with a fake clock instead of
// sleeping. Implementations must be safe to call from any thread.
//
// A thread that waits for an instant on a Clock (the config watcher, for one) subscribes to it:
// a clock that moves in jumps (a test's fake clock) calls every subscriber after each move, so
// the waiter re-reads Now() instead of waiting out real time. The real clock moves on its own and
// never calls them; subscribing to it costs nothing.

#include <cstdint>
#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace maxpool::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time. Quota resets and cooldowns are wall-clock instants (the upstream sends epoch
  // stamps), so the core uses one clock for both.
  virtual absl::Time Now() const = 0;

  // `on_moved` is called (on the thread that moved the clock) after every jump of a clock that
  // jumps; it must be quick and must not call back into the clock. Returns an id for
  // Unsubscribe(); once Unsubscribe() returns, `on_moved` is not running and is never called
  // again. Any thread.
  virtual uint64_t Subscribe(std::function<void()> on_moved) const {
    static_cast<void>(on_moved);
    return 0;
  }
  virtual void Unsubscribe(uint64_t id) const { static_cast<void>(id); }
};

// The real clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace maxpool::core
