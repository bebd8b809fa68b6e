#include "core/session_table.h"

#include "core/absl_view.h"

namespace maxpool::core {

const SessionBinding* SessionTable::Find(std::string_view key) const {
  auto it = bindings_.find(AbslView(key));
  return it == bindings_.end() ? nullptr : &it->second;
}

SessionBinding* SessionTable::Find(std::string_view key) {
  auto it = bindings_.find(AbslView(key));
  return it == bindings_.end() ? nullptr : &it->second;
}

SessionBinding& SessionTable::Bind(std::string_view key, std::string_view account,
                                   double priority) {
  SessionBinding& b = bindings_[std::string(key)];
  b.home = std::string(account);
  b.home_priority = priority;
  b.current = std::string(account);
  return b;
}

void SessionTable::Erase(std::string_view key) { bindings_.erase(AbslView(key)); }

void SessionTable::RenameAccount(std::string_view from, std::string_view to) {
  for (auto& [key, b] : bindings_) {
    if (b.home == from) b.home = std::string(to);
    if (b.current == from) b.current = std::string(to);
  }
}

}  // namespace maxpool::core
