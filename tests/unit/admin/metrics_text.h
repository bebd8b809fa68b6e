#pragma once

// Reading the Prometheus text exposition format in tests of src/admin. Header-only.

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace maxpool::admin::testing {

// The value of the sample whose series is exactly `series` (e.g.
// `maxpool_requests_total{account="A",outcome="ok",status_class="2xx"}`, labels in name order),
// or nullopt when there is none.
inline std::optional<double> Sample(const std::string& text, std::string_view series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
  }
  return std::nullopt;
}

// True when some sample line contains `needle` (e.g. `account="B"`).
inline bool AnySampleContains(const std::string& text, std::string_view needle,
                              std::string_view name_prefix = "") {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.compare(0, name_prefix.size(), name_prefix) != 0) continue;
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace maxpool::admin::testing
