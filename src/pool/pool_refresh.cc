// The pool's side of the OAuth refresher (credentials::TokenLedger): every account's tokens live
// in its Credential and their health in its core::AccountState::refresh, under the pool's lock.

#include "pool/pool.h"
#include "pool/pool_outbox.h"

namespace maxpool::pool {

void Pool::SetTokenRefresher(credentials::TokenRefresher* refresher) {
  refresher_ = refresher;
  if (refresher_ != nullptr) refresher_->SetLedger(this);
}

std::optional<credentials::TokenSet> Pool::Tokens(const std::string& account) const {
  absl::MutexLock lock(&mu_);
  const Credential* credential = CredentialNamed(account);
  if (credential == nullptr || credential->kind != CredentialKind::kOAuthBearer ||
      credential->refresh_token.empty()) {
    return std::nullopt;
  }
  return credentials::TokenSet{credential->secret, credential->refresh_token,
                               credential->expires_at_ms};
}

core::RefreshPermit Pool::RefreshGate(const std::string& account, bool access_usable) {
  absl::MutexLock lock(&mu_);
  return router_.RefreshGate(account, access_usable);
}

bool Pool::RefreshTokenDead(const std::string& account) const {
  absl::MutexLock lock(&mu_);
  return router_.RefreshTokenDead(account);
}

std::pair<std::optional<core::AccountId>, Credential*> Pool::HolderOf(
    std::string_view name, const std::string& refresh_token) {
  if (refresh_token.empty()) return {std::nullopt, nullptr};
  if (const std::optional<core::AccountId> id = router_.IdOf(name)) {
    for (auto& [account, credential] : credentials_) {
      if (account == *id && credential.refresh_token == refresh_token) return {id, &credential};
    }
  }
  for (auto& [account, credential] : credentials_) {
    if (credential.refresh_token == refresh_token) return {account, &credential};
  }
  return {std::nullopt, nullptr};
}

std::optional<std::string> Pool::AccountHolding(const std::string& refresh_token) const {
  absl::MutexLock lock(&mu_);
  const auto [id, credential] = const_cast<Pool*>(this)->HolderOf("", refresh_token);
  if (!id) return std::nullopt;
  const core::Account* account = router_.FindAccount(*id);
  if (account == nullptr) return std::nullopt;
  return account->settings.name;
}

bool Pool::StoreRotated(const std::string& account, const std::string& sent_refresh_token,
                        const credentials::TokenSet& rotated) {
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const auto [id, credential] = HolderOf(account, sent_refresh_token);
    const core::Account* holder = id ? router_.FindAccount(*id) : nullptr;
    if (holder == nullptr) return false;
    const std::string name = holder->settings.name;
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    const bool renewed = credential->secret != rotated.access_token;
    credential->secret = rotated.access_token;
    credential->refresh_token = rotated.refresh_token;
    credential->expires_at_ms = rotated.expires_at_ms;
    router_.RecordRefreshSuccess(name);
    if (renewed) router_.CredentialsRenewed(name);
    Track(*id, now, "credentials_renewed", outbox.events());
    outbox.Seal();
  }
  outbox.Flush();
  WakeWaiters();
  return true;
}

bool Pool::RecordRefreshFailure(const std::string& account, const std::string& sent_refresh_token,
                                const credentials::FreshToken& failure,
                                absl::Duration max_backoff) {
  absl::MutexLock lock(&mu_);
  const auto [id, credential] = HolderOf(account, sent_refresh_token);
  const core::Account* holder = id ? router_.FindAccount(*id) : nullptr;
  if (holder == nullptr) return false;
  router_.RecordRefreshFailure(holder->settings.name, failure.failure, failure.status,
                               failure.reason, max_backoff);
  return true;
}

}  // namespace maxpool::pool
