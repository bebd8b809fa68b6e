#include "core/session_table.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/absl_view.h"

namespace maxpool::core {
namespace {

constexpr absl::Duration kSweepEvery = absl::Minutes(1);

}  // namespace

void SessionTable::SetLimits(SessionLimits limits) {
  limits.max_bindings = std::max<size_t>(1, limits.max_bindings);
  limits_ = limits;
  next_sweep_ = absl::InfinitePast();  // a shorter idle limit applies at the next Bind()
}

bool SessionTable::Idle(const SessionBinding& binding, absl::Time now) const {
  return now - binding.last_used > limits_.idle;
}

SessionBinding* SessionTable::Find(std::string_view key, absl::Time now) {
  auto it = bindings_.find(AbslView(key));
  if (it == bindings_.end()) return nullptr;
  if (Idle(it->second, now)) {
    bindings_.erase(it);
    ++evictions_.idle;
    return nullptr;
  }
  return &it->second;
}

const SessionBinding* SessionTable::Peek(std::string_view key) const {
  auto it = bindings_.find(AbslView(key));
  return it == bindings_.end() ? nullptr : &it->second;
}

SessionBinding& SessionTable::Bind(std::string_view key, std::string_view account, double priority,
                                   absl::Time now) {
  if (!bindings_.contains(AbslView(key))) {
    SweepIdle(now, /*force=*/false);
    if (bindings_.size() >= limits_.max_bindings) SweepIdle(now, /*force=*/true);
    if (bindings_.size() >= limits_.max_bindings) EvictLeastRecentlyUsed();
  }
  SessionBinding& b = bindings_[std::string(key)];
  b.home = std::string(account);
  b.home_priority = priority;
  b.current = std::string(account);
  b.last_used = now;
  return b;
}

void SessionTable::SweepIdle(absl::Time now, bool force) {
  if (!force && now < next_sweep_) return;
  next_sweep_ = now + kSweepEvery;
  absl::erase_if(bindings_, [&](const auto& entry) {
    if (!Idle(entry.second, now)) return false;
    ++evictions_.idle;
    return true;
  });
}

void SessionTable::EvictLeastRecentlyUsed() {
  // A hundredth at a time, so a full table under a stream of new sessions pays one scan per
  // hundredth of its size, not one per new session.
  const size_t count = std::max<size_t>(1, bindings_.size() / 100);
  std::vector<std::pair<absl::Time, std::string_view>> by_use;
  by_use.reserve(bindings_.size());
  for (const auto& [key, b] : bindings_) by_use.emplace_back(b.last_used, key);
  std::nth_element(by_use.begin(), by_use.begin() + static_cast<std::ptrdiff_t>(count - 1),
                   by_use.end());
  std::vector<std::string> victims;
  victims.reserve(count);
  for (size_t i = 0; i < count; ++i) victims.emplace_back(by_use[i].second);
  for (const std::string& key : victims) bindings_.erase(key);
  evictions_.capacity += count;
}

void SessionTable::Erase(std::string_view key) { bindings_.erase(AbslView(key)); }

void SessionTable::RenameAccount(std::string_view from, std::string_view to) {
  for (auto& [key, b] : bindings_) {
    if (b.home == from) b.home = std::string(to);
    if (b.current == from) b.current = std::string(to);
  }
}

}  // namespace maxpool::core
