#pragma once

// cluster::FleetLeases: pool::FleetGate on Redis. Every replica of one pool holds one lease per
// request in flight, in a sorted set per account whose scores are expiry times (Redis's clock, so
// replicas' clocks never matter):
//   {maxpool:<pool>}:leases:<account>   "<replica>/<lease id>" -> held until (Unix ms)
//   {maxpool:<pool>}:replicas           replica id -> alive until (Unix ms)
// A claim is one Lua script: drop the expired, count, add when under the cap. A sync every
// `sync_interval` renews this replica's leases and its heartbeat, drops what expired (a replica
// killed with -9 loses its leases within `lease_ttl`) and reads every account's fleet-wide count,
// which goes to the pool (Pool::SetFleetInFlight) so its router scores and caps with the fleet's
// load; and each replica's load per account (its request weight in the spread window, and what it
// finished in the last 15 minutes and hour), in {maxpool:<pool>}:load, so the score's spread term
// sees the fleet's recent traffic and the views show the fleet's load (Pool::SetFleetLoads).
// Returned leases are removed at once, by the same thread as the sync, so a sync can never put back
// a lease that was returned.
//
// Degraded mode: when Redis does not answer, the replica decides alone. Each account's cap is
// shared out as if every replica seen alive used its share: this replica takes at most
// max(1, cap / replicas) per account, and tells its pool the others hold the rest. It says so in
// View() (health, metrics, telemetry) and in the log, and resyncs when Redis answers again:
// the leases it granted alone are written to Redis then, and the real counts replace the shares.
//
// Thread-safe. Claims run on their own threads and connections; the sync on one more.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio/thread_pool.hpp"
#include "cluster/cluster_log.h"
#include "pool/fleet_gate.h"
#include "pool/pool.h"
#include "redis/redis_client.h"

namespace maxpool::cluster {

struct FleetOptions {
  std::string replica_id;  // unique among the pool's replicas
  absl::Duration lease_ttl = absl::Seconds(5);
  absl::Duration sync_interval = absl::Seconds(1);
  int claim_connections = 2;
  // Called (on the sync thread) when a sync finds Redis has forgotten this replica: Redis
  // restarted empty, or this replica was cut off for longer than the TTL. The caller writes what
  // it knows again (the pool's memory). Null: nothing.
  std::function<void()> on_forgotten;
  // Where the fleet's news goes (degraded, resynced, forgotten): the server's log. Null: stderr.
  ClusterLog log;
};

// What this replica knows of the fleet, as of its last sync.
struct FleetView {
  std::string replica_id;
  bool connected = false;  // the last exchange with Redis succeeded
  std::optional<absl::Time> degraded_since;
  std::string last_error;  // why Redis is out of reach ("" when connected)
  int replicas_alive = 1;  // this one included
  std::vector<std::string> replicas;
  // Fleet-wide requests in flight per account (every replica's).
  absl::flat_hash_map<std::string, int> in_flight;
  std::optional<absl::Time> synced_at;
  int64_t forgotten = 0;     // syncs that found Redis had forgotten this replica
  int64_t claims = 0;        // granted through Redis
  int64_t refusals = 0;      // refused: the account was full fleet-wide
  int64_t local_claims = 0;  // decided alone, while Redis was out of reach
};

class FleetLeases final : public pool::FleetGate {
 public:
  // `prefix`: the pool's key prefix ("{maxpool:<pool>}"). Does not connect yet. Errors: as
  // redis::RedisClient::Create().
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FleetLeases>> Create(
      const redis::RedisEndpoint& endpoint, const redis::RedisClientOptions& client_options,
      std::string prefix, pool::Pool& pool, FleetOptions options);
  ~FleetLeases() override;
  FleetLeases(const FleetLeases&) = delete;
  FleetLeases& operator=(const FleetLeases&) = delete;

  // Syncs once (so the first requests see the fleet), then keeps syncing on a thread of its own
  // until Stop(). Idempotent.
  void Start();
  // Ends the sync, and waits for the claims already sent to Redis (each within the client's
  // timeout), so none completes onto an executor that is gone. Claims after it are decided
  // alone. Leases still held are left to expire. Idempotent.
  void Stop();

  boost::asio::awaitable<pool::FleetClaim> Claim(core::Lease lease) override;
  void Return(const core::Lease& lease) override;

  FleetView View() const;
  // One sync now, on the calling thread (tests and Start()).
  absl::Status SyncNow();

 private:
  struct Held {
    std::string account;
    std::string member;
    bool in_store = false;    // written to Redis (by its claim or a resync)
    bool local_only = false;  // granted alone while Redis was out of reach
  };
  struct ClaimReply {
    absl::Status status;
    bool granted = false;
    int total = 0;  // the account's leases fleet-wide after the claim
  };

  FleetLeases(std::vector<std::unique_ptr<redis::RedisClient>> claim_clients,
              std::unique_ptr<redis::RedisClient> sync_client, std::string prefix, pool::Pool& pool,
              FleetOptions options);

  std::string LeasesKey(std::string_view account) const;
  // Runs on a claim thread: the claim script, blocking.
  boost::asio::awaitable<ClaimReply> RunClaim(std::string account, std::string member);
  pool::FleetClaim ClaimAlone(const core::Lease& lease);
  // This replica's leases in Redis on `account`.
  int OwnInStore(std::string_view account) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Disconnected(const absl::Status& status);
  // Degraded mode: tells the pool the other replicas hold all but this one's share.
  void ApplyShares();
  void SyncLoop();
  void RemoveReturned(const std::vector<std::pair<std::string, std::string>>& returned);
  // Publishes this replica's load per account and gives the pool the others' (Pool::
  // SetFleetLoads), so the spread term and the views see the fleet's load.
  void SyncLoad(const std::vector<std::string>& accounts);

  pool::Pool& pool_;
  const std::string prefix_;
  const FleetOptions options_;
  std::vector<std::unique_ptr<redis::RedisClient>> claim_clients_;
  std::unique_ptr<redis::RedisClient> sync_client_;
  std::atomic<uint64_t> next_client_{0};
  std::atomic<bool> connected_{false};
  std::atomic<bool> stopped_{false};
  boost::asio::thread_pool claim_threads_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, Held> held_ ABSL_GUARDED_BY(mu_);
  // (account, member) returned while in Redis, for the sync thread to remove.
  std::vector<std::pair<std::string, std::string>> returned_ ABSL_GUARDED_BY(mu_);
  FleetView view_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::thread sync_thread_;
};

}  // namespace maxpool::cluster
