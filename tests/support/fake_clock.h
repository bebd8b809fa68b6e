#pragma once

// A clock that only moves when a test moves it. Starts at a fixed, realistic instant so that
// epoch-based reset stamps in tests look like the real ones. Thread-safe: a component may read it
// on its own thread while the test moves it; every move wakes the component's waits
// (core::Clock::Subscribe).

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>

#include "absl/time/time.h"
#include "core/clock.h"

namespace maxpool::testing {

class FakeClock final : public core::Clock {
 public:
  // 2026-11-26T12:00:00Z.
  static absl::Time DefaultStart() { return absl::FromUnixSeconds(1795694400); }

  FakeClock() : now_(DefaultStart()) {}
  explicit FakeClock(absl::Time start) : now_(start) {}

  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      now_ += d;
    }
    NotifyMoved();
  }
  void Set(absl::Time t) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      now_ = t;
    }
    NotifyMoved();
  }

  uint64_t Subscribe(std::function<void()> on_moved) const override {
    std::lock_guard<std::mutex> lock(subscribers_mu_);
    subscribers_.emplace(++last_id_, std::move(on_moved));
    return last_id_;
  }
  void Unsubscribe(uint64_t id) const override {
    std::lock_guard<std::mutex> lock(subscribers_mu_);
    subscribers_.erase(id);
  }

 private:
  // Under subscribers_mu_, so that Unsubscribe() returns only once no call is running.
  void NotifyMoved() {
    std::lock_guard<std::mutex> lock(subscribers_mu_);
    for (const auto& [id, on_moved] : subscribers_) on_moved();
  }

  mutable std::mutex mu_;
  absl::Time now_;
  mutable std::mutex subscribers_mu_;
  mutable std::map<uint64_t, std::function<void()>> subscribers_;
  mutable uint64_t last_id_ = 0;
};

}  // namespace maxpool::testing
