#pragma once

// pool::StateStore on Redis: the memory of one pool shared by every replica that names the same
// pool. Each account's memory and each session home is its own hash field, stamped with when it
// was learned; a save merges field by field in one Lua script, so the newest knowledge wins
// whatever order the replicas save in, and one replica's save never erases what another learned.
// Keys share the hash tag `{maxpool:<pool>}`, so one pool lives in one Redis Cluster slot:
//   {maxpool:<pool>}:accounts       account (uuid, else "name:" + name) -> its memory (JSON)
//   {maxpool:<pool>}:accounts:at    account -> when it was learned (Unix ms)
//   {maxpool:<pool>}:sessions       session key -> its home (JSON)
//   {maxpool:<pool>}:sessions:used  sorted set: session key, scored by when it was last used
//   {maxpool:<pool>}:breaker        "open" -> the shared breaker's latest opening (JSON)
//   {maxpool:<pool>}:breaker:at     "open" -> when it opened (Unix ms)
// An account is learned when its quota was last read or its last error happened, whichever is
// later. Sessions idle for longer than `session_idle` are dropped by the saves. Redis being
// unreachable never stops a start: Load() says so in its warning and returns no memory.
//
// Thread-safe.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pool/state_store.h"
#include "redis/redis_client.h"

namespace maxpool::cluster {

class RedisStateStore final : public pool::StateStore {
 public:
  // Session bindings read at most per LoadFleet() (the latest used), and at start.
  static constexpr int kMaxSessionsRead = 20000;

  // `client` must outlive the store. `pool`: the name replicas sharing one pool agree on.
  // `session_idle`: the routing's session idle limit (core::SessionLimits::idle).
  RedisStateStore(redis::RedisClient& client, std::string pool,
                  absl::Duration session_idle = absl::Hours(24));

  absl::StatusOr<std::optional<pool::PoolMemory>> Load(std::string* warning) override;
  absl::Status Save(const pool::PoolMemory& memory) override;
  bool shared() const override { return true; }
  absl::StatusOr<pool::PoolMemory> LoadFleet(absl::Time sessions_since) override;

  // The key prefix, "{maxpool:<pool>}".
  const std::string& prefix() const { return prefix_; }

 private:
  // One read of the stored memory: every account, the sessions used after `sessions_since`, and
  // the breaker. `unreadable` counts the entries that could not be decoded (left out).
  absl::StatusOr<pool::PoolMemory> Read(absl::Time sessions_since, int* unreadable);

  redis::RedisClient& client_;
  const std::string prefix_;
  const absl::Duration session_idle_;
};

}  // namespace maxpool::cluster
