// The refresh-token health of each account (AccountState::refresh), spec §7.3.

#include <algorithm>
#include <utility>

#include "core/router.h"

namespace maxpool::core {

RefreshPermit Router::RefreshGate(std::string_view name, bool access_usable) {
  RefreshPermit permit;
  Account* account = FindAccount(name);
  if (account == nullptr) return permit;
  RefreshHealth& health = account->state.refresh;
  const bool cooling = health.cooldown_until.has_value() && clock_.Now() < *health.cooldown_until;
  if (!health.dead && !health.spent && !cooling) return permit;
  permit.allowed = false;
  if (health.spent && !access_usable && !health.dead) {
    // The refresh whose answer was lost may have used the refresh token: with the access token
    // expired too, nothing works until a new login.
    health.dead = true;
    health.last_failure = RefreshFailure::kDead;
    health.last_reason = "token_refresh_unknown_outcome";
    if (!health.spent_reported) {
      health.spent_reported = true;
      permit.newly_dead = true;
    }
  }
  permit.failure = health.last_failure;
  permit.status = health.last_status;
  permit.reason = health.last_reason;
  return permit;
}

bool Router::RefreshTokenDead(std::string_view name) const {
  const Account* account = FindAccount(name);
  return account != nullptr && account->state.refresh.dead;
}

void Router::RecordRefreshFailure(std::string_view name, RefreshFailure failure,
                                  std::optional<int> status, std::string reason,
                                  absl::Duration max_backoff) {
  Account* account = FindAccount(name);
  if (account == nullptr) return;
  RefreshHealth& health = account->state.refresh;
  const absl::Time now = clock_.Now();
  switch (failure) {
    case RefreshFailure::kDead:
      health.dead = true;
      break;
    case RefreshFailure::kAmbiguousAfterSend:
      health.spent = true;  // never send this refresh token again
      health.cooldown_until = now + kRefreshNetworkCooldown;
      break;
    case RefreshFailure::kNetworkBeforeSend:
      health.cooldown_until = now + kRefreshNetworkCooldown;
      break;
    case RefreshFailure::kRetryableStatus: {
      health.failures = std::min(health.failures + 1, 10);
      const absl::Duration backoff =
          std::min(max_backoff, absl::Seconds(1) * (int64_t{1} << health.failures));
      health.cooldown_until = now + backoff;
      break;
    }
  }
  health.last_failure = failure;
  health.last_status = status;
  health.last_reason = std::move(reason);
}

void Router::RecordRefreshSuccess(std::string_view name) {
  Account* account = FindAccount(name);
  if (account == nullptr) return;
  RefreshHealth& health = account->state.refresh;
  health.failures = 0;
  health.cooldown_until.reset();
  health.spent = false;
}

void Router::RefreshTokenRenewed(std::string_view name) {
  Account* account = FindAccount(name);
  if (account == nullptr) return;
  account->state.refresh = RefreshHealth{};  // a new token starts with a clean record
}

}  // namespace maxpool::core
