#include "tui/tui_feed.h"

#include <algorithm>
#include <utility>

namespace maxpool::tui {

Feed::Feed(control_client::ControlTarget target, FeedOptions options, FeedQueue& queue)
    : target_(std::move(target)), options_(options), queue_(queue) {}

Feed::~Feed() { Stop(); }

void Feed::Start() {
  pool_thread_ = std::thread([this] { RunPool(); });
  events_thread_ = std::thread([this] { RunEvents(); });
}

void Feed::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (grpc::ClientContext* context : active_) {
      if (context != nullptr) context->TryCancel();
    }
  }
  if (pool_thread_.joinable()) pool_thread_.join();
  if (events_thread_.joinable()) events_thread_.join();
}

bool Feed::Sleep(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  const absl::Time until = absl::Now() + delay;
  while (!stopping_ && absl::Now() < until) {
    mu_.AwaitWithDeadline(absl::Condition(&stopping_), until);
  }
  return !stopping_;
}

bool Feed::SetActive(grpc::ClientContext* context, int slot) {
  absl::MutexLock lock(&mu_);
  active_[slot] = stopping_ ? nullptr : context;
  return !stopping_;
}

void Feed::RunPool() {
  absl::Duration backoff = options_.min_backoff;
  while (true) {
    std::string error;
    absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client =
        control_client::ControlClient::Connect(target_, options_.connect_timeout);
    if (!client.ok()) {
      error = std::string(client.status().message());
    } else {
      std::unique_ptr<grpc::ClientContext> context =
          (*client)->NewContext(absl::InfiniteDuration());
      if (!SetActive(context.get(), 0)) return;
      v1::WatchPoolRequest request;
      control_client::ToProto(options_.interval, request.mutable_interval());
      auto reader = (*client)->telemetry().WatchPool(context.get(), request);
      v1::PoolSnapshot snapshot;
      bool up = false;
      while (reader->Read(&snapshot)) {
        if (!up) {
          queue_.Push(LinkUp{});
          up = true;
          backoff = options_.min_backoff;
        }
        queue_.Push(std::move(snapshot));
        snapshot = v1::PoolSnapshot();
      }
      const grpc::Status status = reader->Finish();
      if (!SetActive(nullptr, 0)) return;
      error =
          status.ok() ? std::string("the server ended the stream") : (*client)->ErrorLine(status);
    }
    queue_.Push(LinkDown{error, absl::Now() + backoff});
    if (!Sleep(backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

void Feed::RunEvents() {
  absl::Duration backoff = options_.min_backoff;
  while (true) {
    absl::StatusOr<std::unique_ptr<control_client::ControlClient>> client =
        control_client::ControlClient::Connect(target_, options_.connect_timeout);
    if (client.ok()) {
      std::unique_ptr<grpc::ClientContext> context =
          (*client)->NewContext(absl::InfiniteDuration());
      if (!SetActive(context.get(), 1)) return;
      auto reader = (*client)->telemetry().WatchEvents(context.get(), v1::WatchEventsRequest());
      v1::WatchEventsResponse message;
      while (reader->Read(&message)) {
        backoff = options_.min_backoff;
        queue_.Push(std::move(message));
        message = v1::WatchEventsResponse();
      }
      reader->Finish();
      if (!SetActive(nullptr, 1)) return;
    }
    if (!Sleep(backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace maxpool::tui
