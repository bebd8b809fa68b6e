// The hold queue (spec §5.3, §5.5) and Pool::Hold(): FIFO admission, wake-ups, caps, expiry,
// cancellation and the post-breaker admission ramp (§4.6), against §15 scenarios 35, 37 and 38.

#include "pool/hold_queue.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "boost/asio/bind_cancellation_slot.hpp"
#include "boost/asio/cancellation_signal.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/strand.hpp"
#include "core/header_source.h"
#include "core/response_classifier.h"
#include "gtest/gtest.h"
#include "pool/pool.h"
#include "support/fake_clock.h"
#include "support/pool_waiter.h"
#include "support/router_harness.h"
#include "support/status_matchers.h"

namespace maxpool::pool {
namespace {

namespace asio = boost::asio;
using ::maxpool::testing::AcquireNow;
using ::maxpool::testing::Enqueue;
using ::maxpool::testing::FailWith429;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::HoldThenAcquire;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::OAuthAccount;
using ::maxpool::testing::Rethrow;
using ::maxpool::testing::RunBriefly;
using ::maxpool::testing::RunUntil;
using ::maxpool::testing::SmallRequest;
using ::maxpool::testing::Spawn;
using ::maxpool::testing::Succeed;
using ::maxpool::testing::Token;
using ::maxpool::testing::Waiter;
using Steady = std::chrono::steady_clock;

// One account "A" that serves one request at a time, and a poll so long that only events wake
// waiters during a test.
PoolOptions OneSlotOptions() {
  PoolOptions options;
  options.scheduler.safety_max_active_per_account = 1;
  options.queue.poll = absl::Hours(1);
  options.jitter_seed = 7;
  return options;
}

// --- HoldQueue alone
// ------------------------------------------------------------------------------

// §5.5: registration reaps heads whose deadline has passed before it counts the waiters.
TEST(HoldQueue, RegistrationReapsStaleHeads) {
  core::QueueSettings settings;
  settings.max_concurrent_queued = 2;
  HoldQueue queue(settings);
  const absl::Time now = FakeClock::DefaultStart();
  bool reaped = true;
  ASSERT_TRUE(queue.Register(10, "s1", now + absl::Seconds(1), nullptr, now, &reaped));
  EXPECT_FALSE(reaped);
  ASSERT_TRUE(queue.Register(20, "s2", now + absl::Seconds(9), nullptr, now));
  EXPECT_FALSE(queue.Register(30, "s3", now + absl::Seconds(9), nullptr, now)) << "full";

  const absl::Time later = now + absl::Seconds(2);
  EXPECT_TRUE(queue.Register(30, "s3", later + absl::Seconds(9), nullptr, later, &reaped));
  EXPECT_TRUE(reaped);
  EXPECT_EQ(queue.size(), 2);
  EXPECT_EQ(queue.queued_bytes(), 50);
}

// §5.5: only the head is admitted; a stale ticket ahead does not block it, and removing a ticket
// that is not queued is a no-op.
TEST(HoldQueue, OnlyTheLiveHeadIsAdmitted) {
  HoldQueue queue{core::QueueSettings{}};
  const absl::Time now = FakeClock::DefaultStart();
  const uint64_t first = *queue.Register(1, "", now + absl::Seconds(5), nullptr, now);
  const uint64_t second = *queue.Register(1, "", now + absl::Seconds(50), nullptr, now);
  EXPECT_EQ(queue.TryAdmit(second, now, false).admission, HoldQueue::Admission::kNotHead);

  const absl::Time later = now + absl::Seconds(10);  // `first` is past its deadline
  EXPECT_EQ(queue.TryAdmit(second, later, false).admission, HoldQueue::Admission::kAdmitted);
  EXPECT_EQ(queue.TryAdmit(second, later, false).admission, HoldQueue::Admission::kGone);
  bool was_head = false;
  EXPECT_TRUE(queue.Remove(first, later, &was_head));
  EXPECT_TRUE(was_head);
  EXPECT_FALSE(queue.Remove(first, later));
  EXPECT_EQ(queue.size(), 0);
  EXPECT_EQ(queue.queued_bytes(), 0);
}

// --- Pool::Hold
// -----------------------------------------------------------------------------------

// The requirement: a waiter is admitted within 100 ms of capacity returning, woken by the
// release (the default 1 s poll cannot explain it). The io_context runs on its own thread and the
// release comes from this one.
TEST(PoolHold, AdmittedWithin100msWhenAReleaseReturnsCapacity) {
  FakeClock clock;  // not advanced while the io thread runs
  PoolOptions options = OneSlotOptions();
  options.queue.poll = absl::Seconds(1);
  Pool pool(clock, options);
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  const Grant busy = AcquireNow(pool);

  Waiter waiter;
  std::promise<HoldOutcome> outcome;
  asio::io_context io;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await HoldThenAcquire(pool, waiter, clock.Now() + absl::Minutes(5));
        outcome.set_value(waiter.result->outcome);
      },
      Rethrow);
  std::thread runner([&io] { io.run(); });

  const Steady::time_point give_up = Steady::now() + std::chrono::seconds(2);
  while (pool.waiting() == 0 && Steady::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(pool.waiting(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));  // let it fall asleep

  std::future<HoldOutcome> admitted = outcome.get_future();
  const Steady::time_point released = Steady::now();
  Succeed(pool, busy);
  const bool ready = admitted.wait_for(std::chrono::milliseconds(100)) == std::future_status::ready;
  const Steady::duration latency = Steady::now() - released;
  EXPECT_TRUE(ready) << "not admitted within 100 ms";
  if (!ready) admitted.wait();
  runner.join();  // the coroutine has finished and nothing else is pending

  EXPECT_LT(latency, std::chrono::milliseconds(100));
  EXPECT_EQ(admitted.get(), HoldOutcome::kAdmitted);
  ASSERT_TRUE(waiter.grant.has_value());
  EXPECT_EQ(waiter.grant->lease.account_name, "A");
}

// §5.5: three waiters are served in arrival order when capacity returns one lease at a time, and
// each release admits exactly one.
TEST(PoolHold, FifoOrderWhenCapacityReturnsOneLeaseAtATime) {
  FakeClock clock;
  Pool pool(clock, OneSlotOptions());
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  Grant current = AcquireNow(pool);

  Waiter waiters[3];
  asio::io_context io;
  for (Waiter& waiter : waiters) Enqueue(io, pool, waiter, clock.Now() + absl::Minutes(5));
  RunBriefly(io);
  for (const Waiter& waiter : waiters) EXPECT_FALSE(waiter.result.has_value());

  for (int i = 0; i < 3; ++i) {
    Succeed(pool, current);
    ASSERT_TRUE(RunUntil(io, [&] { return waiters[i].grant.has_value(); })) << "waiter " << i;
    RunBriefly(io);
    for (int j = i + 1; j < 3; ++j) {
      EXPECT_FALSE(waiters[j].result.has_value()) << "waiter " << j << " overtook " << i;
    }
    EXPECT_EQ(pool.waiting(), 2 - i);
    current = *waiters[i].grant;
  }
  Succeed(pool, current);
}

// §5.5: admission follows the queue, not the order in which waiters happen to run: with the head
// on another (idle) context, a later waiter sees the free slot but is not admitted.
TEST(PoolHold, OnlyTheHeadIsAdmittedWhateverOrderWaitersRun) {
  FakeClock clock;
  Pool pool(clock, OneSlotOptions());
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  const Grant busy = AcquireNow(pool);

  Waiter head, later;
  asio::io_context head_io, later_io;
  Enqueue(head_io, pool, head, clock.Now() + absl::Minutes(5));
  Enqueue(later_io, pool, later, clock.Now() + absl::Minutes(5));

  Succeed(pool, busy);
  RunBriefly(later_io);
  EXPECT_FALSE(later.result.has_value()) << "admitted ahead of the head";
  ASSERT_TRUE(RunUntil(head_io, [&] { return head.grant.has_value(); }));

  Succeed(pool, *head.grant);
  ASSERT_TRUE(RunUntil(later_io, [&] { return later.grant.has_value(); }));
  Succeed(pool, *later.grant);
}

// Waiters on their own strands of a two-thread io_context, as the proxy runs them: each holds,
// acquires, and releases at once, re-holding when it lost the race for a slot. Every one is
// served by events alone (the poll is an hour) and the counters end balanced.
asio::awaitable<void> ServeOnce(Pool& pool, std::atomic<int>& served) {
  core::RequestInfo request = SmallRequest();
  core::RouteState route;
  for (;;) {
    const HoldResult result = co_await pool.Hold(request, route, absl::InfiniteFuture());
    if (result.outcome != HoldOutcome::kAdmitted) throw std::runtime_error("not admitted");
    std::optional<Grant> grant = pool.TryAcquire(request, route);
    if (!grant) continue;  // lost the slot to a concurrent admission: back to the tail
    pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
    served.fetch_add(1);
    co_return;
  }
}

TEST(PoolHold, WaitersOnStrandsAcrossThreadsAreAllServed) {
  FakeClock clock;  // not advanced while the io threads run
  PoolOptions options = OneSlotOptions();
  options.scheduler.safety_max_active_per_account = 2;
  Pool pool(clock, options);
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  const Grant busy1 = AcquireNow(pool);
  const Grant busy2 = AcquireNow(pool);

  constexpr int kWaiters = 16;
  std::atomic<int> served{0};
  asio::io_context io;
  for (int i = 0; i < kWaiters; ++i) {
    asio::co_spawn(asio::make_strand(io), ServeOnce(pool, served), Rethrow);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) threads.emplace_back([&io] { io.run(); });

  const Steady::time_point give_up = Steady::now() + std::chrono::seconds(5);
  while (pool.waiting() < kWaiters && Steady::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(pool.waiting(), kWaiters);
  Succeed(pool, busy1);
  Succeed(pool, busy2);
  while (served.load() < kWaiters && Steady::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(served.load(), kWaiters);
  if (served.load() < kWaiters) io.stop();
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(pool.waiting(), 0);
  EXPECT_EQ(pool.Snapshot()[0].state.in_flight, 0);
  EXPECT_EQ(pool.Snapshot()[0].state.completed_requests, kWaiters + 2);
}

// §15 scenario 38: a held request whose only route becomes disabled while waiting ends with the
// honest "not recovering" answer, without waiting for its deadline.
TEST(PoolHold, Scenario38_AllRoutesDisabledWhileWaitingEndsWithNotRecovering) {
  FakeClock clock;
  Pool pool(clock, OneSlotOptions());
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  const Grant busy = AcquireNow(pool);

  Waiter waiter;
  asio::io_context io;
  Enqueue(io, pool, waiter, clock.Now() + absl::Minutes(5));
  ASSERT_THAT(pool.SetEnabled("A", false), IsOk());
  ASSERT_TRUE(RunUntil(
      io, [&] { return waiter.result.has_value(); }, std::chrono::milliseconds(500)));
  EXPECT_EQ(waiter.result->outcome, HoldOutcome::kNotRecovering);
  EXPECT_FALSE(waiter.result->plan.available);
  EXPECT_FALSE(waiter.result->plan.retry_after.has_value());
  EXPECT_EQ(pool.waiting(), 0);
  EXPECT_FALSE(waiter.route.has_ticket);
  EXPECT_FALSE(waiter.route.admitted);
  Succeed(pool, busy);
}

// §5.3: at the deadline the waiter makes one final check and then expires. The fake clock alone
// drives it: with an hour-long poll, only its jumps wake the waiter (the hold queue runs on the
// injected clock).
TEST(PoolHold, ExpiresAtTheDeadline) {
  FakeClock clock;
  Pool pool(clock, OneSlotOptions());
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  const Grant busy = AcquireNow(pool);

  Waiter waiter;
  asio::io_context io;
  Enqueue(io, pool, waiter, clock.Now() + absl::Seconds(10));
  clock.Advance(absl::Seconds(9));  // the poll is an hour: only the clock's jump wakes it
  RunBriefly(io);
  EXPECT_FALSE(waiter.result.has_value());

  clock.Advance(absl::Seconds(1));
  ASSERT_TRUE(RunUntil(io, [&] { return waiter.result.has_value(); }));
  EXPECT_EQ(waiter.result->outcome, HoldOutcome::kExpired);
  EXPECT_EQ(waiter.result->plan.cause, core::RetryCause::kConcurrencyCap);
  EXPECT_EQ(pool.waiting(), 0);
  EXPECT_FALSE(waiter.route.has_ticket);
  Succeed(pool, busy);
}

// §5.3: the final check at the deadline still admits when capacity is back by then.
TEST(PoolHold, FinalCheckAtTheDeadlineStillAdmits) {
  FakeClock clock;
  Pool pool(clock, OneSlotOptions());
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  const Grant busy = AcquireNow(pool);

  Waiter waiter;
  asio::io_context io;
  Enqueue(io, pool, waiter, clock.Now() + absl::Seconds(10));
  clock.Advance(absl::Seconds(30));
  Succeed(pool, busy);
  ASSERT_TRUE(RunUntil(io, [&] { return waiter.result.has_value(); }));
  EXPECT_EQ(waiter.result->outcome, HoldOutcome::kAdmitted);
  ASSERT_TRUE(waiter.grant.has_value());
  Succeed(pool, *waiter.grant);
}

// §15 scenario 35: with 64 requests held, a 65th is refused at once (the caller answers 429).
// The 64 are left suspended: destroying the io_context removes their tickets cleanly.
TEST(PoolHold, Scenario35_SixtyFifthWaiterIsRefused) {
  FakeClock clock;
  Pool pool(clock, OneSlotOptions());
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  const Grant busy = AcquireNow(pool);

  std::vector<Waiter> waiters(65);
  {
    asio::io_context io;
    for (int i = 0; i < 64; ++i) Spawn(io, pool, waiters[i], clock.Now() + absl::Minutes(5));
    ASSERT_TRUE(RunUntil(io, [&] { return pool.waiting() == 64; }));

    Spawn(io, pool, waiters[64], clock.Now() + absl::Minutes(5));
    ASSERT_TRUE(RunUntil(io, [&] { return waiters[64].result.has_value(); }));
    EXPECT_EQ(waiters[64].result->outcome, HoldOutcome::kQueueFull);
    EXPECT_EQ(waiters[64].result->plan.cause, core::RetryCause::kConcurrencyCap)
        << core::RetryCauseName(waiters[64].result->plan.cause);
    EXPECT_FALSE(waiters[64].route.has_ticket);
    EXPECT_EQ(pool.waiting(), 64);
  }
  EXPECT_EQ(pool.waiting(), 0);
  for (const Waiter& waiter : waiters) EXPECT_FALSE(waiter.route.has_ticket);
  Succeed(pool, busy);
}

// §5.5: a waiter is refused when the queue is not empty and its body would take the queued
// bytes past queue.max_queued_bytes; the first waiter is never refused for its size.
TEST(PoolHold, QueueFullWhenQueuedBytesWouldExceedTheCap) {
  FakeClock clock;
  PoolOptions options = OneSlotOptions();
  options.queue.max_queued_bytes = 1000;
  Pool pool(clock, options);
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  const Grant busy = AcquireNow(pool);

  Waiter big, small, too_much;
  big.request.body_bytes = 1200;
  small.request.body_bytes = 100;
  too_much.request.body_bytes = 100;
  asio::io_context io;
  Enqueue(io, pool, big, clock.Now() + absl::Minutes(5));
  Spawn(io, pool, small, clock.Now() + absl::Minutes(5));
  ASSERT_TRUE(RunUntil(io, [&] { return small.result.has_value(); }));
  EXPECT_EQ(small.result->outcome, HoldOutcome::kQueueFull);

  // Once the big one leaves (admitted), 100 + 100 bytes fit.
  Succeed(pool, busy);
  ASSERT_TRUE(RunUntil(io, [&] { return big.grant.has_value(); }));
  Waiter next;
  next.request.body_bytes = 100;
  too_much.request.body_bytes = 901;
  Enqueue(io, pool, next, clock.Now() + absl::Minutes(5));
  Spawn(io, pool, too_much, clock.Now() + absl::Minutes(5));
  ASSERT_TRUE(RunUntil(io, [&] { return too_much.result.has_value(); }));
  EXPECT_EQ(too_much.result->outcome, HoldOutcome::kQueueFull);
  EXPECT_EQ(pool.waiting(), 1);

  Succeed(pool, *big.grant);
  ASSERT_TRUE(RunUntil(io, [&] { return next.grant.has_value(); }));
  Succeed(pool, *next.grant);
}

// §15 scenario 37: a held client that leaves (its cancellation slot fires) loses its ticket at
// once, never sends upstream, and the FIFO gate lifts for newcomers.
TEST(PoolHold, Scenario37_CancelledWaiterLeavesTheQueue) {
  FakeClock clock;
  Pool pool(clock, OneSlotOptions());
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  const Grant busy = AcquireNow(pool);

  Waiter waiter;
  asio::cancellation_signal client_gone;
  asio::io_context io;
  asio::co_spawn(io, HoldThenAcquire(pool, waiter, clock.Now() + absl::Minutes(5)),
                 asio::bind_cancellation_slot(client_gone.slot(), Rethrow));
  ASSERT_TRUE(RunUntil(io, [&] { return pool.waiting() == 1; }));
  RunBriefly(io);

  client_gone.emit(asio::cancellation_type::terminal);
  ASSERT_TRUE(RunUntil(
      io, [&] { return waiter.result.has_value(); }, std::chrono::milliseconds(500)));
  EXPECT_EQ(waiter.result->outcome, HoldOutcome::kCancelled);
  EXPECT_FALSE(waiter.grant.has_value());
  EXPECT_EQ(pool.waiting(), 0);
  EXPECT_FALSE(waiter.route.has_ticket);

  Succeed(pool, busy);
  core::RouteState newcomer;
  std::optional<Grant> grant = pool.TryAcquire(SmallRequest(), newcomer);
  ASSERT_TRUE(grant.has_value()) << "the FIFO gate should have lifted";
  Succeed(pool, *grant);
}

// §5.5 FIFO gate: while a request waits, a newcomer without a ticket cannot take the capacity
// that returns; the waiter gets it.
TEST(PoolHold, NewcomerDoesNotOvertakeWaiters) {
  FakeClock clock;
  Pool pool(clock, OneSlotOptions());
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  const Grant busy = AcquireNow(pool);

  Waiter waiter;
  asio::io_context io;
  Enqueue(io, pool, waiter, clock.Now() + absl::Minutes(5));

  Succeed(pool, busy);  // capacity returns; the waiter has not run yet
  core::RouteState newcomer;
  EXPECT_FALSE(pool.TryAcquire(SmallRequest(), newcomer).has_value());
  EXPECT_FALSE(newcomer.admitted);

  ASSERT_TRUE(RunUntil(io, [&] { return waiter.grant.has_value(); }));
  EXPECT_EQ(waiter.result->outcome, HoldOutcome::kAdmitted);
  EXPECT_FALSE(waiter.route.admitted) << "the admission is consumed by the acquire";
  Succeed(pool, *waiter.grant);
}

// §4.6: for 5 s after the breaker closes, queued requests are admitted at most one per 250 ms.
TEST(PoolHold, AdmissionRampSpacesAdmissionsAfterBreakerClose) {
  FakeClock clock;
  PoolOptions options;
  options.queue.poll = absl::Hours(1);
  options.jitter_seed = 3;
  Pool pool(clock, options);
  pool.AddAccount(OAuthAccount("A"), Token("a"));
  pool.AddAccount(OAuthAccount("B"), Token("b"));

  // §15 scenario 16: the same unexplained 429 from A then B opens the breaker for 60 s; after it
  // one probe goes out.
  core::RequestInfo request = SmallRequest();
  core::RouteState route;
  FailWith429(pool, request, route, clock);
  clock.Advance(absl::Seconds(5));
  FailWith429(pool, request, route, clock);
  clock.Advance(absl::Seconds(60));
  const Grant probe = AcquireNow(pool);
  ASSERT_TRUE(probe.lease.probe_generation.has_value());

  Waiter first, second;
  asio::io_context io;
  Enqueue(io, pool, first, clock.Now() + absl::Minutes(5));
  Enqueue(io, pool, second, clock.Now() + absl::Minutes(5));

  const absl::Time closed_at = clock.Now();
  pool.Observe(probe.lease, 200, core::FlatHeaders{});  // closes the breaker: the ramp starts
  ASSERT_TRUE(RunUntil(io, [&] { return first.grant.has_value(); }));
  EXPECT_EQ(first.finished_at, closed_at);
  RunBriefly(io);
  EXPECT_FALSE(second.result.has_value());

  clock.Advance(absl::Milliseconds(249));
  RunBriefly(io);
  EXPECT_FALSE(second.result.has_value()) << "admitted 249 ms after the previous admission";

  clock.Advance(absl::Milliseconds(1));
  ASSERT_TRUE(RunUntil(io, [&] { return second.grant.has_value(); }));
  EXPECT_GE(second.finished_at - first.finished_at, absl::Milliseconds(250));

  Succeed(pool, probe);
  Succeed(pool, *first.grant);
  Succeed(pool, *second.grant);
}

}  // namespace
}  // namespace maxpool::pool
