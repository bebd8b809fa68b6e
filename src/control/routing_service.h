#pragma once

// maxpool.v1.RoutingService (proto/maxpool/v1/routing.proto) on the live pool: the policy
// (automatic or a preferred account, and the scheduler thresholds) and the session table. A
// policy change is validated in full, then goes through ControlWrites: written to the config file
// (routing.mode, routing.preferredAccount, switchThreshold, scheduler.weekly*Threshold, only the
// thresholds it changes), then applied to the pool; new requests see it at once and a restart
// keeps it. Every call goes through ControlCalls (control token, worker thread).

#include <memory>

#include "control/control_calls.h"
#include "control/control_env.h"
#include "control/control_writes.h"
#include "maxpool/v1/routing.grpc.pb.h"

namespace maxpool::control {

class RoutingService final : public v1::RoutingService::CallbackService {
 public:
  // `env` is copied; what its pointers point to must outlive the service.
  RoutingService(ControlEnv env, std::shared_ptr<ControlCalls> calls,
                 std::shared_ptr<ControlWrites> writes)
      : env_(std::move(env)), calls_(std::move(calls)), writes_(std::move(writes)) {}

  grpc::ServerUnaryReactor* GetRoutingPolicy(grpc::CallbackServerContext* context,
                                             const v1::GetRoutingPolicyRequest* request,
                                             v1::RoutingPolicy* response) override;
  grpc::ServerUnaryReactor* UpdateRoutingPolicy(grpc::CallbackServerContext* context,
                                                const v1::UpdateRoutingPolicyRequest* request,
                                                v1::RoutingPolicy* response) override;
  grpc::ServerUnaryReactor* ListSessions(grpc::CallbackServerContext* context,
                                         const v1::ListSessionsRequest* request,
                                         v1::ListSessionsResponse* response) override;

 private:
  // The bodies of the handlers above.
  grpc::Status GetPolicy(const v1::GetRoutingPolicyRequest* request, v1::RoutingPolicy* response);
  grpc::Status UpdatePolicy(const v1::UpdateRoutingPolicyRequest* request,
                            v1::RoutingPolicy* response);
  grpc::Status Sessions(const v1::ListSessionsRequest* request, v1::ListSessionsResponse* response);

  v1::RoutingPolicy CurrentPolicy() const;

  const ControlEnv env_;
  const std::shared_ptr<ControlCalls> calls_;
  const std::shared_ptr<ControlWrites> writes_;
};

}  // namespace maxpool::control
