#pragma once

// The accounts of the control plane: the live pool, in pool order, joined with the config file's
// `accounts[]` entries (matched by the pool's name of each entry) and the pool's credentials
// (fingerprints only), as maxpool.v1.Account views. Also the name rules shared by the account
// RPCs: which entry the pool calls `id`, and which names are taken.
//
// A catalog is a copy taken at one moment; it never holds a secret. Thread-safe to build from
// any thread (the pool's views are).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "maxpool/v1/accounts.pb.h"
#include "maxpool/v1/config.pb.h"
#include "pool/pool.h"

namespace maxpool::control {

// The pool's name of config.accounts(index) (config::AccountSettingsOf): its `name`, else
// "account-<index + 1>".
std::string PoolNameOf(const v1::Config& config, int index);

// The index of the `accounts[]` entry the pool calls `id`, or nullopt.
std::optional<int> FindEntry(const v1::Config& config, std::string_view id);

// Whether `id` names an `accounts[]` entry (by its pool name) or a `providers[]` entry.
bool ConfigNameTaken(const v1::Config& config, std::string_view id);

class AccountCatalog {
 public:
  // The pool's accounts now, joined with `config` (the file as loaded).
  static AccountCatalog Capture(const pool::Pool& pool, const v1::Config& config, absl::Time now);

  // In pool order.
  const std::vector<v1::Account>& accounts() const { return accounts_; }
  // The account whose id is `id`, or null.
  const v1::Account* Find(std::string_view id) const;
  // Its position in accounts(), or nullopt.
  std::optional<size_t> IndexOf(std::string_view id) const;
  // Ids in pool order (the part of each name after "accounts/").
  const std::vector<std::string>& ids() const { return ids_; }

 private:
  std::vector<std::string> ids_;
  std::vector<v1::Account> accounts_;
};

// The view of `id` from `config` alone (an entry the pool does not run), or nullopt when there
// is no such entry.
std::optional<v1::Account> EntryView(const v1::Config& config, std::string_view id,
                                     const pool::Pool& pool, absl::Time now);

}  // namespace maxpool::control
