#pragma once

// The one redaction helper every log path uses (spec §11; issue "secrets stay secret"). A secret
// is shown only as its fingerprint: the first 8 hex characters of its SHA-256, stable across
// restarts, so an operator can tell tokens apart without seeing them.
//
// Redact() masks, in free text:
//   - Anthropic tokens and keys: "sk-ant-" and what follows ("sk-ant-oat01-…[1a2b3c4d]");
//   - the value after "Bearer " and after an "x-api-key:" or "authorization:" header name;
//   - the value of JSON string fields whose name marks a secret (access_token, refreshToken,
//     apiKey, code_verifier, code, …).
// Pure and thread-safe.

#include <string>
#include <string_view>

namespace maxpool::credentials {

// First 8 hex characters of SHA-256(secret).
std::string Fingerprint(std::string_view secret);

// "[redacted 1a2b3c4d]", or "[empty]" for an empty secret.
std::string MaskSecret(std::string_view secret);

// `text` with every secret it recognises replaced by its mask.
std::string Redact(std::string_view text);

}  // namespace maxpool::credentials
