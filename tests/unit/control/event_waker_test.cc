// control::EventWaker: a subscriber whose filter rings its bell is woken once its events are in
// its queue (it reads them without waiting, no event is missed), one thread serves every bell,
// and a detached bell wakes nothing.

#include "control/event_waker.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "pool/event_bus.h"
#include "support/fake_clock.h"

namespace maxpool::control {
namespace {

using ::maxpool::testing::FakeClock;

pool::Failover FailoverOf(int status) {
  return pool::Failover{"A", "rate_limited", status, pool::FailoverNext::kRetry};
}

// Reads its subscription, without waiting, each time it is woken: what a WatchEvents stream
// does.
class Reader final : public WakeTarget {
 public:
  Reader(pool::EventBus& bus, EventWaker& waker) : bell_(waker.Attach(this)) {
    pool::SubscribeOptions options;
    options.filter = EventWaker::RingingFilter(bell_);
    absl::MutexLock lock(&mu_);
    subscription_ = bus.Subscribe(std::move(options));
  }
  ~Reader() override { bell_->Detach(); }

  void Wake() override {
    absl::MutexLock lock(&mu_);
    ++wakes_;
    while (std::optional<pool::Delivery> next = subscription_->WaitNext(absl::ZeroDuration())) {
      if (const auto* event = std::get_if<pool::PoolEvent>(&*next)) {
        statuses_.push_back(std::get<pool::Failover>(event->body).status);
      }
    }
  }

  // Waits up to 10 s for `count` events.
  bool AwaitEvents(size_t count) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return statuses_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
  }
  std::vector<int> statuses() {
    absl::MutexLock lock(&mu_);
    return statuses_;
  }
  int wakes() {
    absl::MutexLock lock(&mu_);
    return wakes_;
  }
  void Detach() { bell_->Detach(); }

 private:
  std::shared_ptr<EventWaker::Bell> bell_;
  absl::Mutex mu_;
  std::shared_ptr<pool::Subscription> subscription_ ABSL_GUARDED_BY(mu_);
  std::vector<int> statuses_ ABSL_GUARDED_BY(mu_);
  int wakes_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(EventWaker, WakesEverySubscriberOnceItsEventsAreQueued) {
  FakeClock clock;
  pool::EventBus bus(clock);
  EventWaker waker(bus);
  std::vector<std::unique_ptr<Reader>> readers;
  for (int i = 0; i < 50; ++i) readers.push_back(std::make_unique<Reader>(bus, waker));
  std::vector<int> expected;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 10; ++i) {
      const int status = 100 * round + i;
      bus.Publish(FailoverOf(status));
      expected.push_back(status);
    }
    for (const auto& reader : readers) {
      ASSERT_TRUE(reader->AwaitEvents(expected.size())) << "round " << round;
    }
  }
  for (const auto& reader : readers) {
    EXPECT_EQ(reader->statuses(), expected);
    // Bells rung while one is already queued coalesce into one wake.
    EXPECT_LE(reader->wakes(), static_cast<int>(expected.size()));
  }
}

TEST(EventWaker, ADetachedBellWakesNothing) {
  FakeClock clock;
  pool::EventBus bus(clock);
  EventWaker waker(bus);
  Reader watched(bus, waker);
  Reader detached(bus, waker);
  detached.Detach();
  bus.Publish(FailoverOf(1));
  ASSERT_TRUE(watched.AwaitEvents(1));
  bus.Flush();
  // The waker handles bells in the order they rang: once the watched reader has its event, the
  // detached one's bell has been handled too.
  bus.Publish(FailoverOf(2));
  ASSERT_TRUE(watched.AwaitEvents(2));
  EXPECT_EQ(detached.wakes(), 0);
  EXPECT_TRUE(detached.statuses().empty());
}

}  // namespace
}  // namespace maxpool::control
