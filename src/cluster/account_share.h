#pragma once

// Cluster mode: an account added, changed or removed on any replica (its control plane, `maxpool
// login`, an edit of its config file) reaches every replica of the pool. Each replica's accounts
// are kept in Redis, each with when it last changed:
//   {maxpool:<pool>}:account-configs      name -> the accounts[] entry (v1::AccountConfig,
//                                          serialised); "" for an account removed
//   {maxpool:<pool>}:account-configs:at   name -> when it last changed (Unix ms)
// A pass compares the replica's config with what it saw at the last pass: what changed here is
// published (one script: written only when newer than what Redis holds); what changed elsewhere
// since is written into this replica's config (ConfigStore), where hot-sync takes it into the
// pool. An account Redis lacks is published (an emptied Redis is filled again). The first pass
// changes nothing here that Redis does not hold newer.
// SECRETS: the entries carry credentials (API keys, OAuth tokens); Redis must be private to the
// pool (docs/cluster.md). Nothing here logs one.
//
// Thread-safe; passes run on a thread of their own after Start().

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "config/config_store.h"
#include "redis/redis_client.h"

namespace maxpool::cluster {

class AccountShare {
 public:
  using Log = std::function<void(const std::string& line)>;
  // `client` and `store` must outlive the share. `prefix`: "{maxpool:<pool>}".
  AccountShare(redis::RedisClient& client, std::string prefix, config::ConfigStore& store, Log log);
  ~AccountShare();
  AccountShare(const AccountShare&) = delete;
  AccountShare& operator=(const AccountShare&) = delete;

  // One pass now. Errors: Redis's, or reading the config; the next pass tries again.
  absl::Status SyncOnce();
  // A pass every `interval` on a thread of its own, until Stop(). Idempotent.
  void Start(absl::Duration interval);
  void Stop();

 private:
  struct Remote {
    std::string entry;  // serialised v1::AccountConfig; "" when removed
    int64_t at = 0;
  };
  absl::Status Publish(const std::string& name, const std::string& entry, int64_t at);
  // Writes one change of the fleet into this replica's config: `entry` in place of (or after)
  // account `name`'s; "" removes it.
  absl::Status Apply(const std::string& name, const std::string& entry);

  redis::RedisClient& client_;
  const std::string prefix_;
  config::ConfigStore& store_;
  const Log log_;

  std::mutex pass_mu_;  // one pass at a time; guards the two below
  bool first_pass_ = true;
  // What this replica's config held at the end of the last pass: name -> serialised entry.
  absl::flat_hash_map<std::string, std::string> seen_;
  // name -> the change time of the version this replica holds (published or taken).
  absl::flat_hash_map<std::string, int64_t> known_at_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace maxpool::cluster
