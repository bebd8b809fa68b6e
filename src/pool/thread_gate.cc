#include "pool/thread_gate.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace maxpool::pool {

ThreadGate::Entry& ThreadGate::Touch(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= capacity_) {
      auto oldest = std::min_element(
          entries_.begin(), entries_.end(),
          [](const auto& a, const auto& b) { return a.second.used < b.second.used; });
      entries_.erase(oldest);
    }
    it = entries_.emplace(key, Entry{}).first;
  }
  it->second.used = ++clock_;
  return it->second;
}

bool ThreadGate::Refuse(std::string_view session_key, std::string_view account, bool provider,
                        core::ThreadIntent intent) {
  if (intent == core::ThreadIntent::kNone) return false;
  // Without a session key the turn is tracked per account, and never owned.
  const bool keyed = !session_key.empty();
  const std::string key = keyed ? std::string(session_key)
                                : absl::StrCat(
                                      "\x01"
                                      "account:",
                                      std::string(account));
  absl::MutexLock lock(&mu_);
  Entry& entry = Touch(key);
  if (intent == core::ThreadIntent::kContinue) {
    if (provider) return true;  // a provider has no server-side threads at all
    const bool owned_here = keyed && entry.owner == account;
    if (!owned_here && entry.refusals < kRefusalsBeforeForwarding) {
      ++entry.refusals;
      return true;
    }
  }
  if (keyed) entry.owner = std::string(account);
  entry.refusals = 0;
  return false;
}

size_t ThreadGate::sessions() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace maxpool::pool
