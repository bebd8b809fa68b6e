// pool::Pool: leases with credentials, wake-ups of held requests on events, and thread safety
// (docs/architecture.md principle 2; spec §5.3, §4.6).

#include "pool/pool.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "core/header_source.h"
#include "core/response_classifier.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"
#include "support/pool_waiter.h"
#include "support/router_harness.h"
#include "support/status_matchers.h"

namespace maxpool::pool {
namespace {

namespace asio = boost::asio;
using ::maxpool::testing::FailWith429;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::OAuthAccount;
using ::maxpool::testing::RunUntil;
using ::maxpool::testing::SmallRequest;
using ::maxpool::testing::Spawn;
using ::maxpool::testing::StatusIs;
using ::maxpool::testing::Token;
using ::maxpool::testing::Waiter;
using Steady = std::chrono::steady_clock;

// Options whose poll is long enough that only an event can wake a waiter during a test.
PoolOptions EventOnlyOptions() {
  PoolOptions options;
  options.queue.poll = absl::Hours(1);
  options.jitter_seed = 1;
  return options;
}

TEST(Pool, FingerprintIsFirstEightHexOfSha256) {
  // SHA-256("abc") = ba7816bf 8f01cfea ...
  EXPECT_EQ(Fingerprint("abc"), "ba7816bf");
  EXPECT_EQ(Fingerprint(""), "e3b0c442");
}

TEST(Pool, AcquireReturnsTheAccountsCredential) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("secret-a"));
  ASSERT_THAT(pool.UpdateCredential("A", Token("secret-a2")), IsOk());
  EXPECT_THAT(pool.UpdateCredential("missing", Token("x")), StatusIs(absl::StatusCode::kNotFound));

  core::RouteState route;
  std::optional<Grant> grant = pool.TryAcquire(SmallRequest(), route);
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->lease.account_name, "A");
  EXPECT_EQ(grant->credential.secret, "secret-a2");
  EXPECT_EQ(grant->credential.kind, CredentialKind::kOAuthBearer);
  EXPECT_EQ(pool.Snapshot()[0].state.in_flight, 1);

  pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
  EXPECT_EQ(pool.Snapshot()[0].state.in_flight, 0);
  EXPECT_EQ(pool.Snapshot()[0].state.completed_requests, 1);
}

TEST(Pool, MaxAttemptsIsConfiguredOrOnePassOverTheAccounts) {
  FakeClock clock;
  Pool empty(clock, PoolOptions{});
  EXPECT_EQ(empty.MaxAttempts(), 1);

  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B"), Token("b"));
  pool.AddAccount(OAuthAccount("C"), Token("c"));
  EXPECT_EQ(pool.MaxAttempts(), 3);

  PoolOptions options;
  options.retry.max_attempts_per_request = 5;
  Pool configured(clock, options);
  EXPECT_EQ(configured.MaxAttempts(), 5);
}

TEST(Pool, RemoveAccountDropsItFromSnapshotAndRefusesWhileInFlight) {
  FakeClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B"), Token("b"));
  core::RouteState route;
  std::optional<Grant> grant = pool.TryAcquire(SmallRequest(), route);
  ASSERT_TRUE(grant.has_value());
  EXPECT_THAT(pool.RemoveAccount(grant->lease.account_name),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
  EXPECT_THAT(pool.RemoveAccount(grant->lease.account_name), IsOk());
  ASSERT_EQ(pool.Snapshot().size(), 1u);
  EXPECT_NE(pool.Snapshot()[0].settings.name, grant->lease.account_name);
}

// §5.3: a held request is woken by the release of a lease, not by its (hour-long) poll.
TEST(Pool, ReleaseWakesAWaiter) {
  FakeClock clock;
  PoolOptions options = EventOnlyOptions();
  options.scheduler.safety_max_active_per_account = 1;
  Pool pool(clock, options);
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  asio::io_context io;

  core::RouteState busy_route;
  std::optional<Grant> busy = pool.TryAcquire(SmallRequest(), busy_route);
  ASSERT_TRUE(busy.has_value());

  Waiter waiter;
  Spawn(io, pool, waiter, clock.Now() + absl::Minutes(5));
  ASSERT_TRUE(RunUntil(io, [&] { return pool.waiting() == 1; }));
  io.run_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(waiter.result.has_value());

  pool.Release(busy->lease, {core::ReleaseKind::kSuccess, 200, ""});
  ASSERT_TRUE(RunUntil(
      io, [&] { return waiter.result.has_value(); }, std::chrono::milliseconds(500)));
  EXPECT_EQ(waiter.result->outcome, HoldOutcome::kAdmitted);
  ASSERT_TRUE(waiter.grant.has_value());
  EXPECT_EQ(waiter.grant->credential.secret, "a");
  EXPECT_EQ(pool.waiting(), 0);
}

// OnFailure releases the lease: a waiter blocked by the global cap is woken and routed to the
// other account while the failed one cools down (§4.7).
TEST(Pool, OnFailureWakesAWaiter) {
  FakeClock clock;
  PoolOptions options = EventOnlyOptions();
  options.scheduler.safety_max_global_active = 1;
  Pool pool(clock, options);
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B"), Token("b"));
  asio::io_context io;

  core::RequestInfo request = SmallRequest();
  core::RouteState route;
  std::optional<Grant> busy = pool.TryAcquire(request, route);
  ASSERT_TRUE(busy.has_value());

  Waiter waiter;
  Spawn(io, pool, waiter, clock.Now() + absl::Minutes(5));
  ASSERT_TRUE(RunUntil(io, [&] { return pool.waiting() == 1; }));

  core::ResponseVerdict verdict;
  verdict.failure = core::FailureClass::kUpstream5xx;
  core::AttemptContext attempt;
  attempt.status = 500;
  pool.OnFailure(busy->lease, request, route, verdict, attempt);

  ASSERT_TRUE(RunUntil(
      io, [&] { return waiter.result.has_value(); }, std::chrono::milliseconds(500)));
  EXPECT_EQ(waiter.result->outcome, HoldOutcome::kAdmitted);
  ASSERT_TRUE(waiter.grant.has_value());
  EXPECT_NE(waiter.grant->lease.account_name, busy->lease.account_name);
}

// §4.6: the probe's answer closes the breaker in Observe(); held requests wake at once instead of
// at the probe's 1 s retry hint.
TEST(Pool, BreakerCloseInObserveWakesWaiters) {
  FakeClock clock;
  Pool pool(clock, EventOnlyOptions());
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B"), Token("b"));
  asio::io_context io;

  // §15 scenario 16: the same unexplained 429 from A then B opens the breaker for 60 s.
  core::RequestInfo request = SmallRequest();
  core::RouteState route;
  FailWith429(pool, request, route, clock);
  clock.Advance(absl::Seconds(5));
  FailWith429(pool, request, route, clock);
  clock.Advance(absl::Seconds(60));

  // The probe goes out; a request held behind it waits (oracle: upstream_probe, 1 s).
  core::RouteState probe_route;
  std::optional<Grant> probe = pool.TryAcquire(SmallRequest(), probe_route);
  ASSERT_TRUE(probe.has_value());
  ASSERT_TRUE(probe->lease.probe_generation.has_value());
  Waiter waiter;
  Spawn(io, pool, waiter, clock.Now() + absl::Minutes(5));
  ASSERT_TRUE(RunUntil(io, [&] { return pool.waiting() == 1; }));
  EXPECT_EQ(pool.NextRetry(waiter.request, waiter.route).cause, core::RetryCause::kUpstreamProbe);

  const Steady::time_point start = Steady::now();
  pool.Observe(probe->lease, 200, core::FlatHeaders{});
  ASSERT_TRUE(RunUntil(
      io, [&] { return waiter.result.has_value(); }, std::chrono::milliseconds(500)));
  EXPECT_LT(Steady::now() - start, std::chrono::milliseconds(500));
  EXPECT_EQ(waiter.result->outcome, HoldOutcome::kAdmitted);
  pool.Release(probe->lease, {core::ReleaseKind::kSuccess, 200, ""});
}

// Enabling an account returns capacity at once (§1.3).
TEST(Pool, EnablingAnAccountWakesWaiters) {
  FakeClock clock;
  PoolOptions options = EventOnlyOptions();
  options.scheduler.safety_max_active_per_account = 1;
  Pool pool(clock, options);
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  core::AccountSettings b = OAuthAccount("B");
  b.enabled = false;
  pool.AddAccount(b, Token("b"));
  asio::io_context io;

  core::RouteState busy_route;
  std::optional<Grant> busy = pool.TryAcquire(SmallRequest(), busy_route);
  ASSERT_TRUE(busy.has_value());
  Waiter waiter;
  Spawn(io, pool, waiter, clock.Now() + absl::Minutes(5));
  ASSERT_TRUE(RunUntil(io, [&] { return pool.waiting() == 1; }));

  ASSERT_THAT(pool.SetEnabled("B", true), IsOk());
  ASSERT_TRUE(RunUntil(
      io, [&] { return waiter.result.has_value(); }, std::chrono::milliseconds(500)));
  EXPECT_EQ(waiter.result->outcome, HoldOutcome::kAdmitted);
  ASSERT_TRUE(waiter.grant.has_value());
  EXPECT_EQ(waiter.grant->lease.account_name, "B");
}

// §9.3: pausing admission ends held requests (no eligible route) instead of holding up a restart.
TEST(Pool, AdmissionPauseEndsWaitsWithNotRecovering) {
  FakeClock clock;
  PoolOptions options = EventOnlyOptions();
  options.scheduler.safety_max_active_per_account = 1;
  Pool pool(clock, options);
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  asio::io_context io;

  core::RouteState busy_route;
  std::optional<Grant> busy = pool.TryAcquire(SmallRequest(), busy_route);
  ASSERT_TRUE(busy.has_value());
  Waiter waiter;
  Spawn(io, pool, waiter, clock.Now() + absl::Minutes(5));
  ASSERT_TRUE(RunUntil(io, [&] { return pool.waiting() == 1; }));

  pool.SetAdmissionPaused(true);
  ASSERT_TRUE(RunUntil(
      io, [&] { return waiter.result.has_value(); }, std::chrono::milliseconds(500)));
  EXPECT_EQ(waiter.result->outcome, HoldOutcome::kNotRecovering);
  EXPECT_EQ(pool.waiting(), 0);
  EXPECT_FALSE(waiter.route.has_ticket);
}

// Principle 2: one lock serialises the router. Eight threads acquiring and releasing leave the
// counters exact (no lost updates).
TEST(Pool, ConcurrentAcquireReleaseKeepsCountsConsistent) {
  core::SystemClock clock;
  Pool pool(clock, PoolOptions{});
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B"), Token("b"));
  pool.AddAccount(OAuthAccount("C"), Token("c"));

  constexpr int kThreads = 8;
  constexpr int kIterations = 500;
  std::atomic<int> granted{0};
  std::atomic<int> max_in_flight{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        core::RouteState route;
        std::optional<Grant> grant = pool.TryAcquire(SmallRequest("s" + std::to_string(t)), route);
        if (!grant) continue;
        granted.fetch_add(1);
        int in_flight = 0;
        for (const core::Account& account : pool.Snapshot()) in_flight += account.state.in_flight;
        int seen = max_in_flight.load();
        while (in_flight > seen && !max_in_flight.compare_exchange_weak(seen, in_flight)) {
        }
        pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(granted.load(), kThreads * kIterations);
  EXPECT_LE(max_in_flight.load(), kThreads);
  int64_t completed = 0;
  for (const core::Account& account : pool.Snapshot()) {
    EXPECT_EQ(account.state.in_flight, 0) << account.settings.name;
    EXPECT_EQ(account.state.active_weight, 0) << account.settings.name;
    completed += account.state.completed_requests;
  }
  EXPECT_EQ(completed, kThreads * kIterations);
}

}  // namespace
}  // namespace maxpool::pool
