// The shared breaker's state machine (spec §4.6).

#include "core/shared_breaker.h"

#include "gtest/gtest.h"

namespace maxpool::core {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1795694400);

TEST(SharedBreaker, OpenBlocksUntilExpiryThenOneProbe) {
  SharedBreaker b;
  EXPECT_FALSE(b.Blocking(kT0));
  b.Open(kT0, absl::Seconds(60), "test");
  EXPECT_TRUE(b.Blocking(kT0 + absl::Seconds(59)));
  EXPECT_EQ(b.RetryAfter(kT0 + absl::Seconds(20)), absl::Seconds(40));
  EXPECT_FALSE(b.TryClaimProbe(kT0 + absl::Seconds(59)).has_value());
  std::optional<int> probe = b.TryClaimProbe(kT0 + absl::Seconds(60));
  ASSERT_TRUE(probe.has_value());
  EXPECT_FALSE(b.TryClaimProbe(kT0 + absl::Seconds(60)).has_value()) << "one probe at a time";
  EXPECT_TRUE(b.Blocking(kT0 + absl::Seconds(61)));
  EXPECT_EQ(b.RetryAfter(kT0 + absl::Seconds(61)), absl::Seconds(1));
  b.OnProbeSucceeded(kT0 + absl::Seconds(62), *probe);
  EXPECT_FALSE(b.open());
  EXPECT_FALSE(b.Blocking(kT0 + absl::Seconds(62)));
}

TEST(SharedBreaker, OpenExtendsButNeverShortens) {
  SharedBreaker b;
  b.Open(kT0, absl::Seconds(60), "a");
  b.Open(kT0 + absl::Seconds(1), absl::Seconds(10), "b");
  EXPECT_EQ(b.until(), kT0 + absl::Seconds(60));
  EXPECT_EQ(b.open_count(), 2);
}

TEST(SharedBreaker, RelinquishedProbeCostsNothing) {
  SharedBreaker b;
  b.Open(kT0, absl::Seconds(1), "test");
  std::optional<int> probe = b.TryClaimProbe(kT0 + absl::Seconds(1));
  ASSERT_TRUE(probe);
  b.RelinquishProbe(*probe);
  EXPECT_EQ(b.failed_probes(), 0);
  EXPECT_TRUE(b.TryClaimProbe(kT0 + absl::Seconds(1)).has_value());
}

// A probe failure that re-opened the breaker is not counted again (§4.6 "not caused by a
// re-open").
TEST(SharedBreaker, FailureAfterReopenIsIgnored) {
  SharedBreaker b;
  b.Open(kT0, absl::Seconds(1), "test");
  std::optional<int> probe = b.TryClaimProbe(kT0 + absl::Seconds(1));
  b.Open(kT0 + absl::Seconds(2), absl::Seconds(60), "again");
  b.OnProbeFailed(kT0 + absl::Seconds(2), *probe);
  EXPECT_EQ(b.failed_probes(), 0);
  EXPECT_EQ(b.until(), kT0 + absl::Seconds(62));
}

// §14 item 36: admissions are spaced for 5 s after closing.
TEST(SharedBreaker, AdmissionRampAfterClose) {
  SharedBreaker b;
  b.Open(kT0, absl::Seconds(1), "test");
  std::optional<int> probe = b.TryClaimProbe(kT0 + absl::Seconds(1));
  b.OnProbeSucceeded(kT0 + absl::Seconds(2), *probe);
  EXPECT_TRUE(b.InAdmissionRamp(kT0 + absl::Seconds(2)));
  EXPECT_TRUE(b.InAdmissionRamp(kT0 + absl::Milliseconds(6999)));
  EXPECT_FALSE(b.InAdmissionRamp(kT0 + absl::Seconds(7)));
}

// Cluster mode: another replica's opening is taken once, and never one this replica saw through.
TEST(SharedBreaker, AdoptsAnotherReplicasOpeningOnce) {
  SharedBreaker b;
  const absl::Time until = kT0 + absl::Seconds(60);
  EXPECT_FALSE(b.Adopt(kT0 + absl::Seconds(61), kT0, until, "late")) << "already over";
  ASSERT_TRUE(b.Adopt(kT0 + absl::Seconds(2), kT0, until, "elsewhere"));
  EXPECT_TRUE(b.Blocking(kT0 + absl::Seconds(59)));
  EXPECT_EQ(b.until(), until);
  EXPECT_EQ(b.reason(), "elsewhere");
  EXPECT_FALSE(b.Adopt(kT0 + absl::Seconds(4), kT0, until, "again")) << "the same opening";
  EXPECT_FALSE(b.Adopt(kT0 + absl::Seconds(4), kT0 + absl::Seconds(2), until, "echo"))
      << "this replica's own copy of it, read back: it ends no later";

  // Seen through by this replica's probe: the same opening, read again, is not taken.
  std::optional<int> probe = b.TryClaimProbe(until);
  ASSERT_TRUE(probe.has_value());
  b.OnProbeSucceeded(until + absl::Seconds(1), *probe);
  ASSERT_FALSE(b.open());
  EXPECT_FALSE(b.Adopt(until + absl::Seconds(2), kT0, until + absl::Seconds(5), "deferred"));

  // A later opening is news.
  const absl::Time reopened = until + absl::Seconds(3);
  EXPECT_TRUE(b.Adopt(reopened + absl::Seconds(1), reopened, reopened + absl::Seconds(30), "new"));
  EXPECT_EQ(b.until(), reopened + absl::Seconds(30));
}

TEST(SharedBreaker, AdoptExtendsAnOpenBreakerOnlyWithALaterOpening) {
  SharedBreaker b;
  b.Open(kT0, absl::Seconds(10), "mine");
  EXPECT_FALSE(
      b.Adopt(kT0 + absl::Seconds(1), kT0 - absl::Seconds(5), kT0 + absl::Seconds(50), "older"));
  EXPECT_TRUE(
      b.Adopt(kT0 + absl::Seconds(2), kT0 + absl::Seconds(1), kT0 + absl::Seconds(50), "newer"));
  EXPECT_EQ(b.until(), kT0 + absl::Seconds(50));
}

}  // namespace
}  // namespace maxpool::core
