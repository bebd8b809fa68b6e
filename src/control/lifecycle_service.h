#pragma once

// maxpool.v1.LifecycleService (proto/maxpool/v1/lifecycle.proto): status, drain and config
// reload, through the process's ServerHooks. Every call goes through ControlCalls (control
// token, worker thread).

#include <memory>

#include "control/control_calls.h"
#include "control/control_env.h"
#include "maxpool/v1/lifecycle.grpc.pb.h"

namespace maxpool::control {

class LifecycleService final : public v1::LifecycleService::CallbackService {
 public:
  // `env` is copied; what its pointers point to must outlive the service.
  LifecycleService(ControlEnv env, std::shared_ptr<ControlCalls> calls)
      : env_(std::move(env)), calls_(std::move(calls)) {}

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context,
                                      const v1::GetStatusRequest* request,
                                      v1::GetStatusResponse* response) override;
  grpc::ServerUnaryReactor* Drain(grpc::CallbackServerContext* context,
                                  const v1::DrainRequest* request,
                                  v1::DrainResponse* response) override;
  grpc::ServerUnaryReactor* ReloadConfig(grpc::CallbackServerContext* context,
                                         const v1::ReloadConfigRequest* request,
                                         v1::ReloadConfigResponse* response) override;

 private:
  // The bodies of the handlers above.
  grpc::Status ReadStatus(const v1::GetStatusRequest* request, v1::GetStatusResponse* response);
  grpc::Status StartDrain(const v1::DrainRequest* request, v1::DrainResponse* response);
  grpc::Status Reload(const v1::ReloadConfigRequest* request, v1::ReloadConfigResponse* response);

  const ControlEnv env_;
  const std::shared_ptr<ControlCalls> calls_;
};

}  // namespace maxpool::control
