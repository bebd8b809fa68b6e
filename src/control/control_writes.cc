#include "control/control_writes.h"

#include <optional>
#include <utility>

#include "control/config_file.h"

namespace maxpool::control {

grpc::Status ControlWrites::Write(const Change& change) {
  absl::MutexLock lock(&mu_);
  grpc::Status refused;
  absl::StatusOr<config::LoadedConfig> written = store_.Update(
      [&](v1::Config& config) -> absl::Status {
        refused = change.edit(config);
        return refused.ok() ? absl::OkStatus() : absl::CancelledError("refused");
      },
      std::nullopt);
  if (!refused.ok()) return refused;
  if (!written.ok()) return change.store_error(written.status());
  if (change.apply) return change.apply(written->config);
  hooks_.ApplyConfig(written->config);
  return grpc::Status::OK;
}

grpc::Status ControlWrites::WritePersisted(const std::function<grpc::Status()>& persist) {
  absl::MutexLock lock(&mu_);
  if (grpc::Status status = persist(); !status.ok()) return status;
  v1::Config config;
  if (grpc::Status status = LoadConfigFile(store_, config); !status.ok()) return status;
  hooks_.ApplyConfig(config);
  return grpc::Status::OK;
}

}  // namespace maxpool::control
