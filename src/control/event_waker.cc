#include "control/event_waker.h"

#include <utility>

namespace maxpool::control {

// The bells rung since the waker's thread last looked.
struct EventWaker::Queue {
  absl::Mutex mu;
  std::vector<std::shared_ptr<Bell>> rung ABSL_GUARDED_BY(mu);
  bool stopping ABSL_GUARDED_BY(mu) = false;
};

void EventWaker::Bell::Ring() {
  if (queued_.exchange(true, std::memory_order_acq_rel)) return;
  absl::MutexLock lock(&queue_->mu);
  if (!queue_->stopping) queue_->rung.push_back(shared_from_this());
}

void EventWaker::Bell::Detach() {
  absl::MutexLock lock(&mu_);
  target_ = nullptr;
}

void EventWaker::Bell::WakeAttached() {
  absl::MutexLock lock(&mu_);
  if (target_ != nullptr) target_->Wake();
}

EventWaker::EventWaker(pool::EventBus& bus)
    : bus_(bus), queue_(std::make_shared<Queue>()), thread_([this] { Run(); }) {}

EventWaker::~EventWaker() {
  {
    absl::MutexLock lock(&queue_->mu);
    queue_->stopping = true;
    queue_->rung.clear();
  }
  thread_.join();
}

std::shared_ptr<EventWaker::Bell> EventWaker::Attach(WakeTarget* target) {
  return std::make_shared<Bell>(queue_, target);
}

std::function<bool(const pool::PoolEvent&)> EventWaker::RingingFilter(std::shared_ptr<Bell> bell) {
  return [bell = std::move(bell)](const pool::PoolEvent& /*event*/) {
    bell->Ring();
    return true;
  };
}

void EventWaker::Run() {
  std::vector<std::shared_ptr<Bell>> rung;
  for (;;) {
    {
      absl::MutexLock lock(&queue_->mu);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_->mu) {
        return queue_->stopping || !queue_->rung.empty();
      };
      queue_->mu.Await(absl::Condition(&ready));
      if (queue_->stopping) return;
      rung.swap(queue_->rung);
    }
    // A ring from now on queues the bell again (and is covered by the next round).
    for (const std::shared_ptr<Bell>& bell : rung) {
      bell->queued_.store(false, std::memory_order_release);
    }
    // The filters rang while the dispatcher was handing their events out: once Flush() returns,
    // the events are in the subscribers' queues.
    bus_.Flush();
    for (const std::shared_ptr<Bell>& bell : rung) bell->WakeAttached();
    rung.clear();
  }
}

}  // namespace maxpool::control
