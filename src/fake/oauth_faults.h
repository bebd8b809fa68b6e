#pragma once

// Scriptable answers of the fake's token endpoint (POST /v1/oauth/token), for tests of a token
// endpoint outage. Each fake server has a FIFO script of these, consumed one per token request
// whatever its content, then a default (normally "ok").
//   ok             answer the grant normally
//   reset          read the request, then reset the connection before any response byte
//   stall          read the request, then stay silent until the client gives up
//   status         answer `status` (400..599) with `body` (default: an Anthropic error body for
//                  the status) and optional `retry-after`
//   invalid_grant  400 invalid_grant whatever was sent (nothing is consumed)
// `consume` (reset, stall, status): the grant IS carried out first (a refresh token rotates, a
// code is used), only the answer is lost: "the server rotated the token but the response never
// arrived". Default false: the request had no effect.
// JSON: the bare kind name, or {"kind":…, "status":503, "body":"…", "retry_after":30,
// "consume":true}; in scripts, "times":N repeats an entry. Unknown fields are errors.
// Value types and pure parsing; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/json/object.hpp"
#include "boost/json/value.hpp"

namespace maxpool::fake {

enum class TokenFaultKind { kOk, kReset, kStall, kStatus, kInvalidGrant };

struct TokenFault {
  TokenFaultKind kind = TokenFaultKind::kOk;
  bool consume = false;
  int status = 500;                    // kStatus
  std::optional<std::string> body;     // kStatus: sent verbatim
  std::optional<int64_t> retry_after;  // kStatus: `retry-after` seconds

  static TokenFault Of(TokenFaultKind kind, bool consume = false) {
    TokenFault f;
    f.kind = kind;
    f.consume = consume;
    return f;
  }
  static TokenFault Status(int status) {
    TokenFault f;
    f.kind = TokenFaultKind::kStatus;
    f.status = status;
    return f;
  }
};

std::string_view TokenFaultKindName(TokenFaultKind kind);  // "ok", "reset", …

// Errors: InvalidArgument naming the field. "times" is rejected here.
[[nodiscard]] absl::StatusOr<TokenFault> ParseTokenFault(const boost::json::value& json);
// An array of faults, each optionally repeated by "times" (1..10000).
[[nodiscard]] absl::StatusOr<std::vector<TokenFault>> ParseTokenFaults(
    const boost::json::value& json);

boost::json::object TokenFaultToJson(const TokenFault& fault);

}  // namespace maxpool::fake
