#include "control/snapshot_ticker.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace maxpool::control {

SnapshotTicker::SnapshotTicker(std::function<v1::PoolSnapshot()> take)
    : take_(std::move(take)), thread_([this] { Run(); }) {}

SnapshotTicker::~SnapshotTicker() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void SnapshotTicker::Add(SnapshotSink* sink, absl::Duration interval) {
  absl::MutexLock lock(&mu_);
  sinks_[sink] = Schedule{interval, absl::Now()};
  ++additions_;
}

void SnapshotTicker::Remove(SnapshotSink* sink) {
  absl::MutexLock lock(&mu_);
  sinks_.erase(sink);
}

void SnapshotTicker::Run() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    absl::Time next = absl::InfiniteFuture();
    for (const auto& [sink, schedule] : sinks_) next = std::min(next, schedule.due);
    // Sleeps until the earliest turn, or until a sink is added or the ticker stops (the mutex's
    // condition is re-evaluated whenever the mutex is released).
    const uint64_t additions = additions_;
    auto changed = [this, additions]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || additions_ != additions;
    };
    if (next - absl::Now() > kCoalesce / 2 &&
        mu_.AwaitWithDeadline(absl::Condition(&changed), next)) {
      continue;
    }
    if (stopping_ || sinks_.empty()) continue;
    // The pool is read without the mutex: Add() and Remove() do not wait for it.
    mu_.Unlock();
    auto snapshot = std::make_shared<const v1::PoolSnapshot>(take_());
    mu_.Lock();
    const absl::Time now = absl::Now();
    for (auto& [sink, schedule] : sinks_) {
      if (schedule.due > now + kCoalesce) continue;
      sink->Deliver(snapshot);
      // The next turn keeps its phase; a ticker that fell behind does not try to catch up.
      schedule.due += schedule.interval;
      if (schedule.due <= now) schedule.due = now + schedule.interval;
    }
  }
}

}  // namespace maxpool::control
