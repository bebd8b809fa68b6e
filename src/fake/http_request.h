#pragma once

// The request type the fake's handlers take, and the header readings they share
// (anthropic-wire.md §1.2). Pure; thread-safe.

#include <string>
#include <string_view>

#include "boost/beast/http/message.hpp"
#include "boost/beast/http/string_body.hpp"

namespace maxpool::fake {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// The anthropic-beta flag OAuth bearers need.
inline constexpr std::string_view kOAuthBeta = "oauth-2025-04-20";
inline constexpr std::string_view kOAuthExpiredMessage =
    "OAuth token has expired. Please obtain a new token.";
inline constexpr std::string_view kOAuthRevokedMessage =
    "OAuth token has been revoked. Please obtain a new token.";

// True when `flag` is one of the comma-separated anthropic-beta values (any header occurrence).
bool HasBeta(const HttpRequest& request, std::string_view flag);
// The token of `Authorization: Bearer <token>` (scheme case-insensitive), or "".
std::string BearerToken(const HttpRequest& request);

}  // namespace maxpool::fake
