#pragma once

// The OAuth token endpoint's messages (spec §7.2 steps 5–6, §7.3; wire §5.3): request bodies,
// the token response, error bodies, and how a failed refresh is classified. Pure and
// thread-safe: the HTTP call itself lives in net/http_client.h.
//
// Token values never appear in an error message produced here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/refresh_failure.h"

namespace maxpool::credentials {

// The credential triple an OAuth account carries (spec §1.1 `accessToken`, `refreshToken`,
// `expiresAt`).
struct TokenSet {
  std::string access_token;   // "sk-ant-oat01-…"
  std::string refresh_token;  // "sk-ant-ort01-…"; single-use: every refresh rotates it
  int64_t expires_at_ms;      // epoch ms; 0 = unknown (never "expiring soon", spec §7.3)
};

// Identity fields a token response may carry (wire §5.3); absent ones stay nullopt.
struct TokenIdentity {
  std::optional<std::string> account_uuid;       // account.uuid
  std::optional<std::string> account_email;      // account.email_address
  std::optional<std::string> organization_uuid;  // organization.uuid
  std::optional<std::string> organization_name;  // organization.name
};

// {"grant_type":"refresh_token","refresh_token":<refresh_token>,"client_id":<client_id>}
// exactly, in this order (spec §7.3; like the reference, no "scope").
std::string RefreshRequestBody(std::string_view refresh_token, std::string_view client_id);

// {"code","state","grant_type":"authorization_code","client_id","redirect_uri","code_verifier"}
// exactly, in this order (spec §7.2 step 5).
std::string CodeExchangeBody(std::string_view code, std::string_view state,
                             std::string_view client_id, std::string_view redirect_uri,
                             std::string_view verifier);

// Normalises an epoch timestamp that may be in seconds: values below 1e12 are taken as seconds
// and multiplied by 1000 (spec §7.2 step 6 `normalize`). Non-positive → 0 (unknown).
int64_t NormalizeEpochMs(double value);

// The tokens of a 2xx token-endpoint response (spec §7.2 step 6, §7.3 "Success"):
//   access_token  = access_token (required, a non-empty string);
//   refresh_token = refresh_token when a non-empty string, else `previous_refresh_token`
//                   (the server may omit it; wire §5.3);
//   expires_at_ms = NormalizeEpochMs(expires_at) when positive, else
//                   now + (expires_in when positive, else 3600) s.
// null counts as absent. When `identity` is non-null it receives account/organization fields
// (and is reset to empty first).
// Errors, InvalidArgument: the body is not a JSON object; access_token missing or empty; a
// field of the wrong kind (named); an expiry beyond year 9999.
[[nodiscard]] absl::StatusOr<TokenSet> ParseTokenResponse(std::string_view body, absl::Time now,
                                                          std::string_view previous_refresh_token,
                                                          TokenIdentity* identity = nullptr);

// An error body from the token endpoint, normalised.
struct OAuthError {
  std::string error;        // "invalid_grant", or the Anthropic error.type ("rate_limit_error")
  std::string description;  // error_description, or the Anthropic error.message; may be empty
};

// Reads an OAuth error body {"error":"…","error_description":"…"} (wire §5.3), else an
// Anthropic error body {"type":"error","error":{"type":"…","message":"…"}} (wire §3.1), else
// nullopt (not JSON, another shape, or a non-string error). The description is the server's
// text: pass it through Redact() before logging.
std::optional<OAuthError> ParseOAuthError(std::string_view body);

// Classifies a failed refresh. `http_status` is the response status, nullopt if none arrived;
// `request_sent` says whether any byte of the request reached the socket. `body` refines a 4xx:
// an Anthropic error of type rate_limit_error or overloaded_error is kRetryableStatus.
// (408 is retryable too: the server gave up before reading the request.) Deviations from the
// reference, which treats every non-429 4xx as dead and retries nothing but 429/5xx.
core::RefreshFailure ClassifyRefreshFailure(std::optional<int> http_status, bool request_sent,
                                            std::string_view body);

// Whether the same refresh call may resend the same token right away (spec §7.3 attempt loop):
// kNetworkBeforeSend, and kRetryableStatus with a 5xx status.
bool MayRetryWithinRefresh(core::RefreshFailure kind, std::optional<int> http_status);

// The cooldown reason of spec §7.3: "token_refresh_<status>", or "token_refresh_network" when no
// status arrived.
std::string RefreshFailureReason(std::optional<int> http_status);

}  // namespace maxpool::credentials
