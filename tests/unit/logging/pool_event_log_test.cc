#include "logging/pool_event_log.h"

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "core/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"

namespace maxpool::logging {
namespace {

using ::maxpool::testing::Eventually;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::Optional;

TEST(DescribePoolEventTest, StateChangesSayFromWhatToWhatAndWhy) {
  pool::AccountStateChanged dead{"alpha", pool::AccountState::kActive,
                                 pool::AccountState::kNeedsLogin, "refresh_dead"};
  EXPECT_THAT(DescribePoolEvent(dead),
              Optional(Eq("account alpha: active -> needs_login (refresh_dead); log in again with "
                          "`maxpool login` or replace the key")));
  pool::AccountStateChanged throttled{"bravo", pool::AccountState::kActive,
                                      pool::AccountState::kThrottled, "rate_limited"};
  EXPECT_THAT(DescribePoolEvent(throttled),
              Optional(Eq("account bravo: active -> throttled (rate_limited)")));
  pool::AccountStateChanged added{"new", pool::AccountState::kNone, pool::AccountState::kActive,
                                  "added"};
  EXPECT_THAT(DescribePoolEvent(added), Optional(Eq("account new joined the pool (active)")));
  pool::AccountStateChanged removed{"old", pool::AccountState::kActive, pool::AccountState::kNone,
                                    "removed"};
  EXPECT_THAT(DescribePoolEvent(removed), Optional(Eq("account old left the pool")));
}

TEST(DescribePoolEventTest, FailoversSayWhatHappensNext) {
  EXPECT_THAT(
      DescribePoolEvent(pool::Failover{"alpha", "rate_limited", 429, pool::FailoverNext::kRetry}),
      Optional(Eq("failover: alpha failed (rate_limited, 429), retrying on another "
                  "account")));
  EXPECT_THAT(
      DescribePoolEvent(pool::Failover{"bravo", "network", 0, pool::FailoverNext::kHold}),
      Optional(Eq("failover: bravo failed (network), holding the request until an account frees "
                  "up")));
}

TEST(DescribePoolEventTest, OnlyFailedRefreshesAreErrors) {
  pool::RefreshFinished failed{"dead", false, 400, "token_refresh_failed (dead) fp=1a2b3c4d"};
  EXPECT_THAT(DescribePoolEvent(failed),
              Optional(Eq("error: OAuth refresh of dead failed (HTTP 400): token_refresh_failed "
                          "(dead) fp=1a2b3c4d")));
  EXPECT_EQ(DescribePoolEvent(pool::RefreshFinished{"alpha", true, 0, ""}), std::nullopt);
}

TEST(DescribePoolEventTest, HoldsAndTheirEnds) {
  EXPECT_THAT(DescribePoolEvent(pool::HoldStarted{7, true, 2}),
              Optional(Eq("holding a streamed request: no account can take it now (2 waiting)")));
  EXPECT_THAT(
      DescribePoolEvent(pool::HoldEnded{7, pool::HoldOutcome::kAdmitted, absl::Milliseconds(3200)}),
      Optional(Eq("hold ended after 3.2s: admitted")));
  EXPECT_THAT(DescribePoolEvent(pool::HoldEnded{8, pool::HoldOutcome::kExpired, absl::Seconds(60)}),
              Optional(Eq("warning: hold ended after 60.0s: deadline")));
}

TEST(DescribePoolEventTest, RequestsAndDrainAreLeftToTheApp) {
  EXPECT_EQ(DescribePoolEvent(pool::RequestFinished{}), std::nullopt);
  EXPECT_EQ(DescribePoolEvent(pool::DrainProgress{}), std::nullopt);
}

TEST(PoolEventLogTest, LogsWhatIsPublishedInOrder) {
  core::SystemClock clock;
  pool::EventBus bus(clock);
  absl::Mutex mu;
  std::vector<std::string> lines;
  {
    PoolEventLog log(bus, [&](const std::string& line) {
      absl::MutexLock lock(&mu);
      lines.push_back(line);
    });
    bus.Publish(pool::RequestFinished{});
    bus.Publish(pool::Failover{"a", "overloaded", 529, pool::FailoverNext::kRetry});
    bus.Publish(pool::AccountStateChanged{"a", pool::AccountState::kActive,
                                          pool::AccountState::kCooling, "overloaded"});
    EXPECT_TRUE(Eventually([&] {
      absl::MutexLock lock(&mu);
      return lines.size() == 2;
    }));
  }
  EXPECT_THAT(lines,
              ElementsAre("failover: a failed (overloaded, 529), retrying on another account",
                          "account a: active -> cooling (overloaded)"));
}

}  // namespace
}  // namespace maxpool::logging
