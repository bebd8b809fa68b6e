#pragma once

// Bounds on what a maxpool.v1 request may carry, and on how much of it an error quotes back.
// Beyond a bound a request fails with INVALID_ARGUMENT naming the field ("api_key.api_key:
// longer than 16384 bytes"), before anything is stored: a credential the data plane could not
// send, or an error too large for gRPC's trailers, never gets that far. Pure; thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

namespace maxpool::control {

// An API key, OAuth access or refresh token, provider key, or pasted login code.
inline constexpr size_t kMaxCredentialBytes = 16 * 1024;
// An account's upstream base URL.
inline constexpr size_t kMaxUrlBytes = 2048;
// A file path on the server's machine (ImportClaudeCodeCredentials).
inline constexpr size_t kMaxPathBytes = 1024;
// What an error message quotes of a value from the request (never of a secret).
inline constexpr size_t kMaxQuotedBytes = 64;

// "longer than <max> bytes", the description of a value past its bound.
std::string LongerThan(size_t max_bytes);

// True when `text` holds a byte below 0x20 or 0x7f (line breaks and tabs included).
bool HasControlCharacter(std::string_view text);

// `text` for quoting in an error message: printable ASCII (any other byte becomes '?'), cut to
// `max_bytes` with "..." after when longer. Never use it on a secret.
std::string Quotable(std::string_view text, size_t max_bytes = kMaxQuotedBytes);

}  // namespace maxpool::control
