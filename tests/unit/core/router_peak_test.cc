// Peak windows in the routing core (spec §12.3): a provider in its peak is ranked after every
// account outside it, barred outright with a cap of 0 (held until the window ends), never a
// migration target, and a session it had to leave keeps it as its home.

#include <gtest/gtest.h>

#include "core/hold_policy.h"
#include "core/router.h"
#include "support/router_harness.h"

namespace maxpool::core {
namespace {

using ::maxpool::testing::ProviderAccount;
using ::maxpool::testing::RouterHarness;
using ::maxpool::testing::SmallRequest;

// The harness starts on Thursday 2026-11-26 12:00 UTC; the peak is Thursday 13:00-15:00 UTC.
ProviderPeak ThursdayPeak(double cap = 0.5) {
  ProviderPeak peak;
  peak.zone = absl::UTCTimeZone();
  peak.windows = {{{4}, 13 * 60, 15 * 60}};
  peak.cap = cap;
  return peak;
}

// Sticky routing with z.ai always allowed for Claude requests: outside its peak the GLM account
// (priority 0) is preferred over the Claude one (priority 5).
SchedulerSettings Settings(double cap = 0.5) {
  SchedulerSettings s;
  s.zai_claude_fallback = ClaudeFallback::kAlways;
  s.zai_peak = ThursdayPeak(cap);
  return s;
}

RequestInfo Request(std::string session = "") {
  RequestInfo r = SmallRequest(std::move(session));
  r.profile = "all";
  return r;
}

void AddPair(RouterHarness& h) {
  h.router.AddAccount(ProviderAccount("glm", Provider::kZai, 0));
  AccountSettings claude = ::maxpool::testing::OAuthAccount("claude", 5);
  claude.profiles = {"claude", "all"};
  h.router.AddAccount(claude);
}

TEST(RouterPeak, AProviderInItsPeakIsRankedAfterEveryOtherAccount) {
  RouterHarness h({}, Settings());
  AddPair(h);
  EXPECT_EQ(h.Complete(Request()), "glm");
  h.clock.Advance(absl::Hours(1));  // 13:00: the peak starts
  EXPECT_EQ(h.Complete(Request()), "claude");
  // Over the cap it is ranked lower still, but with nothing else it still serves.
  h.quota("glm").provider_wk = 0.7;
  ASSERT_TRUE(h.router.SetEnabled("claude", false).ok());
  EXPECT_EQ(h.Complete(Request()), "glm");
  ASSERT_TRUE(h.router.SetEnabled("claude", true).ok());
  h.clock.Advance(absl::Hours(2));  // 15:00: over
  EXPECT_EQ(h.Complete(Request()), "glm");
}

TEST(RouterPeak, CapZeroBarsTheProviderUntilTheWindowEnds) {
  RouterHarness h({}, Settings(/*cap=*/0));
  h.router.AddAccount(ProviderAccount("glm", Provider::kZai, 0));
  EXPECT_EQ(h.Pick(Request()), "glm");
  h.router.Release(*h.last_lease, {ReleaseKind::kSuccess, 200, ""});
  h.clock.Advance(absl::Minutes(90));  // 13:30
  EXPECT_EQ(h.Pick(Request()), "");
  const RetryPlan plan = h.router.NextRetry(Request(), RouteState{});
  EXPECT_EQ(plan.cause, RetryCause::kPeakWindow);
  EXPECT_EQ(plan.retry_after, absl::Minutes(90));
  // The answer says why, and what to change.
  const std::string message =
      HonestMessage(h.router.Census(Request()), plan, /*recovering=*/false, h.now());
  EXPECT_NE(message.find("peak hours"), std::string::npos) << message;
  EXPECT_NE(message.find("peakCap"), std::string::npos) << message;
  EXPECT_NE(message.find("the peak ends in ~" + FormatWait(absl::Minutes(90))), std::string::npos)
      << message;
  h.clock.Advance(absl::Minutes(90));
  EXPECT_EQ(h.Pick(Request()), "glm");
}

TEST(RouterPeak, ASessionMovesOffForThePeakAndComesBackHome) {
  RouterHarness h({}, Settings());
  AddPair(h);
  EXPECT_EQ(h.Complete(Request("s")), "glm");
  h.clock.Advance(absl::Hours(1));
  EXPECT_EQ(h.Complete(Request("s")), "claude");
  const SessionBinding* binding = h.router.sessions().Peek("s");
  ASSERT_NE(binding, nullptr);
  EXPECT_EQ(binding->home, "glm");
  EXPECT_EQ(binding->current, "claude");
  h.clock.Advance(absl::Hours(2));
  EXPECT_EQ(h.Complete(Request("s")), "glm");
}

TEST(RouterPeak, CriticalPeakUnlockLetsACriticalAccountServeInPassOne) {
  SchedulerSettings s = Settings();
  s.critical_peak_unlock = true;
  s.critical_pressure_unlock_routes = -1;  // only the peak can unlock here
  RouterHarness h({"A", "B"}, s);
  h.router.AddAccount(ProviderAccount("glm", Provider::kZai, 10));
  h.quota("A").unified_7d = 0.97;  // critical, its reset far away
  h.quota("A").unified_7d_reset = h.now() + absl::Hours(100);
  ASSERT_TRUE(h.router.SetEnabled("B", false).ok());
  // Outside the peak A serves only as the last resort (pass 2).
  EXPECT_EQ(h.Pick(), "A");
  EXPECT_EQ(h.last_lease->unlock, CriticalUnlock::kNone);
  h.router.Release(*h.last_lease, {ReleaseKind::kSuccess, 200, ""});
  h.clock.Advance(absl::Hours(1));
  EXPECT_EQ(h.Pick(), "A");
  EXPECT_EQ(h.last_lease->unlock, CriticalUnlock::kPeak);
}

}  // namespace
}  // namespace maxpool::core
