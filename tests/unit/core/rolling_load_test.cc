#include "core/rolling_load.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "support/fake_clock.h"

namespace maxpool::core {
namespace {

const absl::Time kNow = testing::FakeClock::DefaultStart();
constexpr absl::Duration kFifteenMinutes = absl::Minutes(15);  // the default spread window

// The weight in the default spread window ending at `now`.
int64_t Recent(RollingLoad& load, absl::Time now) {
  return load.RecentWeight(now, now - kFifteenMinutes);
}

LoadEvent Event(absl::Time at, absl::Duration duration, int weight = 1, bool success = true) {
  return LoadEvent{
      .at = at, .duration = duration, .weight = weight, .success = success, .status = 200};
}

// §15 scenario 65 (§10.1): three requests in the last 15 min of 1 s, 2 s and 3 s, one failed,
// give {3, 1, 3, 2000}; an event 61 min old is not in the last hour.
TEST(RollingLoadTest, Scenario65_RollingLoadWindows) {
  RollingLoad load;
  load.Add(Event(kNow - absl::Minutes(61), absl::Seconds(9), 5));
  load.Add(Event(kNow - absl::Minutes(12), absl::Seconds(1)));
  load.Add(Event(kNow - absl::Minutes(6), absl::Seconds(2), 1, /*success=*/false));
  load.Add(Event(kNow - absl::Minutes(1), absl::Seconds(3)));

  const LoadSummary expected{.requests = 3, .failed = 1, .weight = 3, .avg_ms = 2000};
  EXPECT_EQ(load.Summary(kNow, kFifteenMinutes), expected);
  EXPECT_EQ(load.Summary(kNow, RollingLoad::kHorizon), expected);
  EXPECT_EQ(Recent(load, kNow), 3);
}

// spreadWindowMs: the window is the caller's. Growing it (a config change) or setting the clock
// back takes the events it uncovers back into the sum; shrinking it drops them.
TEST(RollingLoadTest, RecentWeightFollowsTheWindowBothWays) {
  RollingLoad load;
  load.Add(Event(kNow - absl::Minutes(40), absl::Seconds(1), 4));
  load.Add(Event(kNow - absl::Minutes(10), absl::Seconds(1), 2));
  load.Add(Event(kNow - absl::Minutes(1), absl::Seconds(1), 1));
  EXPECT_EQ(load.RecentWeight(kNow, kNow - absl::Minutes(2)), 1);
  EXPECT_EQ(load.RecentWeight(kNow, kNow - kFifteenMinutes), 3);
  EXPECT_EQ(load.RecentWeight(kNow, kNow - absl::Hours(1)), 7);
  EXPECT_EQ(load.RecentWeight(kNow, kNow - absl::Minutes(2)), 1);
  // The clock set back by 30 minutes: only the 40-minute-old event is inside (now - 15, now].
  const absl::Time earlier = kNow - absl::Minutes(30);
  EXPECT_EQ(load.RecentWeight(earlier, earlier - kFifteenMinutes), 4);
}

TEST(RollingLoadTest, EmptySummaryHasNoAverage) {
  RollingLoad load;
  EXPECT_TRUE(load.empty());
  EXPECT_EQ(load.Summary(kNow, RollingLoad::kHorizon), LoadSummary{});
  EXPECT_FALSE(load.Summary(kNow, RollingLoad::kHorizon).avg_ms.has_value());
  EXPECT_EQ(Recent(load, kNow), 0);
}

// §10.1: duration >= 0, weight >= 1; avgMs = round(sum / count).
TEST(RollingLoadTest, ClampsDurationAndWeightAndRoundsAverage) {
  RollingLoad load;
  load.Add(Event(kNow, absl::Milliseconds(-50), 0));
  load.Add(Event(kNow, absl::Milliseconds(3)));
  const LoadSummary summary = load.Summary(kNow, kFifteenMinutes);
  EXPECT_EQ(summary.weight, 2);
  EXPECT_EQ(summary.avg_ms, 2);  // (0 + 3) / 2 = 1.5 rounds to 2
}

// §2.5/§10.1: the spread weight covers (now - 15 min, now].
TEST(RollingLoadTest, RecentWeightSlidesOutOldEvents) {
  RollingLoad load;
  load.Add(Event(kNow, absl::Seconds(1), 2));
  load.Add(Event(kNow + absl::Minutes(5), absl::Seconds(1), 3));
  load.Add(Event(kNow + absl::Minutes(10), absl::Seconds(1), 1));
  EXPECT_EQ(Recent(load, kNow + absl::Minutes(10)), 6);
  EXPECT_EQ(Recent(load, kNow + absl::Minutes(15)), 4);  // the first is exactly 15 min old
  EXPECT_EQ(Recent(load, kNow + absl::Minutes(20)), 1);
  EXPECT_EQ(Recent(load, kNow + absl::Minutes(26)), 0);
  load.Add(Event(kNow + absl::Minutes(30), absl::Seconds(1), 5));
  EXPECT_EQ(Recent(load, kNow + absl::Minutes(30)), 5);
  // Pruning past the horizon drops everything and keeps the running sum consistent.
  load.Prune(kNow + absl::Hours(3));
  EXPECT_TRUE(load.empty());
  EXPECT_EQ(Recent(load, kNow + absl::Hours(3)), 0);
}

// The running sum must equal a brute-force sum under any interleaving of Add, Prune and
// RecentWeight (header: Prune keeps the spread head consistent).
TEST(RollingLoadTest, RunningSumMatchesBruteForce) {
  std::mt19937 rng(65);
  RollingLoad load;
  std::vector<LoadEvent> all;
  absl::Time now = kNow;
  for (int step = 0; step < 5000; ++step) {
    now += absl::Seconds(std::uniform_int_distribution<int>(0, 240)(rng));
    switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
      case 0:
      case 1: {
        const LoadEvent event =
            Event(now, absl::Seconds(1), std::uniform_int_distribution<int>(1, 4)(rng));
        load.Add(event);
        all.push_back(event);
        break;
      }
      case 2:
        load.Prune(now);
        break;
      default: {
        int64_t expected = 0;
        for (const LoadEvent& e : all) {
          if (e.at > now - kFifteenMinutes && e.at <= now) expected += e.weight;
        }
        ASSERT_EQ(Recent(load, now), expected) << "step " << step;
        break;
      }
    }
  }
}

// Cluster mode: one replica's load and the others' make the fleet's.
TEST(RollingLoad, CombinedAddsCountsAndWeighsTheMeanByRequests) {
  const LoadSummary mine{3, 1, 5, 100};
  const LoadSummary others{1, 0, 2, 500};
  EXPECT_EQ(Combined(mine, others), (LoadSummary{4, 1, 7, 200}));
  EXPECT_EQ(Combined(mine, LoadSummary{}), mine);
  EXPECT_EQ(Combined(LoadSummary{}, LoadSummary{}), LoadSummary{});
}

}  // namespace
}  // namespace maxpool::core
