#pragma once

// Cluster mode: one replica at a time sweeps the usage probes (server::QuotaProber); the others
// take its readings from the shared memory (Pool::MergeFleetMemory). The turn is a key with a
// TTL, `{maxpool:<pool>}:probe` = the holder's replica id, renewed by the holder at each sweep and
// lapsing 1.5 sweep intervals after its last one (a dead holder's turn passes on).
// With Redis out of reach a replica sweeps on its own: a probe costs no message.
//
// Thread-safe.

#include <string>

#include "absl/time/time.h"
#include "redis/redis_client.h"

namespace maxpool::cluster {

class ProbeTurn {
 public:
  // `client` must outlive the turn.
  ProbeTurn(redis::RedisClient& client, std::string prefix, std::string replica_id,
            absl::Duration sweep_interval);
  // Whether this replica sweeps now: it holds the turn (renewed), or takes it because nobody
  // does, or Redis cannot say.
  bool Mine();

 private:
  redis::RedisClient& client_;
  const std::string key_;
  const std::string replica_id_;
  const absl::Duration ttl_;
};

}  // namespace maxpool::cluster
