#pragma once

// What the pool has learned that a restart must not forget (spec §12.1, and more than the
// reference keeps): each account's quota reading, its blocks (a rate limit or cooldown still
// running), its dead marks, the session homes, and the shared breaker while it is open.
// Pool::Memory() takes it, Pool::Restore() gives it back; a StateStore keeps it between runs
// (state_store.h). Encode()/Decode() are its versioned JSON form. Holds no credential: a dead mark
// carries only the fingerprint of the credential it was made against, so new credentials are never
// benched by an old mark.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/account.h"
#include "core/quota.h"

namespace maxpool::pool {

struct AccountMemory {
  std::string name;
  std::string uuid;  // the config's accountUuid, when known; matched before the name
  core::QuotaReading quota;
  std::optional<absl::Time> rate_limited_until;  // a rate limit still running
  std::optional<absl::Time> cooldown_until;      // a failure cooldown still running
  int consecutive_failures = 0;
  std::string last_error;
  std::optional<absl::Time> last_error_at;
  bool dead = false;                   // needs new credentials (refused key, refresh token)
  std::string credential_fingerprint;  // what `dead` was decided against
};

struct SessionMemory {
  std::string key;
  std::string home;
  double home_priority = 0;
  std::string current;
  absl::Time last_used;
};

// The shared upstream-throttle breaker's opening (spec §4.6), while it still runs.
struct BreakerMemory {
  absl::Time opened_at;
  absl::Time until;
  std::string reason;
};

struct PoolMemory {
  absl::Time saved_at;
  std::vector<AccountMemory> accounts;
  std::vector<SessionMemory> sessions;
  std::optional<BreakerMemory> breaker;
};

// What Restore() did, for the start-up log.
struct RestoreReport {
  int accounts = 0;      // accounts of the pool that got their memory back
  int unmatched = 0;     // remembered accounts the pool no longer has
  int dead_dropped = 0;  // dead marks of credentials that changed since
  int sessions = 0;      // session homes restored
  bool breaker = false;  // the shared breaker was open, and is again
};

// What Pool::MergeFleetMemory() took from the other replicas.
struct FleetMergeReport {
  int accounts = 0;  // accounts whose state changed
  int dead = 0;      // of which dead marks taken
  int sessions = 0;  // session bindings taken
  bool breaker = false;
};

// The versioned JSON form ({"version": 1, ...}); times are Unix milliseconds.
std::string Encode(const PoolMemory& memory);
// Errors: InvalidArgument naming what is wrong and where (not JSON, an unknown version, a field
// of the wrong type). Unknown fields are ignored.
absl::StatusOr<PoolMemory> Decode(std::string_view text);

}  // namespace maxpool::pool
