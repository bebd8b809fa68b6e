#pragma once

// The secret an account authenticates with upstream, and where it sends requests. Held only by
// the pool and copied into a Grant for one attempt; never logged (see Fingerprint()).

#include <string>

namespace maxpool::pool {

enum class CredentialKind {
  kOAuthBearer,  // Authorization: Bearer <token> plus the oauth-2025-04-20 beta
  kApiKey,       // x-api-key: <key>
  kBearer,       // Authorization: Bearer <token> (providers, authHeader "authorization")
};

struct Credential {
  CredentialKind kind = CredentialKind::kOAuthBearer;
  std::string secret;
  std::string upstream;  // base URL, e.g. "https://api.anthropic.com"; never with a trailing /
};

// First 8 hex characters of SHA-256(secret): safe to log, stable across restarts
// (credentials::Fingerprint, the one implementation).
std::string Fingerprint(const std::string& secret);

}  // namespace maxpool::pool
