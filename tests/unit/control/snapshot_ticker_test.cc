// control::SnapshotTicker: a sink gets a snapshot at once and then one per interval, sinks due
// together share one snapshot (the pool is read once), and a removed sink gets nothing more. The
// first tests run the ticker's own thread on the real clock, so their intervals are short and the
// bounds loose; the FakeClock tests drive the turns themselves (Drive::kByCaller), with no sleep.

#include "control/snapshot_ticker.h"

#include <atomic>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "core/clock.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"

namespace maxpool::control {
namespace {

class Sink final : public SnapshotSink {
 public:
  void Deliver(std::shared_ptr<const v1::PoolSnapshot> snapshot) override {
    absl::MutexLock lock(&mu_);
    received_.push_back(std::move(snapshot));
  }
  bool Await(size_t count) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return received_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
  }
  std::vector<std::shared_ptr<const v1::PoolSnapshot>> received() {
    absl::MutexLock lock(&mu_);
    return received_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::shared_ptr<const v1::PoolSnapshot>> received_ ABSL_GUARDED_BY(mu_);
};

TEST(SnapshotTicker, DeliversAtOnceThenEveryIntervalSharingOneRead) {
  std::atomic<int> reads{0};
  const core::SystemClock clock;
  SnapshotTicker ticker(
      [&] {
        v1::PoolSnapshot snapshot;
        snapshot.set_in_flight(++reads);
        return snapshot;
      },
      clock);
  Sink first;
  Sink second;
  Sink slow;
  const absl::Time start = absl::Now();
  ticker.Add(&first, absl::Milliseconds(100));
  ticker.Add(&second, absl::Milliseconds(100));
  ASSERT_TRUE(first.Await(1));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(80)) << "the first snapshot comes at once";
  ticker.Add(&slow, absl::Seconds(1));
  ASSERT_TRUE(slow.Await(1));
  ASSERT_TRUE(first.Await(6));
  ASSERT_TRUE(second.Await(6));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(450)) << "one per interval, not faster";
  ticker.Remove(&first);
  ticker.Remove(&second);
  ticker.Remove(&slow);
  // Two sinks due together share a read.
  EXPECT_LT(reads.load(), static_cast<int>(first.received().size() + second.received().size() +
                                           slow.received().size()));
  // In order, each snapshot once per sink.
  int last = 0;
  for (const auto& snapshot : first.received()) {
    EXPECT_GT(snapshot->in_flight(), last);
    last = snapshot->in_flight();
  }
}

TEST(SnapshotTicker, ARemovedSinkGetsNothingMore) {
  const core::SystemClock clock;
  SnapshotTicker ticker([] { return v1::PoolSnapshot(); }, clock);
  Sink sink;
  Sink other;
  ticker.Add(&sink, absl::Milliseconds(100));
  ticker.Add(&other, absl::Milliseconds(100));
  ASSERT_TRUE(sink.Await(2));
  ticker.Remove(&sink);
  const size_t count = sink.received().size();
  ASSERT_TRUE(other.Await(other.received().size() + 3));
  EXPECT_EQ(sink.received().size(), count);
  ticker.Remove(&other);
}

// The turns are instants of the injected clock: nothing is delivered until the clock reaches
// them, however much real time passes, and a ticker that fell behind does not catch up.
TEST(SnapshotTicker, DeliversOnTheInjectedClock) {
  testing::FakeClock clock;
  int reads = 0;
  SnapshotTicker ticker(
      [&] {
        v1::PoolSnapshot snapshot;
        snapshot.set_in_flight(++reads);
        return snapshot;
      },
      clock, SnapshotTicker::Drive::kByCaller);
  Sink sink;
  ticker.Add(&sink, absl::Seconds(1));
  ticker.RunDue();
  ASSERT_EQ(sink.received().size(), 1u) << "the first snapshot comes at once";
  ticker.RunDue();
  EXPECT_EQ(sink.received().size(), 1u) << "not before the interval";
  clock.Advance(absl::Milliseconds(500));
  ticker.RunDue();
  EXPECT_EQ(sink.received().size(), 1u);
  clock.Advance(absl::Milliseconds(500));
  ticker.RunDue();
  EXPECT_EQ(sink.received().size(), 2u) << "one per interval of the injected clock";
  clock.Advance(absl::Seconds(10));
  ticker.RunDue();
  ticker.RunDue();
  EXPECT_EQ(sink.received().size(), 3u) << "ten missed turns are one snapshot, not ten";
  clock.Advance(absl::Seconds(1));
  ticker.RunDue();
  EXPECT_EQ(sink.received().size(), 4u);
  EXPECT_EQ(reads, 4);
  ticker.Remove(&sink);
}

TEST(SnapshotTicker, SinksDueTogetherShareOneReadOnTheInjectedClock) {
  testing::FakeClock clock;
  int reads = 0;
  SnapshotTicker ticker(
      [&] {
        ++reads;
        return v1::PoolSnapshot();
      },
      clock, SnapshotTicker::Drive::kByCaller);
  Sink fast;
  Sink slow;
  ticker.Add(&fast, absl::Seconds(1));
  ticker.Add(&slow, absl::Seconds(2));
  ticker.RunDue();
  EXPECT_EQ(reads, 1);
  for (int i = 0; i < 4; ++i) {
    clock.Advance(absl::Seconds(1));
    ticker.RunDue();
  }
  EXPECT_EQ(fast.received().size(), 5u);
  EXPECT_EQ(slow.received().size(), 3u);
  EXPECT_EQ(reads, 5) << "the slow sink's turns fall on the fast one's";
  EXPECT_EQ(fast.received().back(), slow.received().back());
  ticker.Remove(&fast);
  ticker.Remove(&slow);
}

}  // namespace
}  // namespace maxpool::control
