#pragma once

// maxpool.v1.LifecycleService (proto/maxpool/v1/lifecycle.proto): status, drain and config
// reload, through the process's ServerHooks.

#include "control/control_env.h"
#include "maxpool/v1/lifecycle.grpc.pb.h"

namespace maxpool::control {

class LifecycleService final : public v1::LifecycleService::Service {
 public:
  explicit LifecycleService(ControlEnv env) : env_(std::move(env)) {}

  grpc::Status GetStatus(grpc::ServerContext* context, const v1::GetStatusRequest* request,
                         v1::GetStatusResponse* response) override;
  grpc::Status Drain(grpc::ServerContext* context, const v1::DrainRequest* request,
                     v1::DrainResponse* response) override;
  grpc::Status ReloadConfig(grpc::ServerContext* context, const v1::ReloadConfigRequest* request,
                            v1::ReloadConfigResponse* response) override;

 private:
  const ControlEnv env_;
};

}  // namespace maxpool::control
