#pragma once

// Tells TelemetryService.WatchEvents streams, from one thread for all of them, that their
// pool::Subscription has something to read, so that no stream needs a thread that waits on its
// subscription. Each stream attaches a Bell and subscribes with RingingFilter(bell):
//
//   dispatcher thread of the EventBus --(the filter rings the bell: an atomic flag, and the bell
//     queued once)--> the waker's thread: EventBus::Flush() (the rung event is now in the
//     subscriber's queue) --> WakeTarget::Wake() of each rung bell's stream
//
// Wake() then reads the subscription without waiting. A loss in the bus's central queue that
// no event of the subscriber follows is seen by the subscriber with its next event (or its next
// write), since only events ring.
//
// Thread safety: every method may be called from any thread; Wake() runs on the waker's thread
// with the bell's mutex held. Lifecycle: the bus must outlive the waker; the destructor stops
// and joins its thread; every bell must be detached before.

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "pool/event_bus.h"

namespace maxpool::control {

// What a bell wakes (a WatchEvents stream).
class WakeTarget {
 public:
  virtual ~WakeTarget() = default;
  // The subscription may have something new. Must return at once; must not call Detach().
  virtual void Wake() = 0;
};

class EventWaker {
 public:
  class Bell;

  explicit EventWaker(pool::EventBus& bus);
  ~EventWaker();

  EventWaker(const EventWaker&) = delete;
  EventWaker& operator=(const EventWaker&) = delete;

  // A bell that wakes `target` until it is detached.
  std::shared_ptr<Bell> Attach(WakeTarget* target);

  // A pool::SubscribeOptions::filter that lets every event through and rings `bell`. It owns
  // what it captures, so it may run after the bell is detached (it then rings for nothing).
  static std::function<bool(const pool::PoolEvent&)> RingingFilter(std::shared_ptr<Bell> bell);

  struct Queue;  // the rung bells, shared with the bells (event_waker.cc)

 private:
  void Run();

  pool::EventBus& bus_;
  const std::shared_ptr<Queue> queue_;
  std::thread thread_;  // last: started once everything else is built
};

class EventWaker::Bell : public std::enable_shared_from_this<EventWaker::Bell> {
 public:
  Bell(std::shared_ptr<Queue> queue, WakeTarget* target)
      : queue_(std::move(queue)), target_(target) {}

  // Queues the bell for the waker's thread unless it is queued already. Cheap; any thread.
  void Ring();
  // Stops waking the target; once it returns, Wake() is neither running nor called again.
  void Detach();

 private:
  friend class EventWaker;
  // Waker's thread: wakes the target, if still attached.
  void WakeAttached();

  const std::shared_ptr<Queue> queue_;
  std::atomic<bool> queued_{false};
  absl::Mutex mu_;
  WakeTarget* target_ ABSL_GUARDED_BY(mu_);
};

}  // namespace maxpool::control
