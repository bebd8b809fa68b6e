#pragma once

// The signed-in account's profile, from GET kOAuthProfileUrl (spec §7.1, §1.5; wire §5.4). Login
// uses it to name the account (its email) and to de-duplicate by UUID. Pure and thread-safe.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace maxpool::credentials {

// Absent optional fields are empty strings.
struct Profile {
  std::string uuid;               // account.uuid (required)
  std::string email;              // account.email
  std::string display_name;       // account.display_name
  std::string organization_uuid;  // organization.uuid
  std::string organization_name;  // organization.name
  std::string organization_type;  // organization.organization_type, e.g. "claude_max"
  std::string tier;               // "max", "pro", "team", "enterprise" or "" (see ParseProfile)
};

// Reads the profile JSON. `tier` is "max" if account.has_claude_max, else "pro" if
// account.has_claude_pro, else derived from organization_type as Claude Code does
// (claude_max|claude_pro|claude_team|claude_enterprise → max|pro|team|enterprise), else "".
// null counts as absent; unknown fields are ignored.
// Errors, InvalidArgument, each naming the field: not a JSON object; "account" or
// "account.uuid" missing (or empty); a known field of the wrong kind.
[[nodiscard]] absl::StatusOr<Profile> ParseProfile(std::string_view body);

}  // namespace maxpool::credentials
