#pragma once

// Drives every TelemetryService.WatchPool stream from one thread: each registered sink gets a
// pool snapshot at once, then one per its interval. Sinks whose turn falls within a few
// milliseconds of each other share one snapshot, so the pool is read at most a few dozen times a
// second however many streams are open. Intervals run on the real clock.
//
// Thread safety: every method may be called from any thread. Deliver() runs on the ticker's
// thread with the ticker's mutex held: it must not block and must not call Add() or Remove().
// Lifecycle: the destructor stops and joins the thread; every sink must be removed before.

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
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

  // `take` reads the pool; it runs on the ticker's thread without the ticker's mutex.
  explicit SnapshotTicker(std::function<v1::PoolSnapshot()> take);
  ~SnapshotTicker();

  SnapshotTicker(const SnapshotTicker&) = delete;
  SnapshotTicker& operator=(const SnapshotTicker&) = delete;

  // Registers `sink` for a snapshot now and then every `interval`. REQUIRES: interval > 0, and
  // `sink` not registered.
  void Add(SnapshotSink* sink, absl::Duration interval);
  // Unregisters `sink`; once it returns, Deliver() is neither running nor called again for it.
  // A no-op for a sink that is not registered.
  void Remove(SnapshotSink* sink);

 private:
  struct Schedule {
    absl::Duration interval;
    absl::Time due;
  };

  void Run();

  const std::function<v1::PoolSnapshot()> take_;
  absl::Mutex mu_;
  absl::flat_hash_map<SnapshotSink*, Schedule> sinks_ ABSL_GUARDED_BY(mu_);
  uint64_t additions_ ABSL_GUARDED_BY(mu_) = 0;  // Add() calls so far: wakes the thread
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: started once everything else is built
};

}  // namespace maxpool::control
