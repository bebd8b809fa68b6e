#include "control/control_calls.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "control/method_access.h"
#include "core/absl_view.h"

namespace maxpool::control {

ControlCalls::ControlCalls(const ControlAuth& auth) : auth_(auth) {
  workers_.reserve(kWorkers);
  for (int i = 0; i < kWorkers; ++i) workers_.emplace_back([this] { Work(); });
}

ControlCalls::~ControlCalls() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
}

grpc::Status ControlCalls::Authorize(const grpc::CallbackServerContext& context,
                                     std::string_view method) const {
  const std::optional<Access> access = AccessOf(method);
  if (!access.has_value()) {
    return grpc::Status(
        grpc::StatusCode::INTERNAL,
        absl::StrCat("the control plane declares no access class for ", core::AbslView(method)));
  }
  return auth_.Check(context, *access);
}

grpc::ServerUnaryReactor* ControlCalls::Unary(grpc::CallbackServerContext* context,
                                              std::string_view method,
                                              std::function<grpc::Status()> body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status refused = Authorize(*context, method); !refused.ok()) {
    reactor->Finish(std::move(refused));
    return reactor;
  }
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_ && queue_.size() < kMaxQueued) {
      queue_.push_back([reactor, body = std::move(body)] { reactor->Finish(body()); });
      return reactor;
    }
  }
  reactor->Finish(grpc::Status(
      grpc::StatusCode::RESOURCE_EXHAUSTED,
      absl::StrCat("the control plane is busy (", kMaxQueued, " calls are waiting); retry later")));
  return reactor;
}

void ControlCalls::Work() {
  for (;;) {
    std::function<void()> job;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and nothing left to run
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace maxpool::control
