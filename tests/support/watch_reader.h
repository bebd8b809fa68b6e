#pragma once

// A client of one server-streaming watch (TelemetryService.WatchPool or WatchEvents) on gRPC's
// callback API: it reads every message as it arrives without a thread of its own, so a test can
// hold a thousand streams open and still count its own process's threads. It counts the messages,
// and those `counted` accepts, and keeps the final status. Header-only; thread-safe.

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/client_callback.h"
#include "grpcpp/support/status.h"

namespace maxpool::testing {

template <class Request, class Response>
class WatchReader final : public grpc::ClientReadReactor<Response> {
 public:
  // Begins the call on the stub, e.g. stub->async()->WatchEvents(context, request, reactor).
  using Begin =
      std::function<void(grpc::ClientContext*, const Request*, grpc::ClientReadReactor<Response>*)>;
  using Counted = std::function<bool(const Response&)>;

  // Starts the call at once, with `token` as the bearer token ("" = none) and a 120 s deadline.
  WatchReader(const Begin& begin, Request request, const std::string& token,
              Counted counted = nullptr)
      : request_(std::move(request)), counted_(std::move(counted)) {
    if (!token.empty()) context_.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    begin(&context_, &request_, this);
    this->StartRead(&message_);
    this->StartCall();
  }

  // Cancels the call if it is still open and waits for it to end (gRPC must be done with the
  // reactor before it goes away).
  ~WatchReader() override {
    context_.TryCancel();
    WaitDone(absl::Seconds(30));
  }

  WatchReader(const WatchReader&) = delete;
  WatchReader& operator=(const WatchReader&) = delete;

  // Ends the call from the client's side.
  void Cancel() { context_.TryCancel(); }

  int messages() const { return messages_.load(); }
  int counted() const { return counted_messages_.load(); }
  // The server sent its response headers (a watch that was accepted).
  bool headers() const { return headers_.load(); }

  // Waits up to `timeout` for the call to end; true once it has.
  bool WaitDone(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done_; };
    return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  }
  bool done() {
    absl::MutexLock lock(&mu_);
    return done_;
  }
  // REQUIRES: done().
  grpc::Status status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }

  // grpc::ClientReadReactor
  void OnReadInitialMetadataDone(bool ok) override { headers_ = ok; }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    ++messages_;
    if (counted_ && counted_(message_)) ++counted_messages_;
    this->StartRead(&message_);
  }
  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    status_ = status;
    done_ = true;
  }

 private:
  grpc::ClientContext context_;
  const Request request_;
  const Counted counted_;
  Response message_;
  std::atomic<int> messages_{0};
  std::atomic<int> counted_messages_{0};
  std::atomic<bool> headers_{false};
  absl::Mutex mu_;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace maxpool::testing
