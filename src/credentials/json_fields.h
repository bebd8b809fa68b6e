#pragma once

// Kind-checked field lookups on parsed JSON objects, shared by the credentials parsers (token
// responses, the profile, Claude Code's credentials file). Errors name the field and the kind
// found, never the value, so a secret in a malformed document cannot leak into a message.
// Internal to src/credentials. Pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/json/object.hpp"
#include "boost/json/value.hpp"

namespace maxpool::credentials::internal {

// "a string", "a number", "null", … for error messages.
std::string_view KindName(const boost::json::value& value);

// In each lookup, `field` is the name used in errors (e.g. "account.uuid"). An absent key or a
// JSON null yields nullopt (nullptr for objects). Error: InvalidArgument
// "<field> is <kind>, expected <kind>" when the value has another kind.
[[nodiscard]] absl::StatusOr<std::optional<std::string>> OptionalString(
    const boost::json::object& object, std::string_view key, std::string_view field);
// Any JSON number (integer or floating point), as a double.
[[nodiscard]] absl::StatusOr<std::optional<double>> OptionalNumber(
    const boost::json::object& object, std::string_view key, std::string_view field);
[[nodiscard]] absl::StatusOr<std::optional<bool>> OptionalBool(const boost::json::object& object,
                                                               std::string_view key,
                                                               std::string_view field);
[[nodiscard]] absl::StatusOr<const boost::json::object*> OptionalObject(
    const boost::json::object& object, std::string_view key, std::string_view field);

// `status` with `prefix` put before its message; OK stays OK.
absl::Status WithContext(const absl::Status& status, std::string_view prefix);

}  // namespace maxpool::credentials::internal
