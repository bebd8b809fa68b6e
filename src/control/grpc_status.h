#pragma once

// gRPC statuses a person can act on (STYLE: bad input gets a clear error). INVALID_ARGUMENT
// carries google.rpc.BadRequest field violations in the `grpc-status-details-bin` trailer, so
// programs can tell which field was wrong; every other code is a plain message.

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace maxpool::control {

struct FieldViolation {
  std::string field;        // path in the request, e.g. "account.usage_cap"
  std::string description;  // what is wrong and what to do
};

// Bounds of an INVALID_ARGUMENT, so that it always fits in gRPC's trailers (8 KiB by default;
// beyond them a client sees RESOURCE_EXHAUSTED instead): a field path is cut to kMaxFieldBytes
// and a description to kMaxDescriptionBytes ("..." marks the cut); the violations are listed, in
// order, while the message stays within kMaxStatusMessageBytes, and the message says how many
// more there were. The details hold the violations the message lists.
inline constexpr size_t kMaxFieldBytes = 128;
inline constexpr size_t kMaxDescriptionBytes = 512;
inline constexpr size_t kMaxStatusMessageBytes = 1024;

// INVALID_ARGUMENT with the violations as details; the message joins them ("field: what").
// REQUIRES: !violations.empty().
grpc::Status InvalidArgument(const std::vector<FieldViolation>& violations);
grpc::Status InvalidArgument(std::string field, std::string description);

// The gRPC status of the same code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace maxpool::control
