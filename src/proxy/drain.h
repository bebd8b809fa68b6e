#pragma once

// Graceful drain of the data plane (docs/architecture.md "Drain", spec §9): the state a ProxyServer
// shares with its exchanges, and the words clients see while it drains. Header-only.

#include <atomic>
#include <chrono>
#include <limits>
#include <string_view>

namespace maxpool::proxy {

// Written by ProxyServer::BeginDrain() and AbortInFlight() (any thread, under the server's drain
// mutex); read lock-free by the workers: one load per request while not draining.
struct DrainState {
  using Clock = std::chrono::steady_clock;

  std::atomic<bool> draining{false};
  // The drain deadline passed: running exchanges end, nothing is retried.
  std::atomic<bool> aborted{false};
  // New requests are refused from this instant on (Clock ticks since its epoch).
  std::atomic<Clock::rep> refuse_from{std::numeric_limits<Clock::rep>::max()};

  // Past the accept grace: a new request gets the 503.
  bool Refusing() const {
    return draining.load(std::memory_order_acquire) &&
           Clock::now().time_since_epoch().count() >= refuse_from.load(std::memory_order_relaxed);
  }
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
