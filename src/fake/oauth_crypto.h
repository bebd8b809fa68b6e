#pragma once

// Token material for the fake's OAuth (anthropic-wire.md §5.2, §5.3): random access / refresh
// tokens and authorization codes from OpenSSL's RNG, the PKCE S256 challenge, and stable
// UUID-shaped ids derived from a seed. Thread-safe (OpenSSL's RNG is).

#include <string>
#include <string_view>

namespace maxpool::fake {

inline constexpr std::string_view kAccessTokenPrefix = "sk-ant-oat01-";
inline constexpr std::string_view kRefreshTokenPrefix = "sk-ant-ort01-";

// Base64url without padding (RFC 4648 §5).
std::string Base64Url(std::string_view bytes);
// Base64url of `bytes` random bytes.
std::string RandomBase64Url(size_t bytes);
// "sk-ant-oat01-…" / "sk-ant-ort01-…" with 64 random base64url characters and the "AA" tail
// real tokens have.
std::string NewAccessToken();
std::string NewRefreshToken();
// An authorization code: 43 random base64url characters.
std::string NewAuthCode();
// base64url(SHA-256(verifier)), no padding: the S256 code_challenge.
std::string S256Challenge(std::string_view verifier);
// A lowercase 8-4-4-4-12 UUID (version 4 layout) derived deterministically from `seed`.
std::string UuidFromSeed(std::string_view seed);

}  // namespace maxpool::fake
