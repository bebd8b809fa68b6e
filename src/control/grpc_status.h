#pragma once

// gRPC statuses a person can act on (STYLE: bad input gets a clear error). INVALID_ARGUMENT
// carries google.rpc.BadRequest field violations in the `grpc-status-details-bin` trailer, so
// programs can tell which field was wrong; every other code is a plain message.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace maxpool::control {

struct FieldViolation {
  std::string field;        // path in the request, e.g. "account.usage_cap"
  std::string description;  // what is wrong and what to do
};

// INVALID_ARGUMENT with the violations as details; the message joins them ("field: what").
// REQUIRES: !violations.empty().
grpc::Status InvalidArgument(const std::vector<FieldViolation>& violations);
grpc::Status InvalidArgument(std::string field, std::string description);

// The gRPC status of the same code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace maxpool::control
