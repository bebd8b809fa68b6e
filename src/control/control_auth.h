#pragma once

// Who may call the maxpool.v1 services (docs/architecture.md "Control plane"): a call presents
// `authorization: Bearer <token>`. The full token (control.token) allows everything; the
// read-only token (control.readOnlyToken) allows only reads (list, get, status, snapshots,
// watches). With neither token configured every call is allowed: the server refuses to start
// that way on a non-loopback address without TLS (see ControlServer). Health and reflection
// never ask. Tokens are compared in constant time and never logged or echoed. Thread-safe.

#include <string>

#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace maxpool::control {

enum class Access { kRead, kWrite };

class ControlAuth {
 public:
  ControlAuth(std::string token, std::string read_only_token);

  // OK, or UNAUTHENTICATED (no or malformed authorization header, or an unknown token) or
  // PERMISSION_DENIED (the read-only token on a call that changes something), with a message
  // that says what to send. `context` is a sync or a callback-API call's.
  grpc::Status Check(const grpc::ServerContextBase& context, Access access) const;

  bool required() const { return !token_.empty() || !read_only_token_.empty(); }

 private:
  std::string token_;
  std::string read_only_token_;
};

}  // namespace maxpool::control
