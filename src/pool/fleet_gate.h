#pragma once

// The seam through which replicas sharing one pool (cluster mode, docs/cluster.md) keep each
// account's in-flight count fleet-wide. A lease the local router granted must also win a slot of
// the account's fleet-wide cap (scheduler.safetyMaxActivePerAccount) before it is sent; the slot
// is given back when the lease is released, whatever way. The implementation tells the pool what
// the other replicas hold (Pool::SetFleetInFlight), so its router scores and caps with the fleet's
// load. cluster::FleetLeases implements it on Redis.

#include <cstdint>

#include "boost/asio/awaitable.hpp"
#include "core/router.h"

namespace maxpool::pool {

// One replica's load on one account, as replicas publish it to each other.
struct FleetLoad {
  int64_t spread_weight = 0;  // request weight in the scheduler's spread window
  core::LoadSummary last_15m;
  core::LoadSummary last_1h;
};

// The answer to one claim.
struct FleetClaim {
  bool granted = true;
  // Decided by this replica alone (the shared store was out of reach): within its share.
  bool local_only = false;
};

class FleetGate {
 public:
  virtual ~FleetGate() = default;
  // Claims a fleet-wide slot for `lease` (held by this replica's router). Completes on the
  // calling coroutine's executor. Never fails: when the shared store cannot answer, the replica
  // decides alone, within a conservative share of the cap. A refused claim has already told the
  // pool how full the account is, so the router does not pick it again at once.
  virtual boost::asio::awaitable<FleetClaim> Claim(core::Lease lease) = 0;
  // Gives back `lease`'s slot (a no-op for a lease never claimed). Never blocks. Any thread.
  virtual void Return(const core::Lease& lease) = 0;
};

}  // namespace maxpool::pool
