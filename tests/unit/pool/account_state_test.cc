// pool::DescribeAccountState: the coarse state of an account, its rules and their precedence,
// when it ends, and its reason (account_state.h).

#include "pool/account_state.h"

#include "absl/time/time.h"
#include "core/account.h"
#include "core/settings.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"
#include "support/router_harness.h"

namespace maxpool::pool {
namespace {

using ::maxpool::testing::FakeClock;
using ::maxpool::testing::OAuthAccount;

const absl::Time kNow = FakeClock::DefaultStart();

core::Account Claude() {
  core::Account account;
  account.settings = OAuthAccount("A");
  return account;
}

core::Account ApiKey() {
  core::Account account;
  account.settings = ::maxpool::testing::ApiKeyAccount("K");
  return account;
}

AccountStateView Describe(const core::Account& account, absl::Time now = kNow) {
  return DescribeAccountState(account, core::SchedulerSettings{}, now);
}

TEST(AccountState, AFreshAccountIsActiveWithNoEnd) {
  const AccountStateView view = Describe(Claude());
  EXPECT_EQ(view.state, AccountState::kActive);
  EXPECT_EQ(view.until, absl::InfiniteFuture());
  EXPECT_EQ(view.reason, "");
  EXPECT_EQ(DeriveAccountState(Claude(), core::SchedulerSettings{}, kNow), AccountState::kActive);
}

TEST(AccountState, BusyAtItsCapsIsStillActive) {
  core::Account account = Claude();
  account.state.in_flight = 1000;
  EXPECT_EQ(Describe(account).state, AccountState::kActive);
}

TEST(AccountState, DisabledWinsOverEverything) {
  core::Account account = Claude();
  account.settings.enabled = false;
  account.state.refresh_dead = true;
  account.state.status = core::AccountStatus::kThrottled;
  account.state.rate_limited_until = kNow + absl::Minutes(1);
  const AccountStateView view = Describe(account);
  EXPECT_EQ(view.state, AccountState::kDisabled);
  EXPECT_EQ(view.reason, "disabled");
  EXPECT_EQ(view.until, absl::InfiniteFuture());
}

TEST(AccountState, DeadCredentialsNeedLogin) {
  core::Account dead = Claude();
  dead.state.refresh_dead = true;
  dead.state.status = core::AccountStatus::kError;
  EXPECT_EQ(Describe(dead).state, AccountState::kNeedsLogin);
  EXPECT_EQ(Describe(dead).reason, "refresh_dead");

  core::Account rejected = ApiKey();
  rejected.state.status = core::AccountStatus::kError;
  rejected.state.cooldown_until = kNow + absl::Minutes(1);
  EXPECT_EQ(Describe(rejected).state, AccountState::kNeedsLogin);
  EXPECT_EQ(Describe(rejected).reason, "auth_dead");
}

TEST(AccountState, ThrottledByA429UntilItsRetryAfter) {
  core::Account account = Claude();
  account.state.status = core::AccountStatus::kThrottled;
  account.state.rate_limited_until = kNow + absl::Seconds(30);
  account.state.last_error = "rate_limited";
  const AccountStateView view = Describe(account);
  EXPECT_EQ(view.state, AccountState::kThrottled);
  EXPECT_EQ(view.reason, "rate_limited");
  EXPECT_EQ(view.until, kNow + absl::Seconds(30));
  // Time alone ends it, even before the router clears the block.
  EXPECT_EQ(Describe(account, kNow + absl::Seconds(30)).state, AccountState::kActive);
}

TEST(AccountState, ProvisionalUpstreamBlockIsThrottled) {
  core::Account account = Claude();
  account.state.provisional_upstream_until = kNow + absl::Seconds(10);
  const AccountStateView view = Describe(account);
  EXPECT_EQ(view.state, AccountState::kThrottled);
  EXPECT_EQ(view.reason, "upstream_throttled");  // no last_error: the default reason
  EXPECT_EQ(view.until, kNow + absl::Seconds(10));
}

TEST(AccountState, CoolingAfterFailuresUntilTheCooldownEnds) {
  core::Account account = Claude();
  account.state.cooldown_until = kNow + absl::Seconds(5);
  account.state.last_error = "token_refresh_network";
  const AccountStateView view = Describe(account);
  EXPECT_EQ(view.state, AccountState::kCooling);
  EXPECT_EQ(view.reason, "token_refresh_network");
  EXPECT_EQ(view.until, kNow + absl::Seconds(5));
  EXPECT_EQ(Describe(account, kNow + absl::Seconds(6)).state, AccountState::kActive);
}

TEST(AccountState, A403OnAClaudeAccountIsBanned) {
  core::Account account = Claude();
  account.state.cooldown_until = kNow + absl::Seconds(900);
  account.state.last_error = "forbidden";
  const AccountStateView view = Describe(account);
  EXPECT_EQ(view.state, AccountState::kBanned);
  EXPECT_EQ(view.reason, "forbidden");
  EXPECT_EQ(view.until, kNow + absl::Seconds(900));

  // A provider's 403 is a recoverable bench, not a ban.
  core::Account provider;
  provider.settings = ::maxpool::testing::ProviderAccount("Z", core::Provider::kZai, 1);
  provider.state.cooldown_until = kNow + absl::Seconds(900);
  provider.state.last_error = "forbidden";
  EXPECT_EQ(Describe(provider).state, AccountState::kCooling);
}

TEST(AccountState, SessionWindowAtTheBenchIsExhaustedUntilItsReset) {
  core::Account account = Claude();
  account.state.quota.unified_5h = 0.95;  // default switch threshold 0.90
  account.state.quota.unified_5h_reset = kNow + absl::Hours(2);
  const AccountStateView view = Describe(account);
  EXPECT_EQ(view.state, AccountState::kExhausted);
  EXPECT_EQ(view.reason, "session_limit");
  EXPECT_EQ(view.until, kNow + absl::Hours(2));
  // Past the reset the window counts as cleared, as the router will clear it.
  EXPECT_EQ(Describe(account, kNow + absl::Hours(2)).state, AccountState::kActive);
}

TEST(AccountState, WeeklyExhaustionAndTheUsageCap) {
  core::Account weekly = Claude();
  weekly.state.quota.unified_7d = 1.0;
  weekly.state.quota.unified_status = core::UnifiedStatus::kRejected;
  weekly.state.quota.unified_7d_reset = kNow + absl::Hours(30);
  AccountStateView view = Describe(weekly);
  EXPECT_EQ(view.state, AccountState::kExhausted);
  EXPECT_EQ(view.reason, "weekly_limit");
  EXPECT_EQ(view.until, kNow + absl::Hours(30));

  core::Account capped = Claude();
  capped.settings.cap_utilization = 0.5;
  capped.state.quota.unified_7d = 0.6;
  view = Describe(capped);
  EXPECT_EQ(view.state, AccountState::kExhausted);
  EXPECT_EQ(view.reason, "usage_cap");
  EXPECT_EQ(view.until, absl::InfiniteFuture());  // no known reset

  core::Account status = Claude();
  status.state.status = core::AccountStatus::kExhausted;
  EXPECT_EQ(Describe(status).reason, "quota_exhausted");
}

TEST(AccountState, ApiKeyLimitsAtTheBench) {
  core::Account account = ApiKey();
  account.state.quota.tokens_limit = 1000;
  account.state.quota.tokens_remaining = 10;
  account.state.quota.resets_at = kNow + absl::Seconds(40);
  AccountStateView view = Describe(account);
  EXPECT_EQ(view.state, AccountState::kExhausted);
  EXPECT_EQ(view.reason, "token_limit");
  EXPECT_EQ(view.until, kNow + absl::Seconds(40));

  account.state.quota.tokens_remaining = 900;
  account.state.quota.requests_limit = 50;
  account.state.quota.requests_remaining = 0;
  EXPECT_EQ(Describe(account).reason, "request_limit");
}

// A model family's weekly cap leaves the account serving other models.
TEST(AccountState, AModelScopedLimitKeepsTheAccountActive) {
  core::Account account = Claude();
  account.state.quota.scoped_weekly[core::FamilyIndex(core::ModelFamily::kOpus)] =
      core::ScopedWeekly{1.0, kNow + absl::Hours(5), "critical", true, true};
  EXPECT_EQ(Describe(account).state, AccountState::kActive);
}

// Precedence: exhausted over throttled over cooling; `until` is when the state itself ends, which
// may reveal the next one.
TEST(AccountState, PrecedenceAndTheEndOfTheStateItself) {
  core::Account account = Claude();
  account.state.quota.unified_5h = 0.99;
  account.state.quota.unified_5h_reset = kNow + absl::Minutes(10);
  account.state.status = core::AccountStatus::kThrottled;
  account.state.rate_limited_until = kNow + absl::Minutes(20);
  account.state.cooldown_until = kNow + absl::Minutes(30);
  account.state.last_error = "HTTP 500";

  AccountStateView view = Describe(account);
  EXPECT_EQ(view.state, AccountState::kExhausted);
  EXPECT_EQ(view.until, kNow + absl::Minutes(10));

  view = Describe(account, kNow + absl::Minutes(10));
  EXPECT_EQ(view.state, AccountState::kThrottled);
  EXPECT_EQ(view.until, kNow + absl::Minutes(20));
  EXPECT_EQ(view.reason, "HTTP 500");  // the account's last error names it

  view = Describe(account, kNow + absl::Minutes(20));
  EXPECT_EQ(view.state, AccountState::kCooling);
  EXPECT_EQ(view.until, kNow + absl::Minutes(30));

  EXPECT_EQ(Describe(account, kNow + absl::Minutes(30)).state, AccountState::kActive);
}

// Two blocks of the same state: it ends when the later one does.
TEST(AccountState, UntilSkipsInstantsThatDoNotChangeTheState) {
  core::Account account = Claude();
  account.state.status = core::AccountStatus::kThrottled;
  account.state.rate_limited_until = kNow + absl::Seconds(10);
  account.state.provisional_upstream_until = kNow + absl::Seconds(25);
  EXPECT_EQ(Describe(account).until, kNow + absl::Seconds(25));
}

TEST(AccountState, Names) {
  EXPECT_EQ(AccountStateName(AccountState::kNone), "none");
  EXPECT_EQ(AccountStateName(AccountState::kActive), "active");
  EXPECT_EQ(AccountStateName(AccountState::kThrottled), "throttled");
  EXPECT_EQ(AccountStateName(AccountState::kCooling), "cooling");
  EXPECT_EQ(AccountStateName(AccountState::kExhausted), "exhausted");
  EXPECT_EQ(AccountStateName(AccountState::kNeedsLogin), "needs_login");
  EXPECT_EQ(AccountStateName(AccountState::kBanned), "banned");
  EXPECT_EQ(AccountStateName(AccountState::kDisabled), "disabled");
}

}  // namespace
}  // namespace maxpool::pool
