// Router::OnRefreshFailure and CredentialsRenewed (spec §7.3 failure taxonomy, §7.6).

#include "core/router.h"
#include "gtest/gtest.h"
#include "support/router_harness.h"

namespace maxpool::core {
namespace {

using testing::RouterHarness;
using testing::SmallRequest;

struct Attempt {
  RouterHarness h;
  RequestInfo request = SmallRequest();
  RouteState route;
  Lease lease;

  Attempt() {
    std::optional<Lease> acquired = h.router.Acquire(request, route);
    EXPECT_TRUE(acquired.has_value());
    lease = *acquired;
  }

  FailureAction Fail(RefreshFailure failure, int status = 0) {
    AttemptContext context;
    return h.router.OnRefreshFailure(lease, request, route, failure, status, context);
  }
};

TEST(RouterRefreshTest, NetworkFailureCoolsTheAccountBrieflyAndFailsOverWithoutAFailureCount) {
  Attempt a;
  const FailureAction action = a.Fail(RefreshFailure::kNetworkBeforeSend);
  EXPECT_TRUE(action.failover);
  const Account& account = a.h.account(a.lease.account_name);
  EXPECT_EQ(account.state.in_flight, 0);
  EXPECT_EQ(account.state.consecutive_failures, 0);
  ASSERT_TRUE(account.state.cooldown_until.has_value());
  EXPECT_LE(*account.state.cooldown_until - a.h.now(), absl::Seconds(5));
  EXPECT_FALSE(account.state.refresh_dead);
  EXPECT_NE(account.state.status, AccountStatus::kError);
  // The other account serves the next request.
  EXPECT_NE(a.h.Pick(), a.lease.account_name);
}

TEST(RouterRefreshTest, RetryableStatusBacksOffExponentially) {
  Attempt a;
  a.Fail(RefreshFailure::kRetryableStatus, 503);
  const Account& account = a.h.account(a.lease.account_name);
  EXPECT_EQ(account.state.consecutive_failures, 1);
  EXPECT_EQ(account.state.last_error, "token_refresh_503");
  ASSERT_TRUE(account.state.cooldown_until.has_value());
  const absl::Duration first = *account.state.cooldown_until - a.h.now();

  RouteState route;
  std::optional<Lease> again;
  a.h.clock.Advance(first + absl::Seconds(1));
  // Only this account left: the other one is disabled.
  for (const std::string name : {"A", "B"}) {
    if (name != a.lease.account_name) {
      ASSERT_TRUE(a.h.router.SetEnabled(name, false).ok());
    }
  }
  again = a.h.router.Acquire(a.request, route);
  ASSERT_TRUE(again.has_value());
  AttemptContext context;
  a.h.router.OnRefreshFailure(*again, a.request, route, RefreshFailure::kRetryableStatus, 503,
                              context);
  EXPECT_EQ(account.state.consecutive_failures, 2);
  EXPECT_GT(*account.state.cooldown_until - a.h.now(), first);
}

TEST(RouterRefreshTest, DeadRefreshTokenNeedsLoginUntilNewCredentialsArrive) {
  Attempt a;
  const FailureAction action = a.Fail(RefreshFailure::kDead, 400);
  EXPECT_TRUE(action.failover);
  const std::string dead = a.lease.account_name;
  EXPECT_TRUE(a.h.account(dead).state.refresh_dead);
  EXPECT_EQ(a.h.account(dead).state.status, AccountStatus::kError);
  EXPECT_EQ(a.h.account(dead).state.last_error, "token_refresh_failed");
  for (int i = 0; i < 5; ++i) EXPECT_NE(a.h.Complete(), dead);

  a.h.router.CredentialsRenewed(dead);
  EXPECT_FALSE(a.h.account(dead).state.refresh_dead);
  EXPECT_EQ(a.h.account(dead).state.status, AccountStatus::kActive);
  bool served = false;
  for (int i = 0; i < 6 && !served; ++i) served = a.h.Complete() == dead;
  EXPECT_TRUE(served);
}

TEST(RouterRefreshTest, WhenNoOtherAccountCanServeADeadAccountAnswers401) {
  RouterHarness h({"only"});
  RouteState route;
  std::optional<Lease> lease = h.router.Acquire(SmallRequest(), route);
  ASSERT_TRUE(lease.has_value());
  AttemptContext context;
  const FailureAction action =
      h.router.OnRefreshFailure(*lease, SmallRequest(), route, RefreshFailure::kDead, 400, context);
  EXPECT_FALSE(action.failover);
  EXPECT_EQ(action.reply, FallbackReply::kAuthentication401);
}

}  // namespace
}  // namespace maxpool::core
