#pragma once

// Drives every TelemetryService.WatchPool stream from one thread: each registered sink gets a
// pool snapshot at once, then one per its interval. Sinks whose turn falls within a few
// milliseconds of each other share one snapshot, so the pool is read at most a few dozen times a
// second however many streams are open. Turns are instants of the injected clock (the pool's);
// the thread sleeps until the earliest one and is never woken by a timer otherwise. With
// Drive::kByCaller there is no thread: the caller delivers the due turns (RunDue()), so that a
// test drives the ticker with a fake clock.
//
// Thread safety: every method may be called from any thread. Deliver() runs on the ticker's
// thread (or RunDue()'s caller) with the ticker's mutex held: it must not block and must not
// call Add() or Remove(). Lifecycle: the destructor stops and joins the thread; every sink must
// be removed before; the clock must outlive the ticker.

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "maxpool/v1/telemetry.pb.h"

namespace maxpool::control {

// What receives the snapshots (a WatchPool stream).
class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  // A new snapshot, shared with other sinks (never modified). Must return at once.
  virtual void Deliver(std::shared_ptr<const v1::PoolSnapshot> snapshot) = 0;
};

class SnapshotTicker {
 public:
  // Sinks due within this time of each other share one snapshot.
  static constexpr absl::Duration kCoalesce = absl::Milliseconds(20);

  enum class Drive {
    kOwnThread,  // a thread of the ticker's delivers every turn when it is due
    kByCaller,   // nothing happens until RunDue()
  };

  // `take` reads the pool; it runs on the ticker's thread without the ticker's mutex.
  SnapshotTicker(std::function<v1::PoolSnapshot()> take, const core::Clock& clock,
                 Drive drive = Drive::kOwnThread);
  ~SnapshotTicker();

  SnapshotTicker(const SnapshotTicker&) = delete;
  SnapshotTicker& operator=(const SnapshotTicker&) = delete;

  // Registers `sink` for a snapshot now and then every `interval`. REQUIRES: interval > 0, and
  // `sink` not registered.
  void Add(SnapshotSink* sink, absl::Duration interval);
  // Unregisters `sink`; once it returns, Deliver() is neither running nor called again for it.
  // A no-op for a sink that is not registered.
  void Remove(SnapshotSink* sink);

  // Delivers every turn due at the clock's now (one snapshot, shared), on the calling thread.
  // For Drive::kByCaller; with kOwnThread it only delivers early what the thread would.
  void RunDue();

 private:
  struct Schedule {
    absl::Duration interval;
    absl::Time due;
  };

  void Run();
  // The earliest turn of a sink; InfiniteFuture without sinks.
  absl::Time NextTurnLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes a snapshot (with mu_ released meanwhile) and delivers it to every sink due.
  void DeliverDueLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::function<v1::PoolSnapshot()> take_;
  const core::Clock& clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<SnapshotSink*, Schedule> sinks_ ABSL_GUARDED_BY(mu_);
  uint64_t additions_ ABSL_GUARDED_BY(mu_) = 0;  // Add() calls so far: wakes the thread
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: started once everything else is built (kOwnThread)
};

}  // namespace maxpool::control
