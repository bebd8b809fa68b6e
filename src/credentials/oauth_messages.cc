#include "credentials/oauth_messages.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "boost/json/serialize.hpp"
#include "boost/json/value.hpp"
#include "config/json_text.h"
#include "credentials/json_fields.h"
#include "credentials/oauth_constants.h"

namespace maxpool::credentials {
namespace {

namespace json = boost::json;

// 9999-12-31T23:59:59.999Z: anything later is not a real expiry.
constexpr double kMaxEpochMs = 253402300799999.0;

json::string_view JsonView(std::string_view s) { return json::string_view(s.data(), s.size()); }

// Parses `body` as a JSON object; nullopt when it is not one.
std::optional<json::object> ParseObject(std::string_view body) {
  absl::StatusOr<json::value> value = config::ParseJsonText(body);
  if (!value.ok() || !value->is_object()) return std::nullopt;
  return std::move(value->get_object());
}

absl::Status ReadIdentity(const json::object& root, TokenIdentity& identity) {
  absl::StatusOr<const json::object*> account =
      internal::OptionalObject(root, "account", "account");
  if (!account.ok()) return account.status();
  if (*account != nullptr) {
    auto uuid = internal::OptionalString(**account, "uuid", "account.uuid");
    if (!uuid.ok()) return uuid.status();
    auto email = internal::OptionalString(**account, "email_address", "account.email_address");
    if (!email.ok()) return email.status();
    identity.account_uuid = *std::move(uuid);
    identity.account_email = *std::move(email);
  }
  absl::StatusOr<const json::object*> organization =
      internal::OptionalObject(root, "organization", "organization");
  if (!organization.ok()) return organization.status();
  if (*organization != nullptr) {
    auto uuid = internal::OptionalString(**organization, "uuid", "organization.uuid");
    if (!uuid.ok()) return uuid.status();
    auto name = internal::OptionalString(**organization, "name", "organization.name");
    if (!name.ok()) return name.status();
    identity.organization_uuid = *std::move(uuid);
    identity.organization_name = *std::move(name);
  }
  return absl::OkStatus();
}

absl::StatusOr<TokenSet> ParseTokens(const json::object& root, absl::Time now,
                                     std::string_view previous_refresh_token) {
  TokenSet tokens{"", "", 0};
  auto access = internal::OptionalString(root, "access_token", "access_token");
  if (!access.ok()) return access.status();
  if (!access->has_value() || (*access)->empty()) {
    return absl::InvalidArgumentError("access_token is missing");
  }
  tokens.access_token = **std::move(access);

  auto refresh = internal::OptionalString(root, "refresh_token", "refresh_token");
  if (!refresh.ok()) return refresh.status();
  tokens.refresh_token = refresh->has_value() && !(*refresh)->empty()
                             ? **std::move(refresh)
                             : std::string(previous_refresh_token);

  auto expires_at = internal::OptionalNumber(root, "expires_at", "expires_at");
  if (!expires_at.ok()) return expires_at.status();
  auto expires_in = internal::OptionalNumber(root, "expires_in", "expires_in");
  if (!expires_in.ok()) return expires_in.status();
  double expiry_ms = 0;
  if (expires_at->has_value() && **expires_at > 0) {
    expiry_ms = **expires_at < 1e12 ? **expires_at * 1000 : **expires_at;
  } else {
    const double seconds = expires_in->has_value() && **expires_in > 0
                               ? **expires_in
                               : static_cast<double>(kOAuthDefaultExpiresInSeconds);
    expiry_ms = static_cast<double>(absl::ToUnixMillis(now)) + seconds * 1000;
  }
  if (!std::isfinite(expiry_ms) || expiry_ms > kMaxEpochMs) {
    return absl::InvalidArgumentError("expires_at / expires_in is out of range");
  }
  tokens.expires_at_ms = static_cast<int64_t>(expiry_ms);
  return tokens;
}

}  // namespace

std::string RefreshRequestBody(std::string_view refresh_token, std::string_view client_id) {
  json::object body;
  body["grant_type"] = "refresh_token";
  body["refresh_token"] = JsonView(refresh_token);
  body["client_id"] = JsonView(client_id);
  return json::serialize(body);
}

std::string CodeExchangeBody(std::string_view code, std::string_view state,
                             std::string_view client_id, std::string_view redirect_uri,
                             std::string_view verifier) {
  json::object body;
  body["code"] = JsonView(code);
  body["state"] = JsonView(state);
  body["grant_type"] = "authorization_code";
  body["client_id"] = JsonView(client_id);
  body["redirect_uri"] = JsonView(redirect_uri);
  body["code_verifier"] = JsonView(verifier);
  return json::serialize(body);
}

int64_t NormalizeEpochMs(double value) {
  if (!std::isfinite(value) || value <= 0) return 0;
  const double ms = value < 1e12 ? value * 1000 : value;
  return ms > kMaxEpochMs ? static_cast<int64_t>(kMaxEpochMs) : static_cast<int64_t>(ms);
}

absl::StatusOr<TokenSet> ParseTokenResponse(std::string_view body, absl::Time now,
                                            std::string_view previous_refresh_token,
                                            TokenIdentity* identity) {
  if (identity != nullptr) *identity = TokenIdentity{};
  const std::optional<json::object> root = ParseObject(body);
  if (!root.has_value()) {
    return absl::InvalidArgumentError("token response: the body is not a JSON object");
  }
  absl::StatusOr<TokenSet> tokens = ParseTokens(*root, now, previous_refresh_token);
  if (!tokens.ok()) return internal::WithContext(tokens.status(), "token response: ");
  if (identity != nullptr) {
    TokenIdentity parsed;
    absl::Status status = ReadIdentity(*root, parsed);
    if (!status.ok()) return internal::WithContext(status, "token response: ");
    *identity = std::move(parsed);
  }
  return tokens;
}

std::optional<OAuthError> ParseOAuthError(std::string_view body) {
  const std::optional<json::object> root = ParseObject(body);
  if (!root.has_value()) return std::nullopt;
  const json::value* error = root->if_contains("error");
  if (error == nullptr) return std::nullopt;
  if (error->is_string()) {  // OAuth (RFC 6749 §5.2)
    OAuthError result{std::string(error->get_string()), ""};
    if (const json::value* description = root->if_contains("error_description");
        description != nullptr && description->is_string()) {
      result.description = std::string(description->get_string());
    }
    return result;
  }
  const json::value* type = root->if_contains("type");
  if (type == nullptr || !type->is_string() || type->get_string() != "error" ||
      !error->is_object()) {
    return std::nullopt;
  }
  const json::value* error_type = error->get_object().if_contains("type");
  if (error_type == nullptr || !error_type->is_string()) return std::nullopt;
  OAuthError result{std::string(error_type->get_string()), ""};
  if (const json::value* message = error->get_object().if_contains("message");
      message != nullptr && message->is_string()) {
    result.description = std::string(message->get_string());
  }
  return result;
}

core::RefreshFailure ClassifyRefreshFailure(std::optional<int> http_status, bool request_sent,
                                            std::string_view body) {
  if (!http_status.has_value()) {
    return request_sent ? core::RefreshFailure::kAmbiguousAfterSend
                        : core::RefreshFailure::kNetworkBeforeSend;
  }
  const int status = *http_status;
  if (status == 408 || status == 429 || status >= 500)
    return core::RefreshFailure::kRetryableStatus;
  if (status >= 400) {
    const std::optional<OAuthError> error = ParseOAuthError(body);
    if (error.has_value() &&
        (error->error == "rate_limit_error" || error->error == "overloaded_error")) {
      return core::RefreshFailure::kRetryableStatus;
    }
    return core::RefreshFailure::kDead;
  }
  // 1xx, 2xx, 3xx as a failure: the server answered, but not with usable tokens. It may have
  // rotated the token, so this is as uncertain as a timeout after sending.
  return core::RefreshFailure::kAmbiguousAfterSend;
}

bool MayRetryWithinRefresh(core::RefreshFailure kind, std::optional<int> http_status) {
  switch (kind) {
    case core::RefreshFailure::kNetworkBeforeSend:
      return true;
    case core::RefreshFailure::kRetryableStatus:
      return http_status.has_value() && *http_status >= 500;
    case core::RefreshFailure::kAmbiguousAfterSend:
    case core::RefreshFailure::kDead:
      return false;
  }
  return false;
}

std::string RefreshFailureReason(std::optional<int> http_status) {
  if (!http_status.has_value()) return "token_refresh_network";
  return absl::StrCat("token_refresh_", *http_status);
}

}  // namespace maxpool::credentials
