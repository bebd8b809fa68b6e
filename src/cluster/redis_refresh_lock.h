#pragma once

// credentials::RefreshCoordinator on Redis: one refresher per OAuth account across the pool's
// replicas. Keys (the pool's hash tag):
//   {maxpool:<pool>}:refresh:<account>   the turn: "<replica>/<fence>", with a TTL
//   {maxpool:<pool>}:fences              account -> the last fence handed out (HINCRBY)
//   {maxpool:<pool>}:tokens              account -> the newest pair, JSON, with its fence
// Taking the turn is one script (free? then the next fence and the turn). Publishing is another:
// the pair is written only if its fence is at least the stored one's, so a replica whose turn
// lapsed mid-refresh cannot overwrite a newer pair; the turn is freed only by its holder.
// SECRETS: the tokens hash holds live OAuth tokens; Redis must be private to the pool (a
// password, TLS off-host; docs/cluster.md). Nothing here logs a token.
//
// Thread-safe. The Redis calls run on a thread of their own.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "boost/asio/thread_pool.hpp"
#include "cluster/cluster_log.h"
#include "credentials/refresh_coordinator.h"
#include "redis/redis_client.h"

namespace maxpool::cluster {

struct RefreshLockOptions {
  std::string replica_id;
  // How long a turn lasts unless finished: a replica that dies mid-refresh frees it after this.
  absl::Duration turn_ttl = absl::Seconds(30);
  // How long a replica waits for another's turn to publish a pair before giving up (the request
  // is told why). A little over the TTL, so a dead holder's turn can be taken over.
  absl::Duration max_wait = absl::Seconds(35);
  absl::Duration poll = absl::Milliseconds(100);
  // Where a turn that cannot be taken or published is reported: the server's log. Null: stderr.
  ClusterLog log;
};

class RedisRefreshLock final : public credentials::RefreshCoordinator {
 public:
  // `prefix`: the pool's key prefix ("{maxpool:<pool>}"). Errors: as redis::RedisClient::Create().
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RedisRefreshLock>> Create(
      const redis::RedisEndpoint& endpoint, const redis::RedisClientOptions& client_options,
      std::string prefix, RefreshLockOptions options);
  ~RedisRefreshLock() override;

  boost::asio::awaitable<credentials::RefreshTurn> TakeTurn(std::string account,
                                                            credentials::TokenSet held,
                                                            absl::Time usable_until) override;
  boost::asio::awaitable<absl::Status> FinishTurn(
      std::string account, uint64_t fence, std::optional<credentials::TokenSet> rotated) override;

  // The newest pair the fleet published for `account`, if any (tests, and replicas that pick up
  // a rotation they did not wait for). Blocking.
  absl::StatusOr<std::optional<credentials::TokenSet>> Published(const std::string& account);

 private:
  struct Attempt {
    absl::Status status;
    bool taken = false;
    uint64_t fence = 0;
    std::optional<credentials::TokenSet> stored;
  };
  RedisRefreshLock(std::unique_ptr<redis::RedisClient> client, std::string prefix,
                   RefreshLockOptions options);
  boost::asio::awaitable<Attempt> TryTake(std::string account);
  boost::asio::awaitable<absl::Status> Publish(std::string account, uint64_t fence,
                                               std::optional<credentials::TokenSet> rotated);
  std::string Owner(uint64_t fence) const;

  std::unique_ptr<redis::RedisClient> client_;
  const std::string prefix_;
  const RefreshLockOptions options_;
  boost::asio::thread_pool thread_{1};
};

}  // namespace maxpool::cluster
