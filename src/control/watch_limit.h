#pragma once

// The cap on watch streams (TelemetryService.WatchPool and WatchEvents together) open at once,
// `control.maxWatchStreams`. Each open stream holds a Slot; destroying the Slot frees its place.
// A stream that finds no free place is refused with RESOURCE_EXHAUSTED (Exhausted()), so that no
// client of the control plane, the read-only dashboard token included, can open enough streams
// to starve the server. Thread-safe; the limit must outlive its slots.

#include <atomic>
#include <optional>

#include "grpcpp/support/status.h"

namespace maxpool::control {

class WatchLimit {
 public:
  // One open stream's place. Move-only; releases the place when destroyed.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : limit_(other.limit_) { other.limit_ = nullptr; }
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class WatchLimit;
    explicit Slot(WatchLimit* limit) : limit_(limit) {}
    WatchLimit* limit_;
  };

  // REQUIRES: max_streams > 0.
  explicit WatchLimit(int max_streams) : max_streams_(max_streams) {}

  WatchLimit(const WatchLimit&) = delete;
  WatchLimit& operator=(const WatchLimit&) = delete;

  // A place for one more stream, or nullopt when max_streams() are open.
  std::optional<Slot> TryAcquire();

  // RESOURCE_EXHAUSTED, naming the limit and the config key that sets it.
  grpc::Status Exhausted() const;

  int max_streams() const { return max_streams_; }
  int open() const { return open_.load(std::memory_order_relaxed); }

 private:
  const int max_streams_;
  std::atomic<int> open_{0};
};

}  // namespace maxpool::control
