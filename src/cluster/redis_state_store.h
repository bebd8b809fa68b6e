#pragma once

// pool::StateStore on Redis: the memory of one pool shared by every replica that names the same
// pool. Each account's memory and each session home is its own hash field, stamped with when it
// was learned; a save merges field by field in one Lua script, so the newest knowledge wins
// whatever order the replicas save in, and one replica's save never erases what another learned.
// Keys share the hash tag `{maxpool:<pool>}`, so one pool lives in one Redis Cluster slot:
//   {maxpool:<pool>}:accounts       account (uuid, else "name:" + name) -> its memory (JSON)
//   {maxpool:<pool>}:accounts:at    account -> when it was learned (Unix ms)
//   {maxpool:<pool>}:sessions       session key -> its home (JSON)
//   {maxpool:<pool>}:sessions:at    session key -> when it was last used (Unix ms)
// An account is learned when its quota was last read or its last error happened, whichever is
// later. Redis being unreachable never stops a start: Load() says so in its warning and returns
// no memory.
//
// Thread-safe.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pool/state_store.h"
#include "redis/redis_client.h"

namespace maxpool::cluster {

class RedisStateStore final : public pool::StateStore {
 public:
  // `client` must outlive the store. `pool`: the name replicas sharing one pool agree on.
  RedisStateStore(redis::RedisClient& client, std::string pool);

  absl::StatusOr<std::optional<pool::PoolMemory>> Load(std::string* warning) override;
  absl::Status Save(const pool::PoolMemory& memory) override;
  bool shared() const override { return true; }
  absl::StatusOr<std::vector<pool::AccountMemory>> LoadAccounts() override;

  // The key prefix, "{maxpool:<pool>}".
  const std::string& prefix() const { return prefix_; }

 private:
  redis::RedisClient& client_;
  const std::string prefix_;
};

}  // namespace maxpool::cluster
