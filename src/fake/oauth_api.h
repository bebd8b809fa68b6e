#pragma once

// The OAuth surface of the fake upstream (anthropic-wire.md §5.3-§5.5), routed from ApiHandler:
//   POST /v1/oauth/token     JSON body. grant_type refresh_token (refresh_token, client_id;
//                            optional scope) rotates the account's tokens: a new access token
//                            (sk-ant-oat01-…) and refresh token (sk-ant-ort01-…); the presented
//                            refresh token is spent. grant_type authorization_code (code,
//                            code_verifier, redirect_uri, client_id, state) redeems a code minted
//                            through the control API. 200 {"token_type":"Bearer","access_token",
//                            "expires_in","refresh_token","scope","organization":{uuid,name},
//                            "account":{uuid,email_address}}. Errors are OAuth-style 400s
//                            {"error":"invalid_grant"|"invalid_request","error_description",
//                            "echo":<the request body>} ("echo" is the fake's own addition, so
//                            relay tests can see what arrived). The fault script
//                            (oauth_faults.h) can reset, stall or replace the answer.
//   GET  /api/oauth/profile  Bearer <access token>: the profile (§5.4).
//   GET  /api/oauth/usage    Bearer <access token> and anthropic-beta oauth-2025-04-20: the usage
//                            body (§5.5, oauth_usage.h) from the account's live quota.
// The resource endpoints answer 401 authentication_error with "details":{"error_visibility":
// "user_facing"} for an unknown, non-OAuth or expired token (and a usage call without the beta),
// 403 permission_error for a revoked one. Thread-safe: the state is; this object is immutable.

#include <string>
#include <string_view>

#include "fake/fake_options.h"
#include "fake/fake_state.h"
#include "fake/http_request.h"
#include "fake/plan.h"

namespace maxpool::fake {

class OAuthApi {
 public:
  // `state` must outlive the API.
  OAuthApi(const FakeOptions& options, FakeState& state)
      : accept_unknown_credentials_(options.accept_unknown_credentials), state_(state) {}

  // True for the three paths above (query string already stripped).
  static bool Matches(std::string_view path);

  // The answer to one request on a Matches() path. `credential` and `behaviour` receive what the
  // request is recorded under (the account's identity; "token_<fault>" for the token endpoint).
  Plan Handle(const HttpRequest& request, std::string_view path, const std::string& request_id,
              std::string& credential, std::string& behaviour) const;

 private:
  Plan Token(const HttpRequest& request, const std::string& request_id, std::string& credential,
             std::string& behaviour) const;
  Plan Resource(const HttpRequest& request, bool usage, const std::string& request_id,
                std::string& credential) const;

  const bool accept_unknown_credentials_;
  FakeState& state_;
};

// The 200 body of the token endpoint, compact JSON.
std::string TokenResponseJson(const IssuedTokens& issued);
// {"error":…,"error_description":…,"echo":…}, compact.
std::string OAuthErrorJson(std::string_view error, std::string_view description,
                           std::string_view echo);

}  // namespace maxpool::fake
