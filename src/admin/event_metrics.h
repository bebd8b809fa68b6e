#pragma once

// admin::EventMetrics feeds admin::Metrics from the pool's EventBus (docs/architecture.md principle
// 2: metrics are subscribers, not callers). Its own thread reads one Subscription and calls
// Metrics::Record() for each event; an EventGap (the subscriber fell behind) adds its count to
// maxpool_metrics_events_dropped_total.
//
// Thread safety: every method may be called from any thread. Lifecycle: the Metrics must outlive
// this object; the bus need not (the subscription then ends and the thread waits for Stop()).
// The destructor stops and joins.

#include <cstdint>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "admin/metrics.h"
#include "pool/event_bus.h"

namespace maxpool::admin {

class EventMetrics {
 public:
  // Subscribes to `bus` now (so that no event published after construction is missed) with a
  // queue of `capacity` events; Start() begins reading.
  EventMetrics(pool::EventBus& bus, Metrics& metrics, size_t capacity = 8192);
  ~EventMetrics();

  EventMetrics(const EventMetrics&) = delete;
  EventMetrics& operator=(const EventMetrics&) = delete;

  // Starts the reading thread. Idempotent; does nothing after Stop().
  void Start();
  // Unsubscribes and joins the thread; events not yet read are not recorded. Idempotent.
  void Stop();

  // For tests and orderly shutdown: flushes the bus, then waits up to `timeout` until this
  // subscriber has recorded every event the bus handed it before the flush. False on timeout
  // (also when the last of those events were lost to a full queue, or before Start()).
  bool Flush(absl::Duration timeout = absl::Seconds(5));
  // Waits up to `timeout` until the event with this sequence number (Publish()'s result), or a
  // later one, has been recorded. False on timeout.
  bool WaitRecorded(uint64_t sequence, absl::Duration timeout = absl::Seconds(5));

  // Events recorded so far.
  uint64_t recorded() const;

 private:
  // What the bus's dispatcher saw for this subscriber; written by the subscription's filter.
  struct Seen;

  void Run();

  pool::EventBus& bus_;
  Metrics& metrics_;
  std::shared_ptr<Seen> seen_;
  std::shared_ptr<pool::Subscription> subscription_;

  mutable absl::Mutex mu_;
  uint64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;  // of the last event recorded
  uint64_t recorded_ ABSL_GUARDED_BY(mu_) = 0;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;        // started by Start(), joined by Stop()
  absl::Mutex lifecycle_mu_;  // serialises Start() and Stop()
};

}  // namespace maxpool::admin
