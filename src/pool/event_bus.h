#pragma once

// pool::EventBus fans the pool's typed events (pool_event.h) out to subscribers: metrics,
// telemetry streams (one gRPC WatchEvents stream per subscriber) and logs (docs/architecture.md
// principle 2). The data plane publishes, so publishing never waits for a subscriber:
//
//   Publish() --(short mutex, bounded central queue)--> dispatcher thread owned by the bus
//     --(filter, then each subscriber's own bounded queue)--> Subscription::WaitNext()
//
// Loss is explicit, never silent. When a subscriber's queue is full, events for it are dropped
// and counted; it later receives, in order, an EventGap{count} where they were lost, then newer
// events. When the central queue is full (the dispatcher is behind), the events are dropped and
// every subscriber gets an EventGap at that point; it counts the lost events before filtering
// (they are gone before any filter sees them). Sequence numbers show every loss as a jump.
//
// Thread safety: every method of EventBus and Subscription may be called from any thread.
// Filters run on the dispatcher thread with no lock held. Lifecycle: the destructor stops and
// joins the dispatcher (events still queued are discarded) and closes every subscription; a
// Subscription may outlive the bus (WaitNext() then returns nullopt).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "pool/pool_event.h"

namespace maxpool::pool {

struct EventBusOptions {
  // Events published but not yet dispatched; beyond it Publish() drops and counts (the
  // subscribers get an EventGap). At least 16. Default: 8192.
  size_t queue_capacity = 8192;
};

struct SubscribeOptions {
  // Events kept for this subscriber while it does not read; at least 8 (smaller values are
  // raised). Default: 1024.
  size_t capacity = 1024;
  // Only these kinds; empty = all.
  std::vector<EventKind> kinds;
  // Only events about these accounts (PoolEvent::account()); empty = all. Events about no
  // account (holds, drain, a request no account served) always pass this filter.
  std::vector<std::string> accounts;
  // Called on the dispatcher thread, after the two filters above, for each event; false drops
  // it (not counted as lost). Must be cheap, must not throw, must not call into the bus, and
  // must own what it captures (it may run once more after Close() returns). Default: none.
  std::function<bool(const PoolEvent&)> filter;
};

class Subscription;

class EventBus {
 public:
  // `clock` stamps PoolEvent::at (the pool's injected clock); it must outlive the bus.
  explicit EventBus(const core::Clock& clock, EventBusOptions options = {});
  ~EventBus();

  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Stamps `body` with the next sequence number and clock.Now(), and queues it for the
  // dispatcher. O(1): one short mutex, no allocation in the steady state, never waits for a
  // subscriber. Returns the sequence number (assigned even when the event is dropped: a full
  // central queue, no subscribers, or a bus being destroyed).
  uint64_t Publish(PoolEventBody body);
  // Publishes `bodies` in order under one lock; consecutive sequence numbers. No-op when empty.
  void Publish(std::vector<PoolEventBody>&& bodies);

  // A new subscriber. It receives the events published after Subscribe() returns that pass its
  // filters, in sequence order. Dropping the last shared_ptr (or Close()) unsubscribes it.
  std::shared_ptr<Subscription> Subscribe(SubscribeOptions options = {});

  // Current subscribers (for status).
  int subscribers() const;

  // Blocks until every event published before the call has been handed to the subscribers'
  // queues (or dropped). For tests and orderly shutdown: under a steady stream of Publish()
  // calls it still returns, once the dispatcher has passed the events published before it.
  void Flush();

  struct Core;   // shared with the subscriptions (event_bus.cc)
  struct Inbox;  // one subscriber's queue (event_bus.cc)

 private:
  std::shared_ptr<Core> core_;
  std::thread dispatcher_;  // last: started once everything else is built
};

// One subscriber's end of the bus. Typically one thread reads it (a gRPC stream); concurrent
// readers each get different items.
class Subscription {
 public:
  ~Subscription();  // Close()
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // The next event or gap marker, waiting up to `timeout` of real time (absl::ZeroDuration(): do
  // not wait; absl::InfiniteDuration(): until something arrives or Close()). nullopt on timeout,
  // after Close() (even with items left), and once the bus is destroyed.
  std::optional<Delivery> WaitNext(absl::Duration timeout);

  // Unsubscribes: no more events are queued, and a WaitNext() blocked in another thread returns
  // nullopt at once. Idempotent.
  void Close();
  bool closed() const;

  // Events lost for this subscriber so far (the sum of the gaps queued or pending).
  uint64_t dropped() const;

 private:
  friend class EventBus;
  Subscription(std::shared_ptr<EventBus::Inbox> inbox, std::weak_ptr<EventBus::Core> core);

  const std::shared_ptr<EventBus::Inbox> inbox_;
  const std::weak_ptr<EventBus::Core> core_;
};

}  // namespace maxpool::pool
