#include "pool/lease_handle.h"

#include <utility>

#include "pool/pool.h"

namespace maxpool::pool {

LeaseHandle::LeaseHandle(LeaseHandle&& other) noexcept
    : pool_(other.pool_), lease_(std::exchange(other.lease_, std::nullopt)) {}

LeaseHandle& LeaseHandle::operator=(LeaseHandle&& other) noexcept {
  if (this != &other) {
    Abandon();
    pool_ = other.pool_;
    lease_ = std::exchange(other.lease_, std::nullopt);
  }
  return *this;
}

void LeaseHandle::Release(const core::ReleaseOutcome& outcome) {
  if (!lease_) return;
  const core::Lease lease = std::move(*lease_);
  lease_.reset();
  pool_->Release(lease, outcome);
}

void LeaseHandle::Abandon() { Release({core::ReleaseKind::kAbandoned, 0, ""}); }

core::FailureAction LeaseHandle::Fail(const core::RequestInfo& request, core::RouteState& route,
                                      const core::ResponseVerdict& verdict,
                                      const core::AttemptContext& attempt) {
  const core::Lease lease = HandOn();
  return pool_->OnFailure(lease, request, route, verdict, attempt);
}

core::FailureAction LeaseHandle::FailRefresh(const core::RequestInfo& request,
                                             core::RouteState& route,
                                             const credentials::FreshToken& failure,
                                             const core::AttemptContext& attempt) {
  const core::Lease lease = HandOn();
  return pool_->OnRefreshFailure(lease, request, route, failure, attempt);
}

core::Lease LeaseHandle::HandOn() {
  core::Lease lease = std::move(*lease_);
  lease_.reset();
  return lease;
}

}  // namespace maxpool::pool
