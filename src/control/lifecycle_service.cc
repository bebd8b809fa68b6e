#include "control/lifecycle_service.h"

#include "absl/strings/str_cat.h"
#include "control/grpc_status.h"
#include "control/time_proto.h"

namespace maxpool::control {

grpc::Status LifecycleService::ReadStatus(const v1::GetStatusRequest* /*request*/,
                                          v1::GetStatusResponse* response) {
  const ServerStatusView status = env_.hooks->Status();
  response->set_version(status.version);
  SetTimestamp(status.start_time, response->mutable_start_time());
  SetDuration(absl::Now() - status.start_time, response->mutable_uptime());
  for (const v1::Listener& listener : status.listeners) *response->add_listeners() = listener;
  response->set_draining(status.draining);
  if (status.draining) SetTimestamp(status.drain_deadline, response->mutable_drain_deadline());
  response->set_in_flight(status.in_flight);
  response->set_held(status.held);
  response->set_accounts(static_cast<int32_t>(env_.pool->Snapshot().size()));
  response->set_config_path(status.config_path);
  return grpc::Status::OK;
}

grpc::Status LifecycleService::StartDrain(const v1::DrainRequest* request,
                                          v1::DrainResponse* response) {
  std::vector<FieldViolation> violations;
  absl::Duration deadline = env_.hooks->DefaultDrainDeadline();
  if (request->has_deadline()) {
    deadline = FromDuration(request->deadline());
    if (deadline < absl::Seconds(1) || deadline > absl::Hours(24)) {
      violations.push_back({"deadline", absl::StrCat("must be between 1s and 24h, got ",
                                                     absl::FormatDuration(deadline))});
    }
  }
  const absl::Duration grace = FromDuration(request->accept_grace());
  if (grace < absl::ZeroDuration() || grace >= deadline) {
    violations.push_back({"accept_grace", absl::StrCat("must be at least 0 and less than the "
                                                       "deadline (",
                                                       absl::FormatDuration(deadline), "), got ",
                                                       absl::FormatDuration(grace))});
  }
  if (!violations.empty()) return InvalidArgument(violations);
  const DrainStarted started = env_.hooks->Drain(deadline, grace);
  SetTimestamp(started.deadline, response->mutable_deadline_time());
  response->set_in_flight(started.in_flight);
  response->set_already_draining(started.already_draining);
  return grpc::Status::OK;
}

grpc::Status LifecycleService::Reload(const v1::ReloadConfigRequest* /*request*/,
                                      v1::ReloadConfigResponse* response) {
  if (absl::Status status = env_.hooks->ReloadConfig(); !status.ok()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat("the config file was not applied (the pool is unchanged): ",
                                     status.message()));
  }
  response->set_accounts(static_cast<int32_t>(env_.pool->Snapshot().size()));
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* LifecycleService::GetStatus(grpc::CallbackServerContext* context,
                                                      const v1::GetStatusRequest* request,
                                                      v1::GetStatusResponse* response) {
  return calls_->Unary(context, "maxpool.v1.LifecycleService.GetStatus",
                       [this, request, response] { return ReadStatus(request, response); });
}

grpc::ServerUnaryReactor* LifecycleService::Drain(grpc::CallbackServerContext* context,
                                                  const v1::DrainRequest* request,
                                                  v1::DrainResponse* response) {
  return calls_->Unary(context, "maxpool.v1.LifecycleService.Drain",
                       [this, request, response] { return StartDrain(request, response); });
}

grpc::ServerUnaryReactor* LifecycleService::ReloadConfig(grpc::CallbackServerContext* context,
                                                         const v1::ReloadConfigRequest* request,
                                                         v1::ReloadConfigResponse* response) {
  return calls_->Unary(context, "maxpool.v1.LifecycleService.ReloadConfig",
                       [this, request, response] { return Reload(request, response); });
}

}  // namespace maxpool::control
