#include "control/config_file.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "credentials/redact.h"

namespace maxpool::control {

grpc::Status LoadConfigFile(config::ConfigStore& store, v1::Config& config) {
  absl::StatusOr<config::LoadedConfig> loaded = store.Load();
  if (!loaded.ok()) {
    if (absl::IsNotFound(loaded.status())) {
      config.Clear();
      return grpc::Status::OK;
    }
    const std::string message =
        absl::StrCat("the config file cannot be read: ", loaded.status().message());
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, credentials::Redact(message));
  }
  config = std::move(loaded->config);
  return grpc::Status::OK;
}

}  // namespace maxpool::control
