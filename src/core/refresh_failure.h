#pragma once

// How a failed OAuth token refresh ended, and so what may be done next (spec §7.3): the one
// taxonomy the refresher classifies into, the pool's account state records and the router acts
// on. Pure data.
//
// A refresh token is single-use: once the server has seen it, it may already be spent, and
// sending it again then fails with invalid_grant, killing the account's login. Hence:

#include <string_view>

#include "absl/time/time.h"

namespace maxpool::core {

enum class RefreshFailure {
  // No response and the request provably never reached the server (connection refused, DNS
  // failure, connect timeout). The token is intact: the same refresh may be retried at once
  // (spec: up to 3 attempts, 500 ms / 1000 ms apart); if all fail, 5 s network cooldown
  // (kRefreshNetworkCooldown), reason "token_refresh_network".
  kNetworkBeforeSend,
  // The request was sent but no usable answer came back (timeout, reset, abort after send; also
  // a 2xx whose body could not be read, and 1xx/3xx). The server may have rotated the token:
  // NEVER resend it within this refresh. Keep serving the current access token while it is still
  // valid; else 5 s network cooldown. Before a later attempt, re-read the persisted credentials
  // (another writer may hold the rotated pair); if only the old token is left, the next attempt
  // either succeeds or returns invalid_grant (kDead, re-login needed).
  kAmbiguousAfterSend,
  // 408, 429 or 5xx: the server refused without rotating. 5xx may be retried within the same
  // refresh; 429 not. Afterwards exponential cooldown, reason "token_refresh_<status>".
  kRetryableStatus,
  // Any other 4xx (400 invalid_grant, 401, 403): the refresh token is dead. Latch refreshDead,
  // status error, lastError "token_refresh_failed"; no further automatic refresh until new
  // credentials arrive (re-login or hot-sync). The current access token is still served until
  // it actually expires.
  kDead,
};

// The cooldown after a network or ambiguous refresh failure (spec §7.3).
inline constexpr absl::Duration kRefreshNetworkCooldown = absl::Seconds(5);

// "network_before_send", "ambiguous_after_send", "retryable_status", "dead".
std::string_view RefreshFailureName(RefreshFailure failure);

}  // namespace maxpool::core
