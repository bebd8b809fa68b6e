#pragma once

// maxpool.v1.RoutingService (proto/maxpool/v1/routing.proto) on the live pool: the policy
// (automatic or a preferred account, and the scheduler thresholds) and the session table. A
// policy change is validated in full, written to the config file (routing.mode,
// routing.preferredAccount, switchThreshold, scheduler.weekly*Threshold), then applied to the
// pool; new requests see it at once.

#include "control/control_env.h"
#include "maxpool/v1/routing.grpc.pb.h"

namespace maxpool::control {

class RoutingService final : public v1::RoutingService::Service {
 public:
  explicit RoutingService(ControlEnv env) : env_(std::move(env)) {}

  grpc::Status GetRoutingPolicy(grpc::ServerContext* context,
                                const v1::GetRoutingPolicyRequest* request,
                                v1::RoutingPolicy* response) override;
  grpc::Status UpdateRoutingPolicy(grpc::ServerContext* context,
                                   const v1::UpdateRoutingPolicyRequest* request,
                                   v1::RoutingPolicy* response) override;
  grpc::Status ListSessions(grpc::ServerContext* context, const v1::ListSessionsRequest* request,
                            v1::ListSessionsResponse* response) override;

 private:
  v1::RoutingPolicy CurrentPolicy() const;

  const ControlEnv env_;
};

}  // namespace maxpool::control
