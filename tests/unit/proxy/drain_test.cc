// proxy::DrainState on a fake clock: the accept grace, the deadline that ends it, and the first
// grace standing against a second BeginDrain.

#include "proxy/drain.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"

namespace maxpool::proxy {
namespace {

using ::maxpool::testing::FakeClock;

TEST(DrainState, NotDrainingRefusesNothing) {
  FakeClock clock;
  DrainState drain(clock);
  EXPECT_FALSE(drain.draining.load());
  EXPECT_FALSE(drain.aborted.load());
  clock.Advance(absl::Hours(1));
  EXPECT_FALSE(drain.Refusing());
}

TEST(DrainState, RefusesOnceTheAcceptGraceHasPassedOnTheClock) {
  FakeClock clock;
  DrainState drain(clock);
  EXPECT_TRUE(drain.Begin(absl::Seconds(5)));
  EXPECT_TRUE(drain.draining.load());
  EXPECT_FALSE(drain.Refusing());
  clock.Advance(absl::Seconds(5) - absl::Nanoseconds(1));
  EXPECT_FALSE(drain.Refusing());
  clock.Advance(absl::Nanoseconds(1));
  EXPECT_TRUE(drain.Refusing());
  EXPECT_FALSE(drain.aborted.load());
}

TEST(DrainState, NoGraceRefusesAtOnce) {
  FakeClock clock;
  DrainState drain(clock);
  EXPECT_TRUE(drain.Begin(absl::ZeroDuration()));
  EXPECT_TRUE(drain.Refusing());
}

TEST(DrainState, TheFirstGraceStands) {
  FakeClock clock;
  DrainState drain(clock);
  EXPECT_TRUE(drain.Begin(absl::Seconds(10)));
  clock.Advance(absl::Seconds(2));
  EXPECT_FALSE(drain.Begin(absl::ZeroDuration()));
  EXPECT_FALSE(drain.Refusing());
  clock.Advance(absl::Seconds(8));
  EXPECT_TRUE(drain.Refusing());
}

TEST(DrainState, AbortEndsAGraceStillRunning) {
  FakeClock clock;
  DrainState drain(clock);
  ASSERT_TRUE(drain.Begin(absl::Seconds(30)));
  clock.Advance(absl::Seconds(1));
  const DrainState::AbortResult result = drain.Abort();
  EXPECT_TRUE(result.aborted);
  EXPECT_FALSE(result.started);
  EXPECT_TRUE(drain.aborted.load());
  EXPECT_TRUE(drain.Refusing());
}

TEST(DrainState, AbortWithoutBeginStartsTheDrain) {
  FakeClock clock;
  DrainState drain(clock);
  const DrainState::AbortResult result = drain.Abort();
  EXPECT_TRUE(result.started);
  EXPECT_TRUE(result.aborted);
  EXPECT_TRUE(drain.draining.load());
  EXPECT_TRUE(drain.Refusing());
  // Idempotent: a second deadline changes nothing.
  const DrainState::AbortResult again = drain.Abort();
  EXPECT_FALSE(again.started);
  EXPECT_FALSE(again.aborted);
}

TEST(DrainState, AbortAfterTheGraceKeepsRefusing) {
  FakeClock clock;
  DrainState drain(clock);
  ASSERT_TRUE(drain.Begin(absl::Seconds(1)));
  clock.Advance(absl::Seconds(5));
  ASSERT_TRUE(drain.Refusing());
  EXPECT_TRUE(drain.Abort().aborted);
  EXPECT_TRUE(drain.Refusing());
}

}  // namespace
}  // namespace maxpool::proxy
