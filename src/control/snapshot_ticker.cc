#include "control/snapshot_ticker.h"

#include <algorithm>
#include <utility>

namespace maxpool::control {

SnapshotTicker::SnapshotTicker(std::function<v1::PoolSnapshot()> take, const core::Clock& clock,
                               Drive drive)
    : take_(std::move(take)), clock_(clock) {
  if (drive == Drive::kOwnThread) thread_ = std::thread([this] { Run(); });
}

SnapshotTicker::~SnapshotTicker() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void SnapshotTicker::Add(SnapshotSink* sink, absl::Duration interval) {
  absl::MutexLock lock(&mu_);
  sinks_[sink] = Schedule{interval, clock_.Now()};
  ++additions_;
}

void SnapshotTicker::Remove(SnapshotSink* sink) {
  absl::MutexLock lock(&mu_);
  sinks_.erase(sink);
}

void SnapshotTicker::RunDue() {
  absl::MutexLock lock(&mu_);
  if (stopping_ || sinks_.empty()) return;
  if (NextTurnLocked() - clock_.Now() > kCoalesce / 2) return;
  DeliverDueLocked();
}

absl::Time SnapshotTicker::NextTurnLocked() const {
  absl::Time next = absl::InfiniteFuture();
  for (const auto& [sink, schedule] : sinks_) next = std::min(next, schedule.due);
  return next;
}

void SnapshotTicker::Run() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    // Sleeps until the earliest turn, or until a sink is added or the ticker stops (the mutex's
    // condition is re-evaluated whenever the mutex is released).
    const absl::Duration wait = NextTurnLocked() - clock_.Now();
    const uint64_t additions = additions_;
    auto changed = [this, additions]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || additions_ != additions;
    };
    if (wait > kCoalesce / 2 && mu_.AwaitWithTimeout(absl::Condition(&changed), wait)) continue;
    if (stopping_ || sinks_.empty()) continue;
    if (NextTurnLocked() - clock_.Now() > kCoalesce / 2) continue;  // a sink left meanwhile
    DeliverDueLocked();
  }
}

void SnapshotTicker::DeliverDueLocked() {
  // The pool is read without the mutex: Add() and Remove() do not wait for it.
  mu_.Unlock();
  auto snapshot = std::make_shared<const v1::PoolSnapshot>(take_());
  mu_.Lock();
  const absl::Time now = clock_.Now();
  for (auto& [sink, schedule] : sinks_) {
    if (schedule.due > now + kCoalesce) continue;
    sink->Deliver(snapshot);
    // The next turn keeps its phase; a ticker that fell behind does not try to catch up.
    schedule.due += schedule.interval;
    if (schedule.due <= now) schedule.due = now + schedule.interval;
  }
}

}  // namespace maxpool::control
