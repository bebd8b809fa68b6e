#include "control/event_watch.h"

#include <optional>
#include <utility>
#include <variant>

#include "control/telemetry_view.h"

namespace maxpool::control {

EventWatch::EventWatch(pool::EventBus& bus, pool::SubscribeOptions options, EventWaker& waker,
                       WatchLimit::Slot slot)
    : bell_(waker.Attach(this)), slot_(std::move(slot)) {
  options.filter = EventWaker::RingingFilter(bell_);
  absl::MutexLock lock(&mu_);
  subscription_ = bus.Subscribe(std::move(options));
  StartSendInitialMetadata();
  // A bus being destroyed closes the subscription at once: the stream then ends.
  WriteNextLocked();
}

void EventWatch::Wake() {
  absl::MutexLock lock(&mu_);
  WriteNextLocked();
}

void EventWatch::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  if (!ok) {
    FinishLocked();  // the stream is broken: the client left
    return;
  }
  WriteNextLocked();
}

void EventWatch::OnCancel() {
  absl::MutexLock lock(&mu_);
  FinishLocked();
}

void EventWatch::OnDone() {
  bell_->Detach();
  {
    absl::MutexLock lock(&mu_);
    subscription_->Close();
  }
  delete this;
}

void EventWatch::WriteNextLocked() {
  if (writing_ || finished_ || subscription_ == nullptr) return;
  std::optional<pool::Delivery> delivery = subscription_->WaitNext(absl::ZeroDuration());
  if (!delivery) {
    if (subscription_->closed()) FinishLocked();
    return;
  }
  message_.Clear();
  if (const auto* gap = std::get_if<pool::EventGap>(&*delivery)) {
    message_.mutable_gap()->set_dropped(static_cast<int64_t>(gap->dropped));
  } else {
    *message_.mutable_event() = EventOf(std::get<pool::PoolEvent>(*delivery));
  }
  writing_ = true;
  StartWrite(&message_);
}

void EventWatch::FinishLocked() {
  if (finished_) return;
  finished_ = true;
  Finish(grpc::Status::OK);
}

}  // namespace maxpool::control
