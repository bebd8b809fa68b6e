#include "core/header_source.h"

#include "absl/strings/match.h"
#include "core/absl_view.h"

namespace maxpool::core {

std::optional<std::string_view> FlatHeaders::Find(std::string_view lower_name) const {
  for (const auto& [name, value] : headers_) {
    if (absl::EqualsIgnoreCase(name, AbslView(lower_name))) return std::string_view(value);
  }
  return std::nullopt;
}

}  // namespace maxpool::core
