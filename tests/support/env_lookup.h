#pragma once

// Environments for code that takes a config::EnvLookup, made of a map instead of the process's
// variables: EnvFrom copies the map; EnvOver reads one the test keeps (and may change between
// calls), which must outlive the lookup.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/config_path.h"

namespace maxpool::testing {

using EnvMap = std::map<std::string, std::string>;

inline config::EnvLookup EnvOver(const EnvMap& values) {
  return [&values](std::string_view name) -> std::optional<std::string> {
    const auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

inline config::EnvLookup EnvFrom(EnvMap values = {}) {
  return [values = std::move(values)](std::string_view name) { return EnvOver(values)(name); };
}

}  // namespace maxpool::testing
