#pragma once

// Helpers for tests of pool::Pool and its hold queue: a held request that acquires once admitted
// (as the exchange does), running an io_context until a condition holds, and one-line leases and
// failures. Header-only.

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "core/header_source.h"
#include "core/response_classifier.h"
#include "gtest/gtest.h"
#include "pool/pool.h"
#include "support/pool_credential.h"
#include "support/router_harness.h"

namespace maxpool::testing {

inline pool::Credential Token(std::string secret) {
  return ::maxpool::testing::MakeCredential(pool::CredentialKind::kOAuthBearer, std::move(secret),
                                            "https://api.anthropic.com");
}

// The state of `pool`'s account `name` (a failure, and an empty state, when there is none).
inline core::AccountState AccountStateOf(const pool::Pool& pool, const std::string& name) {
  for (const core::Account& account : pool.Snapshot()) {
    if (account.settings.name == name) return account.state;
  }
  ADD_FAILURE() << "no account " << name;
  return {};
}

// One held request: holds, and once admitted acquires at once.
struct Waiter {
  core::RequestInfo request = SmallRequest();
  core::RouteState route;
  std::optional<pool::HoldResult> result;
  std::optional<pool::Grant> grant;
  absl::Time finished_at;  // on the pool's clock
};

inline boost::asio::awaitable<void> HoldThenAcquire(pool::Pool& pool, Waiter& waiter,
                                                    absl::Time deadline) {
  waiter.result = co_await pool.Hold(waiter.request, waiter.route, deadline);
  waiter.finished_at = pool.clock().Now();
  if (waiter.result->outcome == pool::HoldOutcome::kAdmitted) {
    waiter.grant = pool.TryAcquire(waiter.request, waiter.route);
  }
}

// Completion handler for co_spawn: a test coroutine's exception fails the test loudly.
inline void Rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

inline void Spawn(boost::asio::io_context& io, pool::Pool& pool, Waiter& waiter,
                  absl::Time deadline) {
  boost::asio::co_spawn(io, HoldThenAcquire(pool, waiter, deadline), Rethrow);
}

// Runs `io` on this thread until `done` holds or `timeout` of real time passes.
inline bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& done,
                     std::chrono::steady_clock::duration timeout = std::chrono::seconds(2)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Lets queued handlers run for a short while (to show that nothing happens).
inline void RunBriefly(boost::asio::io_context& io) {
  if (io.stopped()) io.restart();
  io.run_for(std::chrono::milliseconds(20));
}

// Spawns `waiter` and runs until its ticket is queued (so registration order is FIFO order).
inline void Enqueue(boost::asio::io_context& io, pool::Pool& pool, Waiter& waiter,
                    absl::Time deadline) {
  const int before = pool.waiting();
  Spawn(io, pool, waiter, deadline);
  ASSERT_TRUE(RunUntil(io, [&] { return pool.waiting() == before + 1; }));
}

inline pool::Grant AcquireNow(pool::Pool& pool) {
  core::RouteState route;
  std::optional<pool::Grant> grant = pool.TryAcquire(SmallRequest(), route);
  EXPECT_TRUE(grant.has_value());
  return grant.value_or(pool::Grant{});
}

inline void Succeed(pool::Pool& pool, const pool::Grant& grant) {
  pool.Release(grant.lease, {core::ReleaseKind::kSuccess, 200, ""});
}

inline constexpr std::string_view kRateLimitedBody =
    R"({"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}})";

// Fails one attempt of `request` with an unexplained 429 (§4.2), through the pool.
inline void FailWith429(pool::Pool& pool, const core::RequestInfo& request, core::RouteState& route,
                        const core::Clock& clock) {
  std::optional<pool::Grant> grant = pool.TryAcquire(request, route);
  ASSERT_TRUE(grant.has_value());
  core::FlatHeaders headers;
  pool.Observe(grant->lease, 429, headers);
  core::UpstreamContext context{core::AccountType::kOAuth, core::Provider::kAnthropic,
                                request.family, request.model};
  core::ResponseVerdict verdict =
      core::ClassifyResponse(429, headers, kRateLimitedBody, context, clock.Now());
  core::AttemptContext attempt;
  attempt.status = 429;
  pool.OnFailure(grant->lease, request, route, verdict, attempt);
}

}  // namespace maxpool::testing
