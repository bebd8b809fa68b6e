#pragma once

// Session affinity bindings (spec §6.4): for each session key, the account the session calls home
// and the account it is currently on. A forced move (failover) keeps the home so the session
// snaps back when home recovers; a move by choice re-homes it. The decisions that need
// availability live in core::Router; this is the table. Not thread-safe; owned by the Router.
//
// Bounded, unlike the reference's (which every Claude Code session id would grow forever): a
// binding not used for `idle` is gone (Find() no longer sees it, and a sweep at most once a
// minute frees it), and at `max_bindings` a new binding first evicts the least recently used
// hundredth. Both evictions are counted.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace maxpool::core {

struct SessionBinding {
  std::string home;
  double home_priority = 0;
  std::string current;
  absl::Time last_used;  // the last request routed by it (Touch())
};

struct SessionLimits {
  absl::Duration idle = absl::Hours(24);
  size_t max_bindings = 20000;  // at least 1
};

struct SessionEvictions {
  uint64_t idle = 0;      // forgotten after `idle` unused
  uint64_t capacity = 0;  // forgotten to make room (least recently used)
};

class SessionTable {
 public:
  void SetLimits(SessionLimits limits);

  // The binding of `key`, unless it has been idle for longer than the limit at `now` (it is
  // then forgotten and counted).
  SessionBinding* Find(std::string_view key, absl::Time now);
  // The binding as it is, idle or not (views).
  const SessionBinding* Peek(std::string_view key) const;
  // Inserts a new binding home = current = `account`, used at `now`; makes room first.
  SessionBinding& Bind(std::string_view key, std::string_view account, double priority,
                       absl::Time now);
  void Erase(std::string_view key);
  // Renames an account in every binding (accounts are named in bindings, not indexed).
  void RenameAccount(std::string_view from, std::string_view to);

  // Whether `binding` has been unused for longer than the idle limit at `now`.
  bool Idle(const SessionBinding& binding, absl::Time now) const;

  size_t size() const { return bindings_.size(); }
  const SessionEvictions& evictions() const { return evictions_; }
  const absl::flat_hash_map<std::string, SessionBinding>& bindings() const { return bindings_; }

 private:
  // Forgets every idle binding; at most once a minute unless `force`.
  void SweepIdle(absl::Time now, bool force);
  // Forgets the least recently used hundredth (at least one).
  void EvictLeastRecentlyUsed();

  SessionLimits limits_;
  absl::flat_hash_map<std::string, SessionBinding> bindings_;
  absl::Time next_sweep_ = absl::InfinitePast();
  SessionEvictions evictions_;
};

}  // namespace maxpool::core
