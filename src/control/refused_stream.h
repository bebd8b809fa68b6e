#pragma once

// A server-streaming call answered with a status and no message (bad credentials, bad input, no
// free watch slot): a reactor that finishes at once and deletes itself when gRPC is done with it.

#include <utility>

#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"

namespace maxpool::control {

template <class Response>
class RefusedStream final : public grpc::ServerWriteReactor<Response> {
 public:
  // REQUIRES: !status.ok().
  explicit RefusedStream(grpc::Status status) { this->Finish(std::move(status)); }

  void OnDone() override { delete this; }
};

}  // namespace maxpool::control
