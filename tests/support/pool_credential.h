#pragma once

// A pool::Credential in one expression, for tests: the kind, the secret and the upstream, with
// no OAuth refresh token. Header-only.

#include <string>
#include <utility>

#include "pool/credential.h"

namespace maxpool::testing {

inline pool::Credential MakeCredential(pool::CredentialKind kind, std::string secret,
                                       std::string upstream) {
  pool::Credential credential;
  credential.kind = kind;
  credential.secret = std::move(secret);
  credential.upstream = std::move(upstream);
  return credential;
}

}  // namespace maxpool::testing
