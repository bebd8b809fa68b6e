#pragma once

// The one entry point of every maxpool.v1 handler on gRPC's callback API (STYLE §6). A handler
// names its method; before anything else runs, the caller's control token is checked (ControlAuth)
// against the method's access class (method_access.h), so that no RPC can forget it:
//   * Unary(): a refused call is finished at once with the refusal. An allowed one runs its body
//     on one of the control plane's worker threads, since bodies read and write the config file
//     and wait for token exchanges and refreshes, and gRPC's callback threads must never block.
//     The call finishes with the body's status. When kMaxQueued bodies already wait for a worker,
//     the call is refused with RESOURCE_EXHAUSTED.
//   * Authorize(): the same check for a streaming handler (which answers with RefusedStream).
// A method the table does not declare is refused with INTERNAL: the check fails closed.
//
// Thread safety: every method may be called from any thread. Lifecycle: the gRPC server must be
// shut down before the destructor runs (gRPC waits for every call to finish, so no body is queued
// by then); the destructor joins the workers.

#include <cstddef>
#include <deque>
#include <functional>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "control/control_auth.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"

namespace maxpool::control {

class ControlCalls {
 public:
  static constexpr int kWorkers = 4;
  static constexpr size_t kMaxQueued = 1024;

  // `auth` must outlive this.
  explicit ControlCalls(const ControlAuth& auth);
  ~ControlCalls();

  ControlCalls(const ControlCalls&) = delete;
  ControlCalls& operator=(const ControlCalls&) = delete;

  // OK when the caller may call `method` (a full name, "maxpool.v1.AccountService.ListAccounts"),
  // else the refusal: ControlAuth::Check()'s, or INTERNAL for a method without an access class.
  grpc::Status Authorize(const grpc::CallbackServerContext& context, std::string_view method) const;

  // Authorizes the call, then runs `body` on a worker thread and finishes the call with its
  // status. `body` may use the call's request and response: they live until the call finishes.
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, std::string_view method,
                                  std::function<grpc::Status()> body);

 private:
  void Work();

  const ControlAuth& auth_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;  // last: started once everything else is built
};

}  // namespace maxpool::control
