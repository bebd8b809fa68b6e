#pragma once

// The secret an account authenticates with upstream, and where it sends requests. Held only by
// the pool, the one place an account's tokens live: an OAuth account's whole token set (access
// token, refresh token, expiry) is here, read and rotated by the refresher through the pool
// (credentials::TokenLedger). A Grant carries only what one attempt sends (SendableOf()). Never
// logged (see Fingerprint()).

#include <cstdint>
#include <string>

namespace maxpool::pool {

enum class CredentialKind {
  kOAuthBearer,  // Authorization: Bearer <token> plus the oauth-2025-04-20 beta
  kApiKey,       // x-api-key: <key>
  kBearer,       // Authorization: Bearer <token> (providers, authHeader "authorization")
};

struct Credential {
  CredentialKind kind = CredentialKind::kOAuthBearer;
  std::string secret;    // the access token or API key sent upstream
  std::string upstream;  // base URL, e.g. "https://api.anthropic.com"; never with a trailing /
  // OAuth only. Empty: the access token is sent as it is and never refreshed.
  std::string refresh_token;
  int64_t expires_at_ms = 0;  // the access token's expiry, Unix ms; 0 = unknown
};

// Whether `candidate` holds an older OAuth token set than `held`: both with a refresh token and an
// expiry, `candidate`'s earlier. Taking it would trade a rotated pair for a spent one.
bool OlderTokens(const Credential& candidate, const Credential& held);

// `credential` without what an attempt never sends (the refresh token): the Grant's copy.
Credential SendableOf(const Credential& credential);

// First 8 hex characters of SHA-256(secret): safe to log, stable across restarts
// (credentials::Fingerprint, the one implementation).
std::string Fingerprint(const std::string& secret);

}  // namespace maxpool::pool
