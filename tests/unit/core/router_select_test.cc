// Selection (spec §2.2–2.7, §6.4–6.7) against the scenarios of spec §15.

#include "absl/strings/str_cat.h"
#include "core/router.h"
#include "core/weekly.h"
#include "gtest/gtest.h"
#include "support/router_harness.h"

namespace maxpool::core {
namespace {

using ::maxpool::testing::OAuthAccount;
using ::maxpool::testing::ProviderAccount;
using ::maxpool::testing::RouterHarness;
using ::maxpool::testing::SmallRequest;

constexpr double kScoreTolerance = 0.01;

// §15 scenario 1: idle accounts and sequential traffic rotate A, B, A, B (spread term, §2.9).
TEST(RouterSelect, Scenario01_SequentialRequestsRotate) {
  RouterHarness h;
  EXPECT_EQ(h.Complete(), "A");
  EXPECT_EQ(h.Complete(), "B");
  EXPECT_EQ(h.Complete(), "A");
  EXPECT_EQ(h.Complete(), "B");
}

// §2.5: the spread term counts the traffic inside spreadWindowMs only. Three minutes after A's
// request, a 15-minute window still holds all of it (A's whole share costs 3); a 2-minute window
// holds none, and A and B score alike.
TEST(RouterSelect, SpreadWindowMsBoundsTheTrafficShare) {
  SchedulerSettings two_minutes;
  two_minutes.spread_window = absl::Minutes(2);
  RouterHarness fifteen;
  RouterHarness two({"A", "B"}, two_minutes);
  ASSERT_EQ(fifteen.Complete(), "A");
  ASSERT_EQ(two.Complete(), "A");
  fifteen.clock.Advance(absl::Minutes(3));
  two.clock.Advance(absl::Minutes(3));
  EXPECT_NEAR(fifteen.router.ScoreForTest("A", SmallRequest()) -
                  fifteen.router.ScoreForTest("B", SmallRequest()),
              3.0, kScoreTolerance);
  EXPECT_NEAR(two.router.ScoreForTest("A", SmallRequest()),
              two.router.ScoreForTest("B", SmallRequest()), kScoreTolerance);
}

// §3.4 with weeklyExhaustedThreshold: a model-scoped weekly limit benches at the configured
// threshold, as the unified weekly does, not at a fixed 0.999.
TEST(RouterSelect, ScopedWeeklyLimitBenchesAtTheConfiguredExhaustedThreshold) {
  SchedulerSettings lower;
  lower.weekly_exhausted_threshold = 0.95;
  lower.weekly_critical_threshold = 0.9;
  for (const auto& [settings, expected] :
       {std::pair<SchedulerSettings, std::string>{SchedulerSettings{}, "A"}, {lower, ""}}) {
    RouterHarness h({"A"}, settings);
    ScopedWeekly sonnet;
    sonnet.utilization = 0.97;
    sonnet.reset_at = h.now() + absl::Hours(48);
    sonnet.is_active = true;
    h.quota("A").scoped_weekly[FamilyIndex(ModelFamily::kSonnet)] = sonnet;
    EXPECT_EQ(h.Pick(), expected) << "threshold " << settings.weekly_exhausted_threshold;
  }
}

// §15 scenario 13, through the router: a bare `rejected` with healthy buckets leaves A serving;
// `rejected` with the week at 0.9995 leaves A exhausted, so B serves and, without B, the oracle
// names the weekly limit.
TEST(RouterSelect, Scenario13_RejectedBenchesOnlyWhenABucketIsExhausted) {
  RouterHarness h({"A", "B"});
  auto observe_a = [&](const std::string& utilization_7d) {
    RouteState route;
    route.excluded.insert(*h.router.IdOf("B"));
    std::optional<Lease> lease = h.router.Acquire(SmallRequest(), route);
    ASSERT_TRUE(lease.has_value());
    ASSERT_EQ(lease->account_name, "A");
    h.router.ObserveResponse(
        *lease, 200,
        FlatHeaders{{"anthropic-ratelimit-unified-status", "rejected"},
                    {"anthropic-ratelimit-unified-5h-utilization", "0.3"},
                    {"anthropic-ratelimit-unified-7d-utilization", utilization_7d},
                    {"anthropic-ratelimit-unified-7d-reset",
                     absl::StrCat(absl::ToUnixSeconds(h.now() + absl::Hours(40)))}});
    h.router.Release(*lease, {ReleaseKind::kSuccess, 200, ""});
  };
  observe_a("0.5");
  EXPECT_EQ(h.quota("A").unified_status, UnifiedStatus::kAllowed);
  RouteState only_a;
  only_a.excluded.insert(*h.router.IdOf("B"));
  EXPECT_TRUE(h.router.NextRetry(SmallRequest(), only_a).available);

  observe_a("0.9995");
  EXPECT_EQ(h.quota("A").unified_status, UnifiedStatus::kRejected);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(h.Complete(), "B");
  const RetryPlan plan = h.router.NextRetry(SmallRequest(), only_a);
  EXPECT_FALSE(plan.available);
  EXPECT_EQ(plan.cause, RetryCause::kWeeklyExhausted);
}

// §15 scenario 2 / §2.9: raw session usage dominates the balancing terms.
TEST(RouterSelect, Scenario02_LowerSessionUsageWins) {
  RouterHarness h;
  h.quota("A").unified_5h = 0.10;
  h.quota("A").unified_5h_reset = h.now() + absl::Hours(4);
  h.quota("B").unified_5h = 0.80;
  h.quota("B").unified_5h_reset = h.now() + absl::Hours(1);
  for (const char* name : {"A", "B"}) {
    h.quota(name).unified_7d = 0.20;
    h.quota(name).unified_7d_reset = h.now() + absl::Hours(6 * 24);
  }
  EXPECT_NEAR(h.router.ScoreForTest("A", SmallRequest()), 2.386, kScoreTolerance);
  EXPECT_NEAR(h.router.ScoreForTest("B", SmallRequest()), 4.486, kScoreTolerance);
  EXPECT_EQ(h.Pick(), "A");
}

// §15 scenario 3: use it or lose it — the fuller account whose week resets in 2h goes first.
TEST(RouterSelect, Scenario03_UseItOrLoseItPrefersSoonerReset) {
  RouterHarness h;
  h.quota("A").unified_7d = 0.80;
  h.quota("A").unified_7d_reset = h.now() + absl::Hours(2);
  h.quota("B").unified_7d = 0.30;
  h.quota("B").unified_7d_reset = h.now() + absl::Hours(6 * 24 + 12);
  EXPECT_NEAR(h.router.ScoreForTest("A", SmallRequest()), 2.0, kScoreTolerance);
  EXPECT_NEAR(h.router.ScoreForTest("B", SmallRequest()), 3.03, kScoreTolerance);
  EXPECT_EQ(h.Pick(), "A");
}

// §15 scenario 4: at or above the 0.90 switch threshold an account is never selected.
TEST(RouterSelect, Scenario04_SessionBenchAtSwitchThreshold) {
  RouterHarness h;
  h.quota("A").unified_5h = 0.92;
  h.quota("A").unified_5h_reset = h.now() + absl::Hours(1);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(h.Complete(), "B");
}

// §15 scenario 5: a usage cap lowers the bench; the oracle reports session_limit at A's reset.
TEST(RouterSelect, Scenario05_UsageCapBenchesAndOracleNamesSessionLimit) {
  RouterHarness h({"A"});
  h.account("A").settings.cap_utilization = 0.5;
  h.quota("A").unified_5h = 0.55;
  h.quota("A").unified_5h_reset = h.now() + absl::Minutes(90);
  EXPECT_EQ(h.Pick(), "");
  RetryPlan plan = h.router.NextRetry(SmallRequest(), RouteState{});
  EXPECT_FALSE(plan.available);
  EXPECT_EQ(plan.cause, RetryCause::kSessionLimit);
  ASSERT_TRUE(plan.retry_after.has_value());
  EXPECT_EQ(*plan.retry_after, absl::Minutes(90));
}

// §15 scenario 6 / §2.9: a weekly-reserve account loses to a light healthy one, but beats a
// healthy one with ~5 weight in flight.
TEST(RouterSelect, Scenario06_ReserveTierCostAndConcurrency) {
  RouterHarness h;
  h.quota("A").unified_7d = 0.90;
  h.quota("A").unified_7d_reset = h.now() + absl::Hours(3 * 24);
  h.quota("B").unified_7d = 0.50;
  EXPECT_NEAR(h.router.ScoreForTest("A", SmallRequest()), 14.45, kScoreTolerance);
  EXPECT_EQ(h.Pick(), "B");
  h.router.Release(*h.last_lease, {ReleaseKind::kNeutral, 0, ""});

  h.account("B").state.active_weight = 5;
  EXPECT_GE(h.router.ScoreForTest("B", SmallRequest()), 42);
  EXPECT_EQ(h.Pick(), "A");
}

// §15 scenario 7: a weekly-critical account is the last resort when nothing else can serve.
TEST(RouterSelect, Scenario07_CriticalAccountAsLastResort) {
  auto setup = [](RouterHarness& h) {
    h.quota("A").unified_7d = 0.97;
    h.quota("A").unified_7d_reset = h.now() + absl::Hours(3 * 24);
    h.quota("B").unified_5h = 0.95;
    h.quota("B").unified_5h_reset = h.now() + absl::Hours(1);
  };
  // As the scenario has it ("no unlock": criticalPressureUnlockRoutes -1), pass 1 admits nobody
  // and pass 2, where critical accounts are allowed, selects A with no unlock.
  SchedulerSettings no_unlock;
  no_unlock.critical_pressure_unlock_routes = -1;
  RouterHarness h({"A", "B"}, no_unlock);
  setup(h);
  EXPECT_EQ(h.Pick(), "A");
  EXPECT_EQ(h.last_lease->path, SelectionPath::kScored);
  EXPECT_EQ(h.last_lease->unlock, CriticalUnlock::kNone);
  // With the default (0), no healthy route is left, so pass 1 already admits A, unlocked by
  // pressure at its flat cost.
  RouterHarness pressured;
  setup(pressured);
  EXPECT_EQ(pressured.Pick(), "A");
  EXPECT_EQ(pressured.last_lease->unlock, CriticalUnlock::kPressure);
}

// §15 scenario 8 / §2.6: a critical account whose week resets in 30 min is drained first.
TEST(RouterSelect, Scenario08_PreResetUnlockDrainsDyingCapacity) {
  RouterHarness h;
  h.quota("A").unified_7d = 0.97;
  h.quota("A").unified_7d_reset = h.now() + absl::Minutes(30);
  h.quota("A").last_probe_ok_at = h.now() - absl::Seconds(30);
  EXPECT_NEAR(h.router.ScoreForTest("A", SmallRequest()), -0.5, kScoreTolerance);
  EXPECT_NEAR(h.router.ScoreForTest("B", SmallRequest()), 2.0, kScoreTolerance);
  EXPECT_EQ(h.Pick(), "A");
  EXPECT_EQ(h.last_lease->unlock, CriticalUnlock::kPreReset);
}

// A critical account with a stale reading gets no pre-reset unlock (§2.6 freshness).
TEST(RouterSelect, PreResetUnlockNeedsFreshQuotaReading) {
  RouterHarness h;
  h.quota("A").unified_7d = 0.97;
  h.quota("A").unified_7d_reset = h.now() + absl::Minutes(30);
  h.quota("A").last_probe_ok_at = h.now() - absl::Hours(3);
  EXPECT_EQ(h.Pick(), "B");
}

// §15 scenario 9: 100% weekly while upstream says allowed_warning is critical, not exhausted;
// with `rejected` it is exhausted and unavailable.
TEST(RouterSelect, Scenario09_AllowedWarningAtFullWeekIsCritical) {
  RouterHarness h({"A"});
  h.quota("A").unified_7d = 1.0;
  h.quota("A").unified_status = UnifiedStatus::kAllowedWarning;
  EXPECT_EQ(RawWeeklyState(h.account("A"), h.router.settings()), WeeklyTier::kCritical);
  EXPECT_EQ(h.Pick(), "A");
  h.router.Release(*h.last_lease, {ReleaseKind::kNeutral, 0, ""});

  h.quota("A").unified_status = UnifiedStatus::kRejected;
  EXPECT_EQ(RawWeeklyState(h.account("A"), h.router.settings()), WeeklyTier::kExhausted);
  EXPECT_EQ(h.Pick(), "");
}

// §15 scenario 10: two consecutive failures cost +10.
TEST(RouterSelect, Scenario10_FailurePenalty) {
  RouterHarness h;
  h.account("A").state.consecutive_failures = 2;
  EXPECT_NEAR(
      h.router.ScoreForTest("A", SmallRequest()) - h.router.ScoreForTest("B", SmallRequest()), 10,
      kScoreTolerance);
  EXPECT_EQ(h.Pick(), "B");
}

// §15 scenario 11: per-account (50) and fleet-wide (150) safety caps.
TEST(RouterSelect, Scenario11_SafetyCaps) {
  RouterHarness h({"A", "B", "C", "D"});
  h.account("A").state.in_flight = 50;
  for (int i = 0; i < 10; ++i) EXPECT_NE(h.Pick(), "A");

  RouterHarness fleet({"A", "B", "C", "D"});
  for (int i = 0; i < 150; ++i) ASSERT_NE(fleet.Pick(), "") << "request " << i;
  EXPECT_EQ(fleet.router.global_in_flight(), 150);
  EXPECT_EQ(fleet.Pick(), "");
  RetryPlan plan = fleet.router.NextRetry(SmallRequest(), RouteState{});
  EXPECT_FALSE(plan.available);
  EXPECT_EQ(plan.cause, RetryCause::kConcurrencyCap);
  ASSERT_TRUE(plan.retry_after.has_value());
  EXPECT_EQ(*plan.retry_after, absl::Seconds(60));
}

// §15 scenario 14 / §14 item 15: a window whose reset passed is cleared before routing.
TEST(RouterSelect, Scenario14_ExpiredWindowClearedBeforeSelection) {
  RouterHarness h({"A"});
  h.quota("A").unified_5h = 0.95;
  h.quota("A").unified_5h_reset = h.now() - absl::Milliseconds(1);
  EXPECT_EQ(h.Pick(), "A");
  EXPECT_FALSE(h.quota("A").unified_5h.has_value());
}

// §14 item 28: no bonus for unknown quota — an unknown account scores like a known-idle one.
TEST(RouterSelect, UnknownQuotaIsNotPreferredOverKnownHealthy) {
  RouterHarness h;
  h.quota("B").unified_5h = 0.0;
  h.quota("B").unified_7d = 0.0;
  EXPECT_NEAR(h.router.ScoreForTest("A", SmallRequest()),
              h.router.ScoreForTest("B", SmallRequest()), 1e-9);
}

// §2.2 rule 2: a throttle that ended recovers the account and starts the recovery ramp.
TEST(RouterSelect, ExpiredThrottleRecoversWithRamp) {
  RouterHarness h({"A"});
  AccountState& st = h.account("A").state;
  st.status = AccountStatus::kThrottled;
  st.rate_limited_until = h.now() + absl::Seconds(10);
  st.last_error = "rate_limited";
  EXPECT_EQ(h.Pick(), "");
  h.clock.Advance(absl::Seconds(10));
  EXPECT_EQ(h.Pick(), "A");
  EXPECT_EQ(st.status, AccountStatus::kActive);
  EXPECT_TRUE(st.last_error.empty());
  ASSERT_TRUE(st.recovered_at.has_value());
  h.router.Release(*h.last_lease, {ReleaseKind::kNeutral, 0, ""});
  // Ramp: 4 at recovery, decaying linearly over 5 minutes.
  EXPECT_NEAR(h.router.ScoreForTest("A", SmallRequest()), 2 + 4, kScoreTolerance);
  h.clock.Advance(absl::Seconds(150));
  EXPECT_NEAR(h.router.ScoreForTest("A", SmallRequest()), 2 + 2, kScoreTolerance);
}

// §2.7 step 5: a strictly lower priority wins over a better score.
TEST(RouterSelect, PriorityBeatsScore) {
  RouterHarness h({});
  h.router.AddAccount(OAuthAccount("A", 1));
  h.router.AddAccount(OAuthAccount("B", 0));
  h.quota("B").unified_5h = 0.8;
  EXPECT_EQ(h.Pick(), "B");
}

// §15 scenario 40: a session stays on a warm (0.70) home when the move is not clearly better.
TEST(RouterSelect, Scenario40_SessionStaysOnWarmHome) {
  RouterHarness h;
  EXPECT_EQ(h.Complete(SmallRequest("S")), "A");
  h.quota("A").unified_5h = 0.70;
  h.quota("A").unified_5h_reset = h.now() + absl::Hours(2);
  EXPECT_EQ(h.Complete(SmallRequest("S")), "A");
  EXPECT_EQ(h.router.sessions().Peek("S")->home, "A");
}

// §15 scenario 41: at 0.86 session usage the session moves, and the move re-homes it.
TEST(RouterSelect, Scenario41_HotSessionMovesAndRehomes) {
  RouterHarness h;
  EXPECT_EQ(h.Complete(SmallRequest("S")), "A");
  h.quota("A").unified_5h = 0.86;
  h.quota("A").unified_5h_reset = h.now() + absl::Hours(2);
  EXPECT_EQ(h.Complete(SmallRequest("S")), "B");
  EXPECT_EQ(h.router.sessions().Peek("S")->home, "B");
  EXPECT_EQ(h.router.sessions().Peek("S")->current, "B");
}

// §15 scenario 42: a forced move keeps the home; the session snaps back on recovery.
TEST(RouterSelect, Scenario42_ForcedMoveSnapsBackHome) {
  RouterHarness h;
  EXPECT_EQ(h.Complete(SmallRequest("S")), "A");
  AccountState& a = h.account("A").state;
  a.status = AccountStatus::kThrottled;
  a.rate_limited_until = h.now() + absl::Seconds(60);
  EXPECT_EQ(h.Complete(SmallRequest("S")), "B");
  EXPECT_EQ(h.router.sessions().Peek("S")->home, "A");
  EXPECT_EQ(h.router.sessions().Peek("S")->current, "B");
  h.clock.Advance(absl::Seconds(61));
  EXPECT_EQ(h.Complete(SmallRequest("S")), "A");
  EXPECT_EQ(h.last_lease->migrated_from, "B");
}

// §15 scenario 43: manual preference, failover while it is throttled, return, and disabling it
// reverts to automatic.
TEST(RouterSelect, Scenario43_PreferredAccountWithFailover) {
  RouterHarness h;
  h.quota("A").unified_5h = 0.6;  // B scores better
  ASSERT_TRUE(h.router.SetPreferred("A").ok());
  EXPECT_EQ(h.Complete(), "A");
  EXPECT_EQ(h.Complete(), "A");
  AccountState& a = h.account("A").state;
  a.status = AccountStatus::kThrottled;
  a.rate_limited_until = h.now() + absl::Seconds(30);
  EXPECT_EQ(h.Complete(), "B");
  h.clock.Advance(absl::Seconds(31));
  EXPECT_EQ(h.Complete(), "A");
  ASSERT_TRUE(h.router.SetEnabled("A", false).ok());
  EXPECT_FALSE(h.router.policy().preferred);
  EXPECT_EQ(h.Complete(), "B");
}

// §6.7: only an existing, enabled, Claude account can be preferred.
TEST(RouterSelect, PreferenceRejectsUnknownDisabledAndProviderAccounts) {
  RouterHarness h;
  h.router.AddAccount(ProviderAccount("glm", Provider::kZai, 10));
  EXPECT_EQ(h.router.SetPreferred("nope").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(h.router.SetPreferred("glm").code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(h.router.SetEnabled("B", false).ok());
  EXPECT_EQ(h.router.SetPreferred("B").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(h.router.policy().preferred);
}

// §15 scenario 44: in sticky/never a provider serves nothing ordinary; prefer-claude uses it
// only when no Claude account can serve.
TEST(RouterSelect, Scenario44_ProviderFallbackByRoutingMode) {
  RouterHarness h;
  h.router.AddAccount(ProviderAccount("glm-fallback", Provider::kZai, 10));
  RequestInfo all = SmallRequest();
  all.profile = "all";
  for (const char* name : {"A", "B"}) {
    h.quota(name).unified_5h = 0.95;
    h.quota(name).unified_5h_reset = h.now() + absl::Hours(1);
  }
  EXPECT_EQ(h.Pick(all), "");

  SchedulerSettings prefer_claude;
  prefer_claude.routing_mode = RoutingMode::kPreferClaude;
  h.router.set_settings(prefer_claude);
  EXPECT_EQ(h.Pick(all), "glm-fallback");
  h.router.Release(*h.last_lease, {ReleaseKind::kNeutral, 0, ""});
  h.quota("A").unified_5h.reset();
  EXPECT_EQ(h.Pick(all), "A");
}

// §15 scenario 45: without the `all` profile provider accounts are never considered.
TEST(RouterSelect, Scenario45_ProvidersNeedTheAllProfile) {
  RouterHarness h({"A"});
  SchedulerSettings balance;
  balance.routing_mode = RoutingMode::kBalance;
  h.router.set_settings(balance);
  h.router.AddAccount(ProviderAccount("glm-fallback", Provider::kZai, 10));
  h.quota("A").unified_5h = 0.95;
  h.quota("A").unified_5h_reset = h.now() + absl::Hours(1);
  EXPECT_EQ(h.Pick(SmallRequest()), "");
}

// §15 scenario 46: an image request never goes to Kimi.
TEST(RouterSelect, Scenario46_ImagesNeverGoToKimi) {
  RouterHarness h({});
  SchedulerSettings balance;
  balance.routing_mode = RoutingMode::kBalance;
  h.router.set_settings(balance);
  h.router.AddAccount(ProviderAccount("kimi-fallback", Provider::kKimi, 20));
  RequestInfo r = SmallRequest();
  r.profile = "all";
  r.has_image = true;
  EXPECT_EQ(h.Pick(r), "");
  r.has_image = false;
  EXPECT_EQ(h.Pick(r), "kimi-fallback");
}

// §14 item 29: a strictly higher-priority account pulls a bound session back.
TEST(RouterSelect, PriorityPreemptsBoundSession) {
  RouterHarness h({});
  h.router.AddAccount(OAuthAccount("A", 0));
  h.router.AddAccount(OAuthAccount("B", 1));
  h.router.SetEnabled("A", false).IgnoreError();
  EXPECT_EQ(h.Complete(SmallRequest("S")), "B");
  h.router.SetEnabled("A", true).IgnoreError();
  EXPECT_EQ(h.Complete(SmallRequest("S")), "A");
  EXPECT_EQ(h.router.sessions().Peek("S")->home, "A");
}

// §6.6: a bound session with recent load is pulled onto an account added while running.
TEST(RouterSelect, WarmUpPullsBoundSessionToNewAccount) {
  RouterHarness h({"A"});
  EXPECT_EQ(h.Complete(SmallRequest("S")), "A");
  h.router.AddAccount(OAuthAccount("N"), /*added_while_running=*/true);
  EXPECT_EQ(h.Complete(SmallRequest("S")), "N");
  EXPECT_EQ(h.last_lease->path, SelectionPath::kWarmUp);
}

// §2.7 step 6 (RECOMMENDED, teamclaude #81): the soonest-reset fallback never revives an
// errored account.
TEST(RouterSelect, SoonestResetFallbackNeverRevivesErroredAccount) {
  RouterHarness h({"A"});
  AccountState& st = h.account("A").state;
  st.status = AccountStatus::kError;
  st.rate_limited_until = h.now() - absl::Seconds(1);
  EXPECT_EQ(h.Pick(), "");
  EXPECT_EQ(st.status, AccountStatus::kError);
}

// §1.3: an account with requests in flight cannot be removed; an idle one can, and a
// preference for it reverts to automatic.
TEST(RouterSelect, RemoveAccountOnlyWhenIdle) {
  RouterHarness h;
  ASSERT_TRUE(h.router.SetPreferred("A").ok());
  EXPECT_EQ(h.Pick(), "A");
  EXPECT_EQ(h.router.RemoveAccount("A").code(), absl::StatusCode::kFailedPrecondition);
  h.router.Release(*h.last_lease, {ReleaseKind::kSuccess, 200, ""});
  EXPECT_TRUE(h.router.RemoveAccount("A").ok());
  EXPECT_FALSE(h.router.policy().preferred);
  EXPECT_EQ(h.Complete(), "B");
}

}  // namespace
}  // namespace maxpool::core
