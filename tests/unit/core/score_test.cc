// The additive score (spec §2.5) term by term.

#include "core/score.h"

#include "gtest/gtest.h"

namespace maxpool::core {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1795694400);

ScoreInputs At(double share) {
  ScoreInputs inputs;
  inputs.now = kNow;
  inputs.share = share;
  return inputs;
}

RequestInfo Request(int weight = 1) {
  RequestInfo r;
  r.weight = weight;
  return r;
}

TEST(Score, IdleAccountCostsTwo) {
  Account a;
  ScoreBreakdown b = Score(a, Request(), SchedulerSettings{}, At(0));
  EXPECT_DOUBLE_EQ(b.total(), 2);
}

TEST(Score, CapPenaltyAboveConcurrencyTarget) {
  Account a;
  a.state.active_weight = 4;
  ScoreBreakdown b = Score(a, Request(), SchedulerSettings{}, At(0));
  EXPECT_DOUBLE_EQ(b.concurrency, 10);
  EXPECT_DOUBLE_EQ(b.cap_penalty, 20);
}

TEST(Score, SpreadFollowsShare) {
  Account a;
  ScoreBreakdown b = Score(a, Request(), SchedulerSettings{}, At(0.5));
  EXPECT_DOUBLE_EQ(b.spread, 1.5);
}

// Every weight is configurable: doubling one term's weight doubles only that term.
TEST(Score, WeightsAreConfigurable) {
  Account a;
  a.state.quota.unified_5h = 0.5;
  a.state.consecutive_failures = 1;
  SchedulerSettings s;
  s.utilization_weight = 6;
  s.failure_penalty_weight = 7;
  ScoreBreakdown b = Score(a, Request(), s, At(0));
  EXPECT_DOUBLE_EQ(b.utilization, 3);
  EXPECT_DOUBLE_EQ(b.failures, 7);
}

// §15 scenario 59 (multiplier part): a provider proven to have no weekly window at 40% session
// use is discounted by 1 - 0.6 x (1 - 0.40/0.65).
TEST(Score, Scenario59_FastRefillMultiplier) {
  Account p;
  p.settings.type = AccountType::kProvider;
  p.settings.provider = Provider::kZai;
  p.state.quota.provider_ses = 0.40;
  p.state.quota.weekly_absent = true;
  EXPECT_NEAR(FastRefillMultiplier(p, SchedulerSettings{}), 0.769, 0.001);
  ScoreBreakdown b = Score(p, Request(), SchedulerSettings{}, At(0));
  EXPECT_NEAR(b.concurrency, 2 * 0.769, 0.002);
  p.state.quota.weekly_absent = false;
  EXPECT_DOUBLE_EQ(FastRefillMultiplier(p, SchedulerSettings{}), 1);
}

// Scoped pace counts only at >= 0.85 of a family's weekly cap.
TEST(Score, ScopedPaceFromModelFamily) {
  Account a;
  ScopedWeekly w;
  w.utilization = 0.9;
  a.state.quota.scoped_weekly[FamilyIndex(ModelFamily::kOpus)] = w;
  RequestInfo r = Request();
  r.family = ModelFamily::kOpus;
  EXPECT_DOUBLE_EQ(Score(a, r, SchedulerSettings{}, At(0)).scoped_pace, 0.9 * 1.5);
  r.family = ModelFamily::kSonnet;
  EXPECT_DOUBLE_EQ(Score(a, r, SchedulerSettings{}, At(0)).scoped_pace, 0);
}

}  // namespace
}  // namespace maxpool::core
