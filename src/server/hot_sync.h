#pragma once

// Hot-sync of the config file into a running server (spec §1.4, §1.3, §6.6, §14 item 9): a
// config::ConfigWatcher reports each new content of the file, and the accounts of its
// `accounts[]` are applied to the live pool (config::PlanAccountSync decides what changed):
//   * deleted accounts are disabled at once (no new request routes there) and leave the pool once
//     their in-flight requests have finished (retried every `removal_retry` until they do, or
//     until the account reappears in the file);
//   * new accounts join with the warm-up of §6.6 (added_while_running);
//   * enabled, priority, usage cap, profiles, upstream and credentials apply to new requests;
//     OAuth tokens are adopted only when the file's copy is not staler than the running one (the
//     refresher's current tokens are the freshest), and re-tracked by the OAuth refresher;
//   * duplicate entries (same accountUuid, else same name; the last one wins) and entries without
//     their credential are reported once.
// A file that cannot be loaded is reported (one line, the loader's message: file, key path,
// reason) and the running pool is left as it is. Only accounts that came from `accounts[]` are
// managed: header-created and `providers[]` accounts are never touched.
//
// Every report goes through `log`, one line each, redacted (credentials::Redact); secrets appear
// only as fingerprints.
//
// Threading: the watcher's callback and the removal retries run on their own threads and never
// block the data plane (the pool lock is taken only for short in-memory changes). Apply() and
// ReloadNow() may be called from any thread; applies are serialised.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "config/account_diff.h"
#include "config/config_watcher.h"
#include "core/account.h"
#include "maxpool/v1/config.pb.h"
#include "pool/pool.h"
#include "server/oauth_wiring.h"

namespace maxpool::server {

struct HotSyncOptions {
  std::filesystem::path path;
  // Fallback re-read of the file (spec §1.4: sync.accountsIntervalMs, 15 s).
  std::chrono::milliseconds poll_interval{15000};
  // How often a deleted account that still has requests in flight is retried.
  std::chrono::milliseconds removal_retry{500};
  // false: periodic re-reads only (tests of the fallback).
  bool use_inotify = true;
  // The polling notifier in place of inotify (MAXPOOL_FILE_WATCH=poll).
  bool use_polling = false;
  // The layers the config is made of besides `path` (config/config_sources.h), and how they
  // are loaded together; null: `path` alone.
  std::vector<std::filesystem::path> extra_paths;
  std::function<absl::StatusOr<config::LoadedConfig>()> load;
  // The loader's warnings for the config the server started with: already shown, so the first
  // re-read does not repeat them.
  std::vector<std::string> startup_warnings;
};

class HotSync {
 public:
  using Log = std::function<void(const std::string& line)>;

  // `running` is the config the pool was built from (MakePool): its accounts are the ones this
  // sync manages from the start. `pool` and `oauth` (null: no OAuth refresher) must outlive this.
  // The removal retries start here; the file is watched from Start().
  HotSync(HotSyncOptions options, pool::Pool& pool, OAuthWiring* oauth, const v1::Config& running,
          Log log);
  ~HotSync();  // Stop()

  HotSync(const HotSync&) = delete;
  HotSync& operator=(const HotSync&) = delete;

  // Starts watching the file, and re-reads it once at once (a change made since `running` was
  // loaded is not missed). Error: the watcher's.
  absl::Status Start();
  // Stops the watcher and the removal retries; returns promptly. Idempotent.
  void Stop();

  // Re-reads the file now and applies it even when unchanged (a "reload config" request). Returns
  // at once; no-op before Start().
  void ReloadNow();

  // Applies `config` to the pool now, synchronously (tests; the watcher calls it too).
  void Apply(const v1::Config& config);

  // Accounts deleted from the file that are waiting for their requests to finish.
  std::vector<std::string> PendingRemovals() const;

 private:
  // What the pool does not know of a managed account: its config identity and the credential
  // fields the diff compares. Holds secrets: never logged.
  struct Record {
    std::string uuid;
    std::string type;      // "oauth", "apikey" or "provider"
    std::string upstream;  // the per-account override; empty = none
    std::string api_key;
    std::string auth_token;
  };
  // The record of an accounts[] entry with a credential.
  static Record RecordOf(const v1::AccountConfig& entry);

  void OnFileChange(absl::StatusOr<config::LoadedConfig> loaded);
  void ApplyLocked(const v1::Config& config, const std::vector<std::string>& loader_warnings)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The managed accounts as the diff sees them, with the snapshot entry of each (same order).
  std::vector<config::RunningAccount> RunningAccounts(std::vector<core::Account>& snapshot)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Applies the changes of one running account matched to `entry` (`update` is null when the
  // diff found none; profile, provider and credential routing changes are still checked).
  void Reconcile(const core::Account& before, const config::AccountUpdate* update,
                 const v1::AccountConfig& entry, const v1::Config& shell,
                 std::vector<std::string>& notes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Add(const v1::AccountConfig& entry, const v1::Config& shell, std::vector<std::string>& notes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StartRemoval(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes `name` if it is idle; true when it has left the pool.
  bool TryRemove(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RetryLoop();
  bool RetryWanted() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Tells the OAuth wiring the config identity of `entry` (for persisting its rotated tokens).
  void Remember(const v1::AccountConfig& entry, const v1::Config& shell)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Emit(const std::string& line) const;

  const HotSyncOptions options_;
  pool::Pool& pool_;
  OAuthWiring* const oauth_;
  const Log log_;
  config::ConfigWatcher watcher_;

  mutable absl::Mutex mu_;
  std::map<std::string, Record> records_ ABSL_GUARDED_BY(mu_);  // by account name
  std::set<std::string> pending_removals_ ABSL_GUARDED_BY(mu_);
  // The last config applied, re-applied after a pending removal completes (an addition of the
  // same name may be waiting for it).
  bool have_last_ ABSL_GUARDED_BY(mu_) = false;
  v1::Config last_config_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> last_warnings_ ABSL_GUARDED_BY(mu_);
  // Warnings of the previous apply: a warning is logged when it first appears, not at every apply.
  std::set<std::string> reported_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool watching_ = false;  // owner thread only
  std::thread retry_thread_;
};

}  // namespace maxpool::server
