#pragma once

// Keeps the pool's memory (pool/pool_memory.h) in a StateStore, so a restarted server routes as
// the one before it did: the same bars in the live view, and no request spent to relearn that an
// account is exhausted. Restore() runs once at start, before the data plane serves. After
// Start(), a save follows each change of what the pool knows within `interval` (debounced: at
// most one write per interval, none while nothing changed); Stop() saves a last time (drain and
// shutdown). A failed save is logged once per failure streak, and retried at the next interval.
// With a shared store (cluster mode), each interval also takes what the other replicas learned
// (Pool::MergeFleetMemory): newer quota readings, rate limits and cooldowns still running, dead
// marks, the session bindings used since the last read, and the shared breaker's openings.
//
// Thread safety: every method may be called from any thread.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "pool/pool.h"
#include "pool/state_store.h"

namespace maxpool::server {

class StateKeeper {
 public:
  using Log = std::function<void(const std::string& line)>;
  // Account name -> the config's accountUuid, for the accounts that have one.
  using Uuids = std::function<absl::flat_hash_map<std::string, std::string>()>;

  // `pool` and `store` must outlive the keeper.
  StateKeeper(pool::Pool& pool, pool::StateStore& store, Uuids uuids, Log log,
              absl::Duration interval = absl::Seconds(2));
  ~StateKeeper();
  StateKeeper(const StateKeeper&) = delete;
  StateKeeper& operator=(const StateKeeper&) = delete;

  // Loads the saved memory and gives it to the pool; logs what came back. Never fails a start.
  void Restore();
  void Start();
  // Saves now if anything changed since the last save (or `force`).
  absl::Status SaveNow(bool force = false);
  // Stops the periodic saves and saves a last time. Idempotent.
  void Stop();

  // Saves written so far (tests, status).
  int saves() const;

 private:
  void Loop();
  // Reads the accounts' memory back from a shared store and gives the pool what is newer.
  void TakeFleetMemory();

  pool::Pool& pool_;
  pool::StateStore& store_;
  const Uuids uuids_;
  const Log log_;
  const absl::Duration interval_;

  mutable std::mutex mu_;  // guards everything below; never held across a save
  std::condition_variable wake_;
  bool stopping_ = false;
  bool started_ = false;
  std::string last_saved_;  // the last memory written, without its time stamp
  bool failing_ = false;
  int saves_ = 0;
  // When the sessions were last read from a shared store (the loop's thread only).
  absl::Time sessions_read_at_ = absl::UnixEpoch();
  std::mutex save_mu_;  // one save at a time
  std::thread thread_;
};

}  // namespace maxpool::server
