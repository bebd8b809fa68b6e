#pragma once

// The config file as the control plane reads it (through the ConfigStore, so a read never sees a
// half-written file). A file that does not exist reads as an empty config.

#include "config/config_store.h"
#include "grpcpp/support/status.h"
#include "maxpool/v1/config.pb.h"

namespace maxpool::control {

// Fills `config` with the file as it is now. Error: FAILED_PRECONDITION with the loader's message
// (secrets masked); `config` is then unspecified.
grpc::Status LoadConfigFile(config::ConfigStore& store, v1::Config& config);

}  // namespace maxpool::control
