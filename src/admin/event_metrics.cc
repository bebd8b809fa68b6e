#include "admin/event_metrics.h"

#include <atomic>
#include <optional>
#include <utility>
#include <variant>

namespace maxpool::admin {

struct EventMetrics::Seen {
  // The highest sequence number the dispatcher passed to this subscriber's queue.
  std::atomic<uint64_t> last{0};
};

EventMetrics::EventMetrics(pool::EventBus& bus, Metrics& metrics, size_t capacity)
    : bus_(bus), metrics_(metrics), seen_(std::make_shared<Seen>()) {
  pool::SubscribeOptions options;
  options.capacity = capacity;
  // Runs on the dispatcher for every event (no kind or account filter): it tells Flush() how far
  // the dispatcher has got. It owns what it captures (it may run after Close()).
  options.filter = [seen = seen_](const pool::PoolEvent& event) {
    uint64_t last = seen->last.load(std::memory_order_relaxed);
    while (event.sequence > last &&
           !seen->last.compare_exchange_weak(last, event.sequence, std::memory_order_release,
                                             std::memory_order_relaxed)) {
    }
    return true;
  };
  subscription_ = bus_.Subscribe(std::move(options));
}

EventMetrics::~EventMetrics() { Stop(); }

void EventMetrics::Start() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (started_ || stopped_) return;
    started_ = true;
  }
  thread_ = std::thread([this] { Run(); });
}

void EventMetrics::Stop() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  subscription_->Close();
  if (thread_.joinable()) thread_.join();
}

void EventMetrics::Run() {
  while (std::optional<pool::Delivery> next = subscription_->WaitNext(absl::InfiniteDuration())) {
    if (const pool::EventGap* gap = std::get_if<pool::EventGap>(&*next)) {
      metrics_.RecordDropped(gap->dropped);
      continue;
    }
    const pool::PoolEvent& event = std::get<pool::PoolEvent>(*next);
    metrics_.Record(event);
    absl::MutexLock lock(&mu_);
    last_sequence_ = event.sequence;
    ++recorded_;
  }
}

bool EventMetrics::Flush(absl::Duration timeout) {
  bus_.Flush();
  return WaitRecorded(seen_->last.load(std::memory_order_acquire), timeout);
}

bool EventMetrics::WaitRecorded(uint64_t sequence, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  const auto done = [this, sequence]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return last_sequence_ >= sequence; };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

uint64_t EventMetrics::recorded() const {
  absl::MutexLock lock(&mu_);
  return recorded_;
}

}  // namespace maxpool::admin
