#pragma once

// Identifiers and error bodies in the real API's shapes (anthropic-wire.md §1.7, §3.1, §3.2).
// Thread-safe (ids come from a per-thread generator).

#include <string>
#include <string_view>

namespace maxpool::fake {

// "req_011C" + 20 base58 characters, like real request ids.
std::string NewRequestId();
// "msg_01" + 22 base58 characters.
std::string NewMessageId();

// {"type":"error","error":{"type":…,"message":…},"request_id":…}, compact.
std::string ErrorJson(std::string_view type, std::string_view message, std::string_view request_id);

// The §3.2 error type for an HTTP status: 400 invalid_request_error, 401 authentication_error,
// 403 permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error,
// 504 timeout_error, 529 overloaded_error, other 5xx api_error.
std::string_view ErrorTypeForStatus(int status);

// Reason phrase for the status line ("Too Many Requests", "Overloaded" for 529, …).
std::string_view ReasonPhrase(int status);

}  // namespace maxpool::fake
