#pragma once

// The lease one request holds on an account, owned. Every hand-back goes through the handle (a
// success, an upstream failure, a refresh failure), after which it holds nothing; a handle that
// goes out of scope still holding its lease returns it as abandoned, so no path of a request can
// leak an account's in-flight slot. HandOn() gives the lease up explicitly to whoever answers for
// it next. One request's: not thread-safe.

#include <optional>

#include "core/router.h"
#include "credentials/token_refresher.h"

namespace maxpool::pool {

class Pool;

class LeaseHandle {
 public:
  LeaseHandle() = default;
  LeaseHandle(Pool& pool, core::Lease lease) : pool_(&pool), lease_(std::move(lease)) {}
  ~LeaseHandle() { Abandon(); }
  LeaseHandle(LeaseHandle&& other) noexcept;
  LeaseHandle& operator=(LeaseHandle&& other) noexcept;
  LeaseHandle(const LeaseHandle&) = delete;
  LeaseHandle& operator=(const LeaseHandle&) = delete;

  bool held() const { return lease_.has_value(); }
  // REQUIRES: held().
  const core::Lease& lease() const { return *lease_; }

  // Pool::Release(), then holds nothing. No-op when nothing is held.
  void Release(const core::ReleaseOutcome& outcome);
  // Release() as kAbandoned: the request ended without an answer that says anything about the
  // account (the client left, the drain, the server stopping).
  void Abandon();
  // Pool::OnFailure() (which releases the lease), then holds nothing. REQUIRES: held().
  core::FailureAction Fail(const core::RequestInfo& request, core::RouteState& route,
                           const core::ResponseVerdict& verdict,
                           const core::AttemptContext& attempt);
  // Pool::OnRefreshFailure() (which releases the lease), then holds nothing. REQUIRES: held().
  core::FailureAction FailRefresh(const core::RequestInfo& request, core::RouteState& route,
                                  const credentials::FreshToken& failure,
                                  const core::AttemptContext& attempt);
  // Gives the lease up without returning it; the caller answers for it now. REQUIRES: held().
  core::Lease HandOn();

 private:
  Pool* pool_ = nullptr;
  std::optional<core::Lease> lease_;
};

}  // namespace maxpool::pool
