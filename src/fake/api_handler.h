#pragma once

// The Anthropic API surface of the fake upstream: routes a parsed request to a Plan.
//   POST /v1/messages (query strings ignored), POST /v1/messages/count_tokens,
//   GET /v1/models, GET /v1/models/{id}; and the OAuth paths of oauth_api.h
//   (POST /v1/oauth/token, GET /api/oauth/profile, GET /api/oauth/usage).
// Authentication (anthropic-wire.md §1.2, §8.2): the account is found by the x-api-key value or
// the Bearer token; OAuth accounts only by Bearer (any access token issued to them), and only
// with `oauth-2025-04-20` in anthropic-beta. An expired OAuth token gets 401 "OAuth token has
// expired. Please obtain a new token.", a revoked one 403. Then the account's next behaviour
// decides the answer.
// Thread-safe: the state is; the handler itself is immutable.

#include <string>
#include <string_view>

#include "boost/beast/http/message.hpp"
#include "boost/beast/http/string_body.hpp"
#include "fake/fake_options.h"
#include "fake/fake_state.h"
#include "fake/http_request.h"
#include "fake/oauth_api.h"
#include "fake/plan.h"

namespace maxpool::fake {

// Request bodies above this get 413 request_too_large (§1.3).
inline constexpr size_t kMaxRequestBody = 32u * 1024 * 1024;

class ApiHandler {
 public:
  // `state` must outlive the handler.
  ApiHandler(const FakeOptions& options, FakeState& state);

  // The plan for one API request (never a /_fake/ path). Records the request.
  Plan Handle(const HttpRequest& request) const;

  // An error response with the §3.1 body and a fresh request-id.
  static Plan ErrorPlan(int status, std::string_view message);

 private:
  Plan HandleMessages(const HttpRequest& request, std::string_view credential,
                      std::string_view path, std::string request_id,
                      std::string& behaviour_name) const;

  const FakeOptions options_;
  FakeState& state_;
  const OAuthApi oauth_;
  const std::string fixed_json_;  // the fast-path answers
  const std::string fixed_sse_;
};

}  // namespace maxpool::fake
