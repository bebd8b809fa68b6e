#pragma once

// PKCE for the OAuth login (spec §7.2 steps 1 and 3; wire §5.2; RFC 7636): one login attempt's
// verifier, S256 challenge and state, and the authorize URL that carries them. Pure functions
// apart from MakePkce(), which draws from OpenSSL's CSPRNG. Thread-safe.
//
// A PkceSession is a secret in part: the verifier proves ownership of the code at exchange time
// and must never be logged (Redact() masks "code_verifier" JSON fields). The challenge and state
// travel in the authorize URL and are not secret.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace maxpool::credentials {

struct PkceSession {
  std::string verifier;   // base64url, no padding, of 32 random bytes (43 characters)
  std::string challenge;  // base64url, no padding, of SHA-256(verifier) (43 characters)
  std::string state;      // base64url, no padding, of 32 further random bytes (43 characters)
};

// A fresh session from 64 bytes of OpenSSL RAND_bytes.
// Error: Internal when the CSPRNG fails (no entropy); nothing is returned half-made.
[[nodiscard]] absl::StatusOr<PkceSession> MakePkce();

// The deterministic core of MakePkce(), for tests: verifier = base64url(verifier_bytes),
// state = base64url(state_bytes), challenge = S256(verifier). Any byte strings are accepted;
// MakePkce() passes 32 bytes each.
PkceSession MakePkce(std::string_view verifier_bytes, std::string_view state_bytes);

// RFC 4648 §5 base64url without '=' padding.
std::string Base64UrlNoPad(std::string_view bytes);

// RFC 7636 §4.2 S256: base64url(SHA-256(ASCII(verifier))), no padding.
std::string S256Challenge(std::string_view verifier);

// `authorize_base` with the login query appended, in this order (spec §7.2 step 3):
//   code=true, client_id, response_type=code, redirect_uri, scope, code_challenge,
//   code_challenge_method=S256, state
// Values are encoded as application/x-www-form-urlencoded, like a browser's URLSearchParams:
// A–Z a–z 0–9 and "*-._" stay, a space becomes '+', every other byte is %XX (upper-case hex).
// `scopes` is the space-separated list (kOAuthScopes). A query already on `authorize_base` is
// kept and the login parameters follow it.
// Error: InvalidArgument when `authorize_base` is not an absolute http(s) URL or has a fragment.
[[nodiscard]] absl::StatusOr<std::string> AuthorizeUrl(std::string_view authorize_base,
                                                       std::string_view client_id,
                                                       std::string_view redirect_uri,
                                                       std::string_view scopes,
                                                       const PkceSession& pkce);

}  // namespace maxpool::credentials
