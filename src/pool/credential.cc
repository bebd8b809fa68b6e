#include "pool/credential.h"

#include "credentials/redact.h"

namespace maxpool::pool {

std::string Fingerprint(const std::string& secret) { return credentials::Fingerprint(secret); }

bool OlderTokens(const Credential& candidate, const Credential& held) {
  return candidate.kind == CredentialKind::kOAuthBearer &&
         held.kind == CredentialKind::kOAuthBearer && !candidate.refresh_token.empty() &&
         !held.refresh_token.empty() && candidate.expires_at_ms != 0 && held.expires_at_ms != 0 &&
         candidate.expires_at_ms < held.expires_at_ms;
}

Credential SendableOf(const Credential& credential) {
  Credential sendable;
  sendable.kind = credential.kind;
  sendable.secret = credential.secret;
  sendable.upstream = credential.upstream;
  sendable.expires_at_ms = credential.expires_at_ms;
  return sendable;
}

}  // namespace maxpool::pool
