#pragma once

// The OAuth part of an account spec (fake_account.h): how the fake's token endpoint, profile and
// usage endpoints treat one subscription account. Every field is optional; unset fields take the
// defaults documented below when the account is installed, and an update (POST
// /_fake/oauth/accounts) changes only the fields it sets. JSON fields (in the account spec):
//   "refresh_token":"sk-ant-ort01-…"  the account's current refresh token (default: none, so only
//                                      an authorization_code grant can give it tokens)
//   "expires_in":<s>                   lifetime of issued access tokens (default 3600); also puts
//                                      the current access token's expiry at now + s
//   "expires_at":<epoch ms>            the current access token's expiry (wins over expires_in;
//                                      default: the initial credential never expires)
//   "uuid", "email", "display_name"    account identity (defaults derived from name/credential)
//   "organization":"name" | {"uuid":…,"name":…}, "organization_uuid"
//   "tier":"max"|"max_5x"|"max_20x"|"pro"|"team"|"enterprise"  (default "max")
//   "scope":"user:profile …"          granted scopes (default: the login union, §5.1)
//   "revoke_old_access":true           a rotation revokes the older access tokens at once (403
//                                      "revoked"); default false: they work until they expire
// Pure data and parsing; thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/json/object.hpp"
#include "boost/json/value.hpp"

namespace maxpool::fake {

struct OAuthAccountSpec {
  std::optional<std::string> refresh_token;
  std::optional<absl::Duration> expires_in;
  std::optional<absl::Time> expires_at;
  std::optional<std::string> uuid;
  std::optional<std::string> email;
  std::optional<std::string> display_name;
  std::optional<std::string> organization_name;
  std::optional<std::string> organization_uuid;
  std::optional<std::string> tier;
  std::optional<std::string> scope;
  std::optional<bool> revoke_old_access;
};

// Parses one field of the list above into `spec`. nullopt when `key` is not an OAuth field;
// otherwise OK or InvalidArgument naming the field.
[[nodiscard]] std::optional<absl::Status> ParseOAuthSpecField(std::string_view key,
                                                              const boost::json::value& value,
                                                              OAuthAccountSpec& spec);

// Copies the fields `update` sets over `base`.
void OverlayOAuthSpec(OAuthAccountSpec& base, const OAuthAccountSpec& update);

// True for the tier names listed above.
bool IsKnownTier(std::string_view tier);

}  // namespace maxpool::fake
