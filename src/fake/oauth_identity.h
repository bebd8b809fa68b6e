#pragma once

// Who an OAuth account is: the identity the token response (anthropic-wire.md §5.3) and the
// profile endpoint (§5.4) report. Unset spec fields are derived from the account's name and
// credential, so they are stable across restarts of a test:
//   uuid / organization_uuid  UUIDs from SHA-256 of the credential
//   display_name              the account name, else "user-<first 8 of uuid>"
//   email                     "<display name, lowercased, [a-z0-9._-]>@example.com"
//   organization_name         "<display name>'s Organization"
//   tier "max", scope the login union of scopes.
// Pure; thread-safe.

#include <string>
#include <string_view>

#include "fake/oauth_spec.h"

namespace maxpool::fake {

// The scopes a Claude Code login requests (§5.1).
inline constexpr std::string_view kLoginScopes =
    "org:create_api_key user:profile user:inference user:sessions:claude_code user:mcp_servers "
    "user:file_upload";

struct OAuthIdentity {
  std::string uuid;
  std::string email;
  std::string display_name;
  std::string organization_uuid;
  std::string organization_name;
  std::string tier;  // one of the oauth_spec.h tiers
  std::string scope;
};

// `name` is the account's configured name ("" when none was given).
OAuthIdentity ResolveIdentity(std::string_view credential, std::string_view name,
                              const OAuthAccountSpec& spec);

// "claude_max" | "claude_pro" | "claude_team" | "claude_enterprise".
std::string_view OrganizationType(std::string_view tier);
// "default_claude_max_5x" | "default_claude_max_20x" | "default_claude_ai" (pro, team,
// enterprise; [UNCERTAIN] for the last two).
std::string_view RateLimitTier(std::string_view tier);

// The GET /api/oauth/profile body (§5.4), compact JSON.
std::string ProfileJson(const OAuthIdentity& identity);

}  // namespace maxpool::fake
