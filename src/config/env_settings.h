#pragma once

// Settings from the environment, so that a container needs no config file: listeners, the
// upstream, logging, and secrets read from files (the `*_FILE` variables, e.g. a Kubernetes
// Secret mount). The result is a JSON object in the config file's shape, laid over the file's
// values (the environment wins). Pure apart from reading the named secret files. Thread-safe.
//
//   MAXPOOL_PROXY_HOST, MAXPOOL_PROXY_PORT        proxy.host, proxy.port
//   MAXPOOL_CONTROL_HOST, MAXPOOL_CONTROL_PORT    control.host, control.port
//   MAXPOOL_ADMIN_HOST, MAXPOOL_ADMIN_PORT        admin.host, admin.port
//   MAXPOOL_UPSTREAM                              upstream
//   MAXPOOL_LOG_FORMAT, MAXPOOL_LOG_LEVEL         logging.format, logging.level
//   MAXPOOL_PROXY_KEY_FILE                        proxy.apiKey, read from the file
//   MAXPOOL_CONTROL_TOKEN_FILE                    control.token, read from the file
//   MAXPOOL_CONTROL_READ_ONLY_TOKEN_FILE          control.readOnlyToken, read from the file
//
// Empty variables count as unset. A secret file's trailing whitespace (the newline editors and
// `kubectl create secret --from-file` leave) is dropped.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/json/object.hpp"
#include "config/config_path.h"

namespace maxpool::config {

// The overrides, e.g. {"proxy": {"port": 4000}}; {} when none is set. Errors (InvalidArgument,
// naming the variable, never a secret): a port that is not 0-65535, a secret file that cannot
// be read, is empty, or is larger than 64 KiB.
[[nodiscard]] absl::StatusOr<boost::json::object> EnvSettings(const EnvLookup& env);

// The names of the variables above (documentation and tests).
const std::vector<std::string>& EnvSettingNames();

}  // namespace maxpool::config
