#pragma once

// Hot-sync planning (spec §1.4, §14 items 9 and 13): compares the accounts a running server has
// with the config file's `accounts[]` and says what to add, remove and change. Pure; the caller
// applies the plan to the live pool. Thread-safe (no shared state).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "maxpool/v1/config.pb.h"

namespace maxpool::config {

// One account the server is running, as far as hot-sync compares it. Pass only the accounts that
// came from the config file's `accounts[]` (not header-created or `providers[]` ones: those are
// never in `accounts[]` and would all be planned for removal). Credentials are secrets.
struct RunningAccount {
  std::string name;
  std::string uuid;  // account_uuid; empty when unknown
  std::string type;  // "oauth", "apikey" or "provider", as in the config
  bool enabled = true;
  double priority = 0;
  std::optional<double> cap;  // capUtilization, strictly within (0, 1)
  std::string access_token;   // oauth
  std::string refresh_token;  // oauth
  int64_t expires_at_ms = 0;  // oauth
  std::string api_key;        // apikey; provider
  std::string auth_token;     // provider
  std::string upstream;       // per-account override; empty = none
};

// Credentials to adopt from the disk entry (the whole set; fields the type does not use are
// empty). Secrets: never log.
struct AdoptedCredentials {
  std::string access_token;
  std::string refresh_token;
  int64_t expires_at_ms = 0;  // normalised to ms (spec §14 item 3)
  std::string api_key;
  std::string auth_token;
};

// The changes for one running account matched to a disk entry. Each optional is set only when
// the disk value differs from the running one.
struct AccountUpdate {
  size_t running_index = 0;         // into the `running` list given to PlanAccountSync
  int disk_index = 0;               // into disk.accounts()
  std::optional<std::string> name;  // renamed on disk (matched by UUID)
  std::optional<std::string> uuid;  // UUID set or changed on disk (matched by name)
  std::optional<bool> enabled;
  std::optional<double> priority;
  bool cap_changed = false;
  std::optional<double> cap;            // when cap_changed: the new cap, nullopt = no cap
  std::optional<std::string> upstream;  // the new override, "" = none
  std::optional<AdoptedCredentials> credentials;
  // The disk holds different OAuth tokens that expire earlier than the running ones: they were
  // NOT adopted (spec §14 item 9: a fresher in-memory token is never replaced by a staler one).
  bool stale_disk_tokens_ignored = false;

  bool HasChanges() const {
    return name || uuid || enabled || priority || cap_changed || upstream || credentials;
  }
};

// A disk entry left out because a later entry is the same account.
struct DuplicateDiskAccount {
  int dropped_index = 0;   // into disk.accounts(); the older entry
  int kept_index = 0;      // the most recent (last) entry, which is used
  bool same_uuid = false;  // same account_uuid (else: same name)
};

struct AccountSyncPlan {
  // Disk entries matching no running account, to append to the pool (spec §1.4 step 2), as
  // indices into disk.accounts(), in file order.
  std::vector<int> added;
  // Running accounts no disk entry matches, as indices into `running`: the account was deleted
  // from the file (or became a different type) and should leave the pool once idle. (The
  // reference never removes them, AS-BUILT §13 item 13; maxpool does.)
  std::vector<size_t> removed;
  // Matched accounts with at least one change (or stale disk tokens ignored).
  std::vector<AccountUpdate> updated;
  // Disk entries ignored as older duplicates: the caller should warn.
  std::vector<DuplicateDiskAccount> duplicates;
  // Disk entries without the credential their type needs (spec §1.1), as indices into
  // disk.accounts(): never added, and their (missing) credential never adopted.
  std::vector<int> skipped_without_credential;

  bool empty() const {
    return added.empty() && removed.empty() && updated.empty() && duplicates.empty() &&
           skipped_without_credential.empty();
  }
};

// Plans the sync of `running` with `disk.accounts()`:
//   1. Duplicates on disk (same account_uuid, or same name) — the last entry wins, the older ones
//      are reported in `duplicates` and otherwise ignored.
//   2. Each disk entry is matched to a running account by account_uuid first (for all entries),
//      then by name; a running account is matched at most once. A match whose type differs is
//      treated as a removal plus an addition.
//   3. Per match: enabled (default true), priority (default 0), capUtilization (valid only
//      strictly within (0, 1), else no cap), upstream, name and UUID changes; credentials:
//        * oauth: adopted when the access or refresh token differs and the disk expiry is not
//          earlier than the running one (else stale_disk_tokens_ignored);
//        * apikey / provider: adopted when the key (apiKey, authToken) differs;
//      an entry without its credential never replaces the running one.
//   4. Unmatched disk entries with a credential are added; running accounts left unmatched are
//      removed.
AccountSyncPlan PlanAccountSync(std::span<const RunningAccount> running, const v1::Config& disk);

// An expiresAt in seconds (below 1e11, i.e. before 1973 in ms) read as ms (spec §14 item 3).
int64_t NormalizeExpiryMs(int64_t expires_at);

}  // namespace maxpool::config
