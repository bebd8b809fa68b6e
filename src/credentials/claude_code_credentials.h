#pragma once

// Importing the login of a local Claude Code install (`maxpool import`, AccountService import;
// wire §5.3 "Local credential file"): where its credentials file is, and what it holds.
// Thread-safe; only ReadClaudeCodeCredentials() touches the file system.
//
// Every error names the file and the field and says what to do; none contains a token value.
//
// Note: an imported refresh token is shared with Claude Code. Whichever side refreshes first
// rotates it and the other side's copy dies (single-use tokens, spec §7.3).

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config_path.h"
#include "credentials/oauth_messages.h"

namespace maxpool::credentials {

struct ImportedCredentials {
  TokenSet tokens;                  // accessToken, refreshToken, expiresAt (ms; 0 if absent)
  std::vector<std::string> scopes;  // empty when the file lists none
  std::string subscription_type;    // "max", "pro", "team", "enterprise", or ""
  std::string rate_limit_tier;      // e.g. "default_claude_max_5x", or ""
};

// $CLAUDE_CONFIG_DIR/.credentials.json when that variable is set and non-empty, else
// $HOME/.claude/.credentials.json (".claude/.credentials.json" relative to the working directory
// when HOME is unset too). Never fails; does not check that the file exists.
std::filesystem::path DefaultClaudeCodeCredentialsPath(const config::EnvLookup& env);
// The same, from the process environment.
std::filesystem::path DefaultClaudeCodeCredentialsPath();

// Parses the file's text: {"claudeAiOauth":{"accessToken","refreshToken","expiresAt"(ms),
// "scopes":[…],"subscriptionType","rateLimitTier"}}. Only accessToken and refreshToken are
// required; null counts as absent; an expiresAt below 1e12 is taken as seconds.
// `path_for_errors` only labels messages.
// Errors:
//   - InvalidArgument: not JSON / not an object, or a field of the wrong kind;
//   - FailedPrecondition: no claudeAiOauth entry, accessToken or refreshToken missing or empty,
//     or scopes listed without "user:inference" (the token could not serve requests).
[[nodiscard]] absl::StatusOr<ImportedCredentials> ParseClaudeCodeCredentials(
    std::string_view text, const std::filesystem::path& path_for_errors);

// Reads and parses the file at `path` (at most 1 MiB).
// Errors: NotFound when it does not exist (with the path and the hint to log in with `claude`);
// PermissionDenied when it cannot be read for lack of rights; FailedPrecondition when it is not
// a regular file or is too large; Internal for other read errors; else ParseClaudeCodeCredentials'.
[[nodiscard]] absl::StatusOr<ImportedCredentials> ReadClaudeCodeCredentials(
    const std::filesystem::path& path);

}  // namespace maxpool::credentials
