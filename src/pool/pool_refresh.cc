// The pool's side of the OAuth refresher (credentials::RefreshHealthLedger): every account's
// refresh-token health lives in its core::AccountState, under the pool's lock.

#include "pool/pool.h"

namespace maxpool::pool {

void Pool::SetTokenRefresher(credentials::TokenRefresher* refresher) {
  refresher_ = refresher;
  if (refresher_ != nullptr) refresher_->SetHealthLedger(this);
}

core::RefreshPermit Pool::RefreshGate(const std::string& account, bool access_usable) {
  absl::MutexLock lock(&mu_);
  return router_.RefreshGate(account, access_usable);
}

bool Pool::RefreshTokenDead(const std::string& account) const {
  absl::MutexLock lock(&mu_);
  return router_.RefreshTokenDead(account);
}

void Pool::RecordRefreshFailure(const std::string& account, const credentials::FreshToken& failure,
                                absl::Duration max_backoff) {
  absl::MutexLock lock(&mu_);
  router_.RecordRefreshFailure(account, failure.failure, failure.status, failure.reason,
                               max_backoff);
}

void Pool::RecordRefreshSuccess(const std::string& account) {
  absl::MutexLock lock(&mu_);
  router_.RecordRefreshSuccess(account);
}

void Pool::RefreshTokenRenewed(const std::string& account) {
  absl::MutexLock lock(&mu_);
  router_.RefreshTokenRenewed(account);
}

}  // namespace maxpool::pool
