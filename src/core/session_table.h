#pragma once

// Session affinity bindings (spec §6.4): for each session key, the account the session calls home
// and the account it is currently on. A forced move (failover) keeps the home so the session
// snaps back when home recovers; a move by choice re-homes it. The decisions that need
// availability live in core::Router; this is the table. Not thread-safe; owned by the Router.

#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace maxpool::core {

struct SessionBinding {
  std::string home;
  double home_priority = 0;
  std::string current;
};

class SessionTable {
 public:
  const SessionBinding* Find(std::string_view key) const;
  SessionBinding* Find(std::string_view key);
  // Inserts a new binding home = current = `account`.
  SessionBinding& Bind(std::string_view key, std::string_view account, double priority);
  void Erase(std::string_view key);
  // Renames an account in every binding (accounts are named in bindings, not indexed).
  void RenameAccount(std::string_view from, std::string_view to);

  size_t size() const { return bindings_.size(); }
  const absl::flat_hash_map<std::string, SessionBinding>& bindings() const { return bindings_; }

 private:
  absl::flat_hash_map<std::string, SessionBinding> bindings_;
};

}  // namespace maxpool::core
