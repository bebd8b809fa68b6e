#pragma once

// maxpool.v1.TelemetryService (proto/maxpool/v1/telemetry.proto) on gRPC's callback API: pool
// snapshots, a snapshot stream at an interval (PoolWatch), and the event stream (EventWatch). No
// stream holds a thread: one SnapshotTicker thread drives every WatchPool stream, and one
// EventWaker thread tells every WatchEvents stream when its bounded queue on the pool's EventBus
// has something; gRPC's callback threads do the writes. A client that stops reading only fills
// its own queue, then receives a gap marker with the number of events it missed; the data plane
// never waits for it.
//
// Every call goes through ControlCalls (the control token; GetPoolSnapshot on a worker thread). At
// most env.max_watch_streams watch streams (both kinds together) are open at once; one more is
// refused with RESOURCE_EXHAUSTED. Streams end when the client cancels or the server shuts down
// (gRPC then cancels them).
//
// Lifecycle: the gRPC server must be shut down (every stream done) before the service is
// destroyed; the destructor stops the ticker and waker threads.

#include <memory>

#include "control/control_calls.h"
#include "control/control_env.h"
#include "control/event_waker.h"
#include "control/snapshot_ticker.h"
#include "control/watch_limit.h"
#include "maxpool/v1/telemetry.grpc.pb.h"

namespace maxpool::control {

class TelemetryService final : public v1::TelemetryService::CallbackService {
 public:
  // REQUIRES: env.max_watch_streams > 0. `env` is copied; what its pointers point to must
  // outlive the service.
  TelemetryService(ControlEnv env, std::shared_ptr<ControlCalls> calls);

  grpc::ServerUnaryReactor* GetPoolSnapshot(grpc::CallbackServerContext* context,
                                            const v1::GetPoolSnapshotRequest* request,
                                            v1::PoolSnapshot* response) override;
  grpc::ServerWriteReactor<v1::PoolSnapshot>* WatchPool(
      grpc::CallbackServerContext* context, const v1::WatchPoolRequest* request) override;
  grpc::ServerWriteReactor<v1::WatchEventsResponse>* WatchEvents(
      grpc::CallbackServerContext* context, const v1::WatchEventsRequest* request) override;

 private:
  v1::PoolSnapshot Snapshot() const;

  const ControlEnv env_;
  const std::shared_ptr<ControlCalls> calls_;
  WatchLimit limit_;
  SnapshotTicker ticker_;
  EventWaker waker_;
};

}  // namespace maxpool::control
