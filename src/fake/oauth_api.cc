#include "fake/oauth_api.h"

#include "absl/strings/match.h"
#include "boost/json/object.hpp"
#include "boost/json/parse.hpp"
#include "boost/json/serialize.hpp"
#include "core/absl_view.h"
#include "fake/oauth_identity.h"
#include "fake/oauth_usage.h"
#include "fake/str_cat.h"
#include "fake/wire_errors.h"

namespace maxpool::fake {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kTokenPath = "/v1/oauth/token";
constexpr std::string_view kProfilePath = "/api/oauth/profile";
constexpr std::string_view kUsagePath = "/api/oauth/usage";

boost::json::string_view J(std::string_view s) { return {s.data(), s.size()}; }

// The body as a token request; `malformed` for anything but a JSON object of strings (and an
// integer expires_in).
TokenRequest ParseTokenRequest(std::string_view body) {
  TokenRequest request;
  boost::system::error_code ec;
  const boost::json::value json = boost::json::parse(J(body), ec);
  if (ec || !json.is_object()) {
    request.malformed = true;
    return request;
  }
  for (const auto& [key_view, value] : json.get_object()) {
    const std::string_view key(key_view.data(), key_view.size());
    if (key == "expires_in") {
      if (value.is_int64() && value.get_int64() >= 0) {
        request.expires_in = value.get_int64();
      } else if (value.is_uint64()) {
        request.expires_in = static_cast<int64_t>(value.get_uint64());
      } else {
        request.malformed = true;
      }
      continue;
    }
    std::string* target = nullptr;
    if (key == "grant_type") target = &request.grant_type;
    if (key == "refresh_token") target = &request.refresh_token;
    if (key == "client_id") target = &request.client_id;
    if (key == "scope") target = &request.scope;
    if (key == "code") target = &request.code;
    if (key == "code_verifier") target = &request.code_verifier;
    if (key == "state") target = &request.state;
    if (key == "redirect_uri") target = &request.redirect_uri;
    if (target == nullptr) continue;  // unknown fields are ignored, as real servers do
    if (!value.is_string()) {
      request.malformed = true;
      continue;
    }
    *target = std::string(value.get_string().data(), value.get_string().size());
  }
  return request;
}

// An Anthropic error body with "details" (the /api/oauth/* 401 shape, §5.5).
Plan ResourceError(int status, std::string_view message, const std::string& request_id) {
  Plan plan = NewPlan(status, request_id);
  boost::json::object error{{"type", J(ErrorTypeForStatus(status))},
                            {"message", J(message)},
                            {"details", boost::json::object{{"error_visibility", "user_facing"}}}};
  plan.body = boost::json::serialize(boost::json::object{
      {"type", "error"}, {"error", std::move(error)}, {"request_id", request_id}});
  return plan;
}

}  // namespace

std::string TokenResponseJson(const IssuedTokens& issued) {
  const OAuthIdentity& id = issued.identity;
  return boost::json::serialize(boost::json::object{
      {"token_type", "Bearer"},
      {"access_token", issued.access_token},
      {"expires_in", issued.expires_in},
      {"refresh_token", issued.refresh_token},
      {"scope", issued.scope},
      {"organization",
       boost::json::object{{"uuid", id.organization_uuid}, {"name", id.organization_name}}},
      {"account", boost::json::object{{"uuid", id.uuid}, {"email_address", id.email}}}});
}

std::string OAuthErrorJson(std::string_view error, std::string_view description,
                           std::string_view echo) {
  return boost::json::serialize(boost::json::object{
      {"error", J(error)}, {"error_description", J(description)}, {"echo", J(echo)}});
}

bool OAuthApi::Matches(std::string_view path) {
  return path == kTokenPath || path == kProfilePath || path == kUsagePath;
}

Plan OAuthApi::Handle(const HttpRequest& request, std::string_view path,
                      const std::string& request_id, std::string& credential,
                      std::string& behaviour) const {
  const http::verb method = request.method();
  if (path == kTokenPath) {
    if (method != http::verb::post) {
      Plan plan = NewPlan(405, request_id);
      plan.body = OAuthErrorJson("invalid_request", "Method not allowed", "");
      return plan;
    }
    return Token(request, request_id, credential, behaviour);
  }
  if (method != http::verb::get) {
    return ErrorPlanFor(405, Cat("Method Not Allowed: ", path), request_id,
                        "invalid_request_error");
  }
  return Resource(request, path == kUsagePath, request_id, credential);
}

Plan OAuthApi::Token(const HttpRequest& request, const std::string& request_id,
                     std::string& credential, std::string& behaviour) const {
  const TokenOutcome outcome = state_.ExchangeToken(ParseTokenRequest(request.body()));
  credential = outcome.credential;
  behaviour = Cat("token_", TokenFaultKindName(outcome.fault.kind));
  const TokenFault& fault = outcome.fault;
  switch (fault.kind) {
    case TokenFaultKind::kReset: {
      Plan plan;
      plan.action = PlanAction::kReset;
      return plan;
    }
    case TokenFaultKind::kStall: {
      Plan plan;
      plan.action = PlanAction::kHangBeforeHeaders;
      return plan;
    }
    case TokenFaultKind::kStatus: {
      Plan plan = NewPlan(fault.status, request_id);
      if (fault.body) {
        plan.body = *fault.body;
        const bool json = absl::StartsWith(plan.body, "{") || absl::StartsWith(plan.body, "[");
        if (!json) plan.content_type = "text/plain; charset=utf-8";
      } else {
        plan.body =
            ErrorJson(ErrorTypeForStatus(fault.status), ReasonPhrase(fault.status), request_id);
      }
      if (fault.retry_after) plan.headers.emplace_back("retry-after", Cat(*fault.retry_after));
      return plan;
    }
    case TokenFaultKind::kOk:
    case TokenFaultKind::kInvalidGrant:
      break;
  }
  if (outcome.issued) {
    Plan plan = NewPlan(200, request_id);
    plan.body = TokenResponseJson(*outcome.issued);
    return plan;
  }
  Plan plan = NewPlan(400, request_id);
  plan.body = OAuthErrorJson(outcome.error, outcome.error_description, request.body());
  return plan;
}

Plan OAuthApi::Resource(const HttpRequest& request, bool usage, const std::string& request_id,
                        std::string& credential) const {
  const std::string bearer = BearerToken(request);
  FakeState::BearerResolution found = state_.ResolveBearer(bearer);
  if (found.status == TokenStatus::kUnknown && accept_unknown_credentials_ &&
      absl::StartsWith(bearer, "sk-ant-oat")) {
    FakeAccountSpec spec;
    spec.credential = bearer;
    if (state_.AddAccount(spec).ok()) found = state_.ResolveBearer(bearer);
  }
  if (bearer.empty() || found.status == TokenStatus::kUnknown ||
      found.type != AccountType::kOAuth) {
    return ResourceError(401, "Invalid bearer token", request_id);
  }
  credential = found.credential;
  const std::optional<FakeState::OAuthResource> resource = state_.ReadOAuthResource(
      credential, usage ? OAuthRegistry::Call::kUsage : OAuthRegistry::Call::kProfile);
  if (!resource) return ResourceError(401, "Invalid bearer token", request_id);
  if (usage && !HasBeta(request, kOAuthBeta)) {
    return ResourceError(401, "OAuth authentication is currently not supported.", request_id);
  }
  if (found.status == TokenStatus::kExpired) {
    return ResourceError(401, kOAuthExpiredMessage, request_id);
  }
  if (found.status == TokenStatus::kRevoked) {
    return ResourceError(403, kOAuthRevokedMessage, request_id);
  }
  Plan plan = NewPlan(200, request_id);
  plan.body = usage ? UsageJson(resource->quota) : ProfileJson(resource->identity);
  return plan;
}

}  // namespace maxpool::fake
