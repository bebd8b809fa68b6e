#pragma once

// Graceful drain of the data plane (docs/architecture.md "Drain", spec §9): the state a ProxyServer
// shares with its exchanges, and the words clients see while it drains. The accept grace is
// measured on the pool's injected clock, so a test drives it with a fake clock.

#include <atomic>
#include <cstdint>
#include <limits>
#include <string_view>

#include "absl/time/time.h"
#include "core/clock.h"

namespace maxpool::proxy {

// Begin() and Abort() are called by the ProxyServer (any thread, serialised by its drain mutex);
// the flags are read lock-free by the workers: one load per request while not draining.
class DrainState {
 public:
  // `clock` must outlive the state.
  explicit DrainState(const core::Clock& clock) : clock_(clock) {}
  DrainState(const DrainState&) = delete;
  DrainState& operator=(const DrainState&) = delete;

  // Starts draining: new requests are refused once `accept_grace` has passed on the clock. False
  // (and nothing changes) when already draining: the first grace stands.
  bool Begin(absl::Duration accept_grace);
  // The drain deadline: running exchanges end, nothing is retried, new requests are refused from
  // now on (a grace still running ends). Starts the drain when Begin() was not called. Returns
  // what changed: `started` when this call began the drain, `aborted` false when it had already
  // been aborted (then nothing changes).
  struct AbortResult {
    bool started = false;
    bool aborted = false;
  };
  AbortResult Abort();

  // Past the accept grace: a new request gets the 503.
  bool Refusing() const {
    return draining.load(std::memory_order_acquire) &&
           absl::ToUnixNanos(clock_.Now()) >= refuse_from_.load(std::memory_order_relaxed);
  }

  // Read by anyone; written only by Begin() and Abort().
  std::atomic<bool> draining{false};
  // The drain deadline passed: running exchanges end, nothing is retried.
  std::atomic<bool> aborted{false};

 private:
  const core::Clock& clock_;
  // New requests are refused from this instant on (Unix nanoseconds on clock_).
  std::atomic<int64_t> refuse_from_{std::numeric_limits<int64_t>::max()};
};

// The 503 `overloaded_error` (with `retry-after: 1`) of a request that arrives after the accept
// grace, or that the drain deadline ended before anything was sent.
inline constexpr std::string_view kDrainingMessage =
    "maxpool is draining for shutdown; retry in a moment";
inline constexpr int kDrainingRetryAfterSeconds = 1;
// The final SSE `error` event (overloaded_error) of a response the drain deadline cut short.
inline constexpr std::string_view kShutdownMessage =
    "maxpool shut down before this response finished";

}  // namespace maxpool::proxy
