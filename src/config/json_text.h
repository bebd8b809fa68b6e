#pragma once

// JSON text <-> Boost.JSON value, as the config file needs it: strict parsing (RFC 8259, like
// JavaScript's JSON.parse: no comments, no trailing commas; a repeated key keeps its last
// value) that locates an error by line and column, and output shaped like
// JSON.stringify(value, null, 2) + "\n". Stateless; thread-safe.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "boost/json/value.hpp"

namespace maxpool::config {

// Parses one JSON document. Error: InvalidArgument "<line>:<column>: <reason>" (1-based; the
// column counts characters). The reason never quotes the text, so a secret in the file cannot
// leak into it.
[[nodiscard]] absl::StatusOr<boost::json::value> ParseJsonText(std::string_view text);

// 2-space indented JSON with a trailing newline; objects keep their key order; integers print
// as integers, other numbers in their shortest round-trip form (0.9, not 9E-1).
std::string FormatJsonText(const boost::json::value& value);

}  // namespace maxpool::config
