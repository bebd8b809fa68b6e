#pragma once

// The name of an accounts[] entry that has none. The pool, the token store, hot-sync, the OAuth
// refresher and the control plane all know such an entry as "account-<1-based index>"; `maxpool
// login` and the control plane's upsert name a new unnamed OAuth entry the same way. Pure.

#include <string>

#include "absl/strings/str_cat.h"
#include "maxpool/v1/config.pb.h"

namespace maxpool::config {

// The prefix of the name an unnamed OAuth entry gets: "account-N".
inline constexpr char kUnnamedAccountPrefix[] = "account-";

// "account-<index + 1>": the name of the entry at `index` of accounts[] when it has none.
inline std::string UnnamedAccountName(int index) {
  return absl::StrCat(kUnnamedAccountPrefix, index + 1);
}

// The name of the entry at `index` of accounts[]: its own, else UnnamedAccountName(index).
inline std::string AccountNameOf(const v1::AccountConfig& account, int index) {
  return account.has_name() ? account.name() : UnnamedAccountName(index);
}

}  // namespace maxpool::config
