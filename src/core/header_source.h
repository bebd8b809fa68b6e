#pragma once

// Read-only access to the headers of one HTTP message, by lower-case name. The core reads
// response and request headers through this seam so that the proxy can hand it Beast's field
// container without copying, and tests can hand it a flat list.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace maxpool::core {

class HeaderSource {
 public:
  virtual ~HeaderSource() = default;
  // Returns the first value of the header, or nullopt when absent. `lower_name` is lower-case;
  // implementations compare names case-insensitively. The view stays valid while the source does.
  virtual std::optional<std::string_view> Find(std::string_view lower_name) const = 0;
};

// A list of (name, value) pairs; for tests, the fake upstream and small messages.
class FlatHeaders final : public HeaderSource {
 public:
  FlatHeaders() = default;
  FlatHeaders(std::initializer_list<std::pair<std::string, std::string>> headers)
      : headers_(headers) {}

  void Add(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
  }
  std::optional<std::string_view> Find(std::string_view lower_name) const override;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return headers_; }

 private:
  std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace maxpool::core
