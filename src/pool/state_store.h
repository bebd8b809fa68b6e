#pragma once

// Where the pool's memory (pool_memory.h) is kept between runs. The local implementation is a
// file in the state directory (state_file.h); a shared store (cluster mode) implements the same
// seam. Implementations are thread-safe.

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pool/pool_memory.h"

namespace maxpool::pool {

class StateStore {
 public:
  virtual ~StateStore() = default;
  // The memory saved last; nullopt when there is none yet. An unreadable memory is no error (a
  // restart must never fail on it): the implementation sets it aside, says so in `warning`, and
  // returns nullopt. Errors: only I/O that should stop a start (permissions).
  virtual absl::StatusOr<std::optional<PoolMemory>> Load(std::string* warning) = 0;
  // Replaces the saved memory; on an error the previous one is intact.
  virtual absl::Status Save(const PoolMemory& memory) = 0;
  // Whether other replicas save into the same memory while this one runs (cluster mode): then
  // what they learn is worth reading back now and then (LoadFleet()).
  virtual bool shared() const { return false; }
  // The memory as stored now, for a replica that runs: every account's, the session bindings
  // used after `sessions_since` (a bounded number, the latest first), and the breaker. Errors:
  // the store's. Unimplemented unless shared().
  virtual absl::StatusOr<PoolMemory> LoadFleet(absl::Time sessions_since) {
    (void)sessions_since;
    return absl::UnimplementedError("this store is not shared");
  }
};

}  // namespace maxpool::pool
