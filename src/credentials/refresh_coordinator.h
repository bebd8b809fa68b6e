#pragma once

// Cluster mode's seam in the OAuth refresher (docs/cluster.md): replicas that share an account
// take turns to refresh it, so a single-use refresh token is sent once fleet-wide. Before it
// sends a refresh token the refresher takes the account's turn; the replica that gets it
// refreshes and publishes the new pair (fenced, so a holder whose turn lapsed cannot overwrite a
// newer one); the others wait for that pair and send nothing. When the turn cannot be taken (the
// shared store is out of reach), nothing is sent: a valid access token keeps serving, an
// expired one waits with a clear error, rather than risk a second refresh of the same token.
// cluster::RedisRefreshLock implements it.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "credentials/oauth_messages.h"

namespace maxpool::credentials {

struct RefreshTurn {
  enum class Kind {
    kMine,              // refresh now, sending `send_refresh_token`; then FinishTurn()
    kRotatedElsewhere,  // another replica rotated the pair: take `tokens`, send nothing
    kUnavailable,       // no turn (see `reason`): send nothing
  };
  Kind kind = Kind::kMine;
  uint64_t fence = 0;              // kMine
  std::string send_refresh_token;  // kMine: the newest refresh token the fleet knows
  std::optional<TokenSet> tokens;  // kRotatedElsewhere
  std::string reason;              // kUnavailable, for the log and the request's error
};

class RefreshCoordinator {
 public:
  virtual ~RefreshCoordinator() = default;
  // Takes `account`'s turn for a refresh of the pair `held`, or waits for the replica that has
  // it. A published pair newer than `held` (a later expiry) whose access token is good past
  // `usable_until` is kRotatedElsewhere; a newer one that is not is refreshed in its place. Runs
  // on the caller's executor; never blocks it.
  virtual boost::asio::awaitable<RefreshTurn> TakeTurn(std::string account, TokenSet held,
                                                       absl::Time usable_until) = 0;
  // Ends a kMine turn: publishes `rotated` (when the refresh worked) under `fence`, and frees
  // the turn. An error means the pair was not published (the others will not see it).
  virtual boost::asio::awaitable<absl::Status> FinishTurn(std::string account, uint64_t fence,
                                                          std::optional<TokenSet> rotated) = 0;
};

}  // namespace maxpool::credentials
