#pragma once

// One TelemetryService.WatchEvents stream (gRPC callback API): a subscriber of the pool's
// EventBus whose deliveries are written as they arrive, with no thread of its own. The bus keeps
// the stream's bounded queue: a client that reads slowly only fills it, then gets a gap marker
// with the number of events it missed (pool/event_bus.h). The EventWaker tells the stream when
// its queue has something; the stream then writes, one message in flight at a time, until the
// queue is empty.
//
// The stream ends when the client cancels or goes away, when the server shuts down (gRPC cancels
// it), or with OK when the bus is destroyed. It deletes itself (OnDone) after unsubscribing,
// detaching its bell and freeing its WatchLimit slot.
//
// Thread safety: reactions, Wake() and the constructor synchronise on one mutex.

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "control/event_waker.h"
#include "control/watch_limit.h"
#include "grpcpp/support/server_callback.h"
#include "maxpool/v1/telemetry.pb.h"
#include "pool/event_bus.h"

namespace maxpool::control {

class EventWatch final : public grpc::ServerWriteReactor<v1::WatchEventsResponse>,
                         public WakeTarget {
 public:
  // Subscribes to `bus` with `options` (its filter is replaced by the waker's bell) and sends
  // the response headers at once, so a client knows it is subscribed before the first event.
  // `waker` must outlive the stream.
  EventWatch(pool::EventBus& bus, pool::SubscribeOptions options, EventWaker& waker,
             WatchLimit::Slot slot);

  // WakeTarget
  void Wake() override;

  // grpc::ServerWriteReactor
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Starts writing the next delivery, if any and no write is in flight.
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::shared_ptr<EventWaker::Bell> bell_;
  std::shared_ptr<pool::Subscription> subscription_ ABSL_GUARDED_BY(mu_);
  v1::WatchEventsResponse message_ ABSL_GUARDED_BY(mu_);  // the write in flight
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  WatchLimit::Slot slot_;
};

}  // namespace maxpool::control
