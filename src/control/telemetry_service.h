#pragma once

// maxpool.v1.TelemetryService (proto/maxpool/v1/telemetry.proto): pool snapshots, a snapshot
// stream at an interval, and the event stream. Each WatchEvents stream is one subscriber of the
// pool's EventBus with its own bounded queue: a client that stops reading only fills its own
// queue, then receives a gap marker with the number of events it missed; the data plane never
// waits for it. Streams end when the client cancels or the server shuts down.

#include "control/control_env.h"
#include "maxpool/v1/telemetry.grpc.pb.h"

namespace maxpool::control {

class TelemetryService final : public v1::TelemetryService::Service {
 public:
  explicit TelemetryService(ControlEnv env) : env_(std::move(env)) {}

  grpc::Status GetPoolSnapshot(grpc::ServerContext* context,
                               const v1::GetPoolSnapshotRequest* request,
                               v1::PoolSnapshot* response) override;
  grpc::Status WatchPool(grpc::ServerContext* context, const v1::WatchPoolRequest* request,
                         grpc::ServerWriter<v1::PoolSnapshot>* writer) override;
  grpc::Status WatchEvents(grpc::ServerContext* context, const v1::WatchEventsRequest* request,
                           grpc::ServerWriter<v1::WatchEventsResponse>* writer) override;

 private:
  v1::PoolSnapshot Snapshot() const;

  const ControlEnv env_;
};

}  // namespace maxpool::control
