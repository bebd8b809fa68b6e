#pragma once

// The fixed facts of Claude's subscription OAuth (spec §7.1; wire §5.1, §5.3–§5.5): the public
// client id, the endpoints, the scopes a login requests, and the headers the refresh call mimics.
// Compile-time constants only; nothing here reads the environment (the env variable names are
// listed so that the one place that does read them spells them the same way).

#include <cstdint>
#include <string_view>

#include "absl/time/time.h"
#include "net/http_client.h"

namespace maxpool::credentials {

// Claude Code's public OAuth client id (wire §5.1). Not a secret.
inline constexpr std::string_view kOAuthClientId = "9d1c250a-e61b-44d9-88ed-5944d1962f5e";

// Where the browser is sent to sign in (spec §7.1; the reference's claude.ai endpoint).
inline constexpr std::string_view kOAuthAuthorizeUrl = "https://claude.ai/oauth/authorize";

// Token endpoint for code exchange and refresh (spec §7.1, wire §5.1).
inline constexpr std::string_view kOAuthDefaultTokenUrl =
    "https://platform.claude.com/v1/oauth/token";
// Overrides kOAuthDefaultTokenUrl (tests point it at a fake upstream).
inline constexpr std::string_view kOAuthTokenUrlEnv = "MAXPOOL_OAUTH_TOKEN_ENDPOINT";

// Account profile and quota usage (wire §5.4, §5.5). Always api.anthropic.com: these never follow
// the configured upstream / ANTHROPIC_BASE_URL.
inline constexpr std::string_view kOAuthProfileUrl = "https://api.anthropic.com/api/oauth/profile";
inline constexpr std::string_view kOAuthUsageUrl = "https://api.anthropic.com/api/oauth/usage";

// Space-separated scopes requested at login: the union of the Claude.ai and Console scopes
// (spec §7.1, wire §5.1).
inline constexpr std::string_view kOAuthScopes =
    "org:create_api_key user:profile user:inference user:sessions:claude_code user:mcp_servers "
    "user:file_upload";
// The scope without which an access token cannot call /v1/messages.
inline constexpr std::string_view kOAuthInferenceScope = "user:inference";

// Where the local callback redirects the browser after a successful sign-in (spec §7.1).
inline constexpr std::string_view kOAuthSuccessPageUrl =
    "https://platform.claude.com/oauth/code/success?app=claude-code";

// The anthropic-beta value that OAuth-authenticated requests carry (wire §5.5, §6.2).
inline constexpr std::string_view kOAuthBeta = "oauth-2025-04-20";

// Headers of the refresh call, mimicking Claude Code's axios client (spec §7.3).
inline constexpr std::string_view kOAuthRefreshUserAgent = net::kDefaultUserAgent;
inline constexpr std::string_view kOAuthRefreshAccept = net::kDefaultAccept;

// Token lifetime assumed when a token response carries neither expires_at nor expires_in
// (spec §7.2 step 6).
inline constexpr int64_t kOAuthDefaultExpiresInSeconds = 3600;

// A token is "expiring soon", and refreshed before use, when now + this >= expiresAt (spec §7.3).
inline constexpr absl::Duration kOAuthRefreshLeadTime = absl::Minutes(5);

// Per-attempt refresh timeout: default, floor, and its env override (spec §7.3).
inline constexpr absl::Duration kOAuthRefreshTimeout = absl::Seconds(30);
inline constexpr absl::Duration kOAuthRefreshTimeoutMin = absl::Seconds(10);
inline constexpr std::string_view kOAuthRefreshTimeoutEnv = "MAXPOOL_TOKEN_REFRESH_TIMEOUT_MS";

// Login wait for the callback or a pasted code: default, floor, and its env override (§7.2 step 4).
inline constexpr absl::Duration kOAuthLoginTimeout = absl::Minutes(5);
inline constexpr absl::Duration kOAuthLoginTimeoutMin = absl::Seconds(60);
inline constexpr std::string_view kOAuthLoginTimeoutEnv = "MAXPOOL_LOGIN_TIMEOUT_MS";

}  // namespace maxpool::credentials
