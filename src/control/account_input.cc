#include "control/account_input.h"

#include <cmath>
#include <set>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "control/grpc_status.h"
#include "control/input_limits.h"
#include "control/resource_name.h"
#include "core/absl_view.h"
#include "credentials/login_flow.h"
#include "google/protobuf/util/time_util.h"

namespace maxpool::control {
namespace {

using Violations = std::vector<FieldViolation>;

// Base URLs of the providers' Anthropic-compatible endpoints (config.proto ProviderAccount).
constexpr std::string_view kZaiUpstream = "https://api.z.ai/api/anthropic";
constexpr std::string_view kKimiUpstream = "https://api.kimi.com/coding";

constexpr std::string_view kUpdatablePaths = "enabled, priority, usage_cap, display_name";

std::string_view Trim(std::string_view text) {
  return core::StdView(absl::StripAsciiWhitespace(core::AbslView(text)));
}

bool HasSpaceOrControl(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return true;
  }
  return false;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// A credential at most kMaxCredentialBytes long (checked before anything else reads it); else
// adds a violation and returns false.
bool CheckCredentialSize(std::string_view secret, const std::string& field,
                         Violations& violations) {
  if (secret.size() <= kMaxCredentialBytes) return true;
  violations.push_back({field, LongerThan(kMaxCredentialBytes)});
  return false;
}

// A secret pasted into a request: surrounding whitespace is dropped; it must be non-empty and
// one token. Returns the trimmed secret, or adds a violation (never quoting it) and returns "".
std::string CheckSecret(std::string_view secret, const std::string& field, std::string_view what,
                        Violations& violations) {
  if (!CheckCredentialSize(secret, field, violations)) return "";
  const std::string_view trimmed = Trim(secret);
  if (trimmed.empty()) {
    violations.push_back({field, absl::StrCat("is required: the ", core::AbslView(what))});
    return "";
  }
  if (HasSpaceOrControl(trimmed)) {
    violations.push_back({field, absl::StrCat("contains spaces, quotes or line breaks; send ",
                                              core::AbslView(what), " on its own")});
    return "";
  }
  return std::string(trimmed);
}

void CheckDisplayName(const std::string& name, const std::string& field, Violations& violations) {
  if (name.size() > kMaxDisplayNameLength) {
    violations.push_back(
        {field, absl::StrCat("is longer than ", kMaxDisplayNameLength, " characters")});
  }
  if (HasControlCharacter(name)) {
    violations.push_back({field, "must not contain control characters (line breaks, tabs)"});
  }
}

void CheckPriority(double priority, const std::string& field, Violations& violations) {
  if (!std::isfinite(priority)) {
    violations.push_back({field, "must be a finite number (lower is preferred)"});
  }
}

void CheckUsageCap(const v1::Account& account, const std::string& field, Violations& violations) {
  if (!account.has_usage_cap()) return;
  const double cap = account.usage_cap();
  if (!(cap > 0 && cap < 1)) {
    violations.push_back({field, absl::StrCat("must be a fraction strictly between 0 and 1 (e.g. "
                                              "0.8), got ",
                                              cap, "; leave it unset for no cap")});
  }
}

void CheckUpstream(const std::string& upstream, const std::string& field, Violations& violations) {
  if (upstream.empty()) return;
  if (upstream.size() > kMaxUrlBytes) {
    violations.push_back({field, LongerThan(kMaxUrlBytes)});
  } else if (!StartsWith(upstream, "http://") && !StartsWith(upstream, "https://")) {
    violations.push_back({field, "must be an http:// or https:// URL"});
  } else if (HasSpaceOrControl(upstream)) {
    violations.push_back({field, "must not contain spaces or control characters"});
  }
}

void CheckApiKeyCredential(const v1::ApiKeyCredential& credential, v1::AccountConfig& entry,
                           Violations& violations) {
  if (!CheckCredentialSize(credential.api_key(), "api_key.api_key", violations)) return;
  absl::StatusOr<std::string> key = credentials::CheckApiKey(credential.api_key());
  if (!key.ok()) {
    violations.push_back({"api_key.api_key", std::string(key.status().message())});
    return;
  }
  entry.set_type("apikey");
  entry.set_api_key(*key);
}

void CheckOAuthTokens(const v1::OAuthTokens& tokens, v1::AccountConfig& entry,
                      Violations& violations) {
  const std::string access =
      CheckSecret(tokens.access_token(), "oauth_tokens.access_token", "access token", violations);
  if (!access.empty() && StartsWith(access, "sk-ant-") && !StartsWith(access, "sk-ant-oat")) {
    violations.push_back(
        {"oauth_tokens.access_token",
         StartsWith(access, "sk-ant-ort")
             ? "that is a refresh token (sk-ant-ort…); the access token starts with sk-ant-oat"
             : "that is not an OAuth access token (they start with sk-ant-oat); for a Console "
               "API key use api_key"});
  }
  std::string refresh;
  if (!tokens.refresh_token().empty()) {
    refresh = CheckSecret(tokens.refresh_token(), "oauth_tokens.refresh_token", "refresh token",
                          violations);
    if (!refresh.empty() && StartsWith(refresh, "sk-ant-") && !StartsWith(refresh, "sk-ant-ort")) {
      violations.push_back({"oauth_tokens.refresh_token",
                            "that is not an OAuth refresh token (they start with sk-ant-ort)"});
    }
    if (!refresh.empty() && refresh == access) {
      violations.push_back(
          {"oauth_tokens.refresh_token", "is the same as the access token; send the pair"});
    }
  }
  int64_t expires_at_ms = 0;
  if (tokens.has_expire_time()) {
    const google::protobuf::Timestamp& t = tokens.expire_time();
    // Up to 9999-12-31T23:59:59Z, the range of google.protobuf.Timestamp.
    constexpr int64_t kMaxSeconds = 253402300799;
    if (t.seconds() <= 0 || t.seconds() > kMaxSeconds || t.nanos() < 0 || t.nanos() > 999999999) {
      violations.push_back(
          {"oauth_tokens.expire_time", "must be a valid time after 1970-01-01T00:00:00Z"});
    } else {
      expires_at_ms = google::protobuf::util::TimeUtil::TimestampToMilliseconds(t);
    }
  }
  entry.set_type("oauth");
  entry.set_access_token(access);
  if (!refresh.empty()) entry.set_refresh_token(refresh);
  if (expires_at_ms > 0) entry.set_expires_at(expires_at_ms);
}

void CheckProviderKey(const v1::ProviderCredential& credential, v1::AccountConfig& entry,
                      Violations& violations) {
  std::string_view provider;
  std::string_view upstream;
  if (credential.provider() == v1::PROVIDER_ZAI) {
    provider = "zai";
    upstream = kZaiUpstream;
  } else if (credential.provider() == v1::PROVIDER_KIMI) {
    provider = "kimi";
    upstream = kKimiUpstream;
  } else {
    violations.push_back({"provider_key.provider",
                          "must be PROVIDER_ZAI or PROVIDER_KIMI (Anthropic accounts use api_key "
                          "or oauth_tokens)"});
  }
  const std::string key =
      CheckSecret(credential.api_key(), "provider_key.api_key", "provider's API key", violations);
  if (!key.empty() && StartsWith(key, "sk-ant-")) {
    violations.push_back(
        {"provider_key.api_key",
         "that is an Anthropic key or token; add it with api_key or oauth_tokens"});
  }
  entry.set_type("provider");
  if (!provider.empty()) entry.set_provider(std::string(provider));
  entry.set_api_key(key);
  // Without a base URL of its own a provider account would go to the pool's upstream.
  if (!upstream.empty()) entry.set_upstream(std::string(upstream));
}

}  // namespace

grpc::Status CheckCreateAccount(const v1::CreateAccountRequest& request, v1::AccountConfig& entry) {
  entry.Clear();
  Violations violations;
  if (absl::Status id = CheckAccountId(request.account_id()); !id.ok()) {
    violations.push_back({"account_id", std::string(id.message())});
  }
  switch (request.credential_case()) {
    case v1::CreateAccountRequest::kApiKey:
      CheckApiKeyCredential(request.api_key(), entry, violations);
      break;
    case v1::CreateAccountRequest::kOauthTokens:
      CheckOAuthTokens(request.oauth_tokens(), entry, violations);
      break;
    case v1::CreateAccountRequest::kProviderKey:
      CheckProviderKey(request.provider_key(), entry, violations);
      break;
    case v1::CreateAccountRequest::CREDENTIAL_NOT_SET:
      violations.push_back({"credential",
                            "is required: set exactly one of api_key, oauth_tokens or "
                            "provider_key"});
      break;
  }
  const v1::Account& settings = request.account();
  if (request.has_account()) {
    CheckDisplayName(settings.display_name(), "account.display_name", violations);
    CheckPriority(settings.priority(), "account.priority", violations);
    CheckUsageCap(settings, "account.usage_cap", violations);
    CheckUpstream(settings.upstream(), "account.upstream", violations);
  }
  if (!violations.empty()) {
    entry.Clear();
    return InvalidArgument(violations);
  }
  entry.set_name(request.account_id());
  if (request.has_account()) {
    if (!settings.display_name().empty()) entry.set_display_name(settings.display_name());
    if (settings.has_enabled() && !settings.enabled()) entry.set_enabled(false);
    if (settings.priority() != 0) entry.set_priority(settings.priority());
    if (settings.has_usage_cap()) entry.set_cap_utilization(settings.usage_cap());
    if (!settings.upstream().empty()) entry.set_upstream(settings.upstream());
  }
  return grpc::Status::OK;
}

grpc::Status CheckUpdateAccount(const v1::UpdateAccountRequest& request, AccountChange& change) {
  change = AccountChange();
  Violations violations;
  if (!request.has_account()) {
    violations.push_back(
        {"account", "is required: the account with its name and the new values to set"});
  } else if (absl::StatusOr<std::string> id = ParseAccountName(request.account().name());
             !id.ok()) {
    violations.push_back({"account.name", std::string(id.status().message())});
  } else {
    change.id = *std::move(id);
  }
  if (request.update_mask().paths_size() == 0) {
    violations.push_back({"update_mask", absl::StrCat("is required: list the fields to change, any "
                                                      "of ",
                                                      core::AbslView(kUpdatablePaths))});
  }
  const v1::Account& account = request.account();
  std::set<std::string> seen;
  for (const std::string& path : request.update_mask().paths()) {
    if (!seen.insert(path).second) continue;
    if (path == "enabled") {
      change.enabled = account.enabled();
    } else if (path == "priority") {
      CheckPriority(account.priority(), "account.priority", violations);
      change.priority = account.priority();
    } else if (path == "usage_cap") {
      CheckUsageCap(account, "account.usage_cap", violations);
      change.usage_cap_changed = true;
      if (account.has_usage_cap()) change.usage_cap = account.usage_cap();
    } else if (path == "display_name") {
      CheckDisplayName(account.display_name(), "account.display_name", violations);
      change.display_name = account.display_name();
    } else {
      violations.push_back({"update_mask", absl::StrCat("cannot change \"", Quotable(path),
                                                        "\"; the fields that can change are ",
                                                        core::AbslView(kUpdatablePaths))});
    }
  }
  if (!violations.empty()) return InvalidArgument(violations);
  return grpc::Status::OK;
}

void ApplyAccountChange(const AccountChange& change, v1::AccountConfig& entry) {
  if (change.enabled.has_value()) entry.set_enabled(*change.enabled);
  if (change.priority.has_value()) entry.set_priority(*change.priority);
  if (change.usage_cap_changed) {
    if (change.usage_cap.has_value()) {
      entry.set_cap_utilization(*change.usage_cap);
    } else {
      entry.clear_cap_utilization();
    }
  }
  if (change.display_name.has_value()) {
    if (change.display_name->empty()) {
      entry.clear_display_name();
    } else {
      entry.set_display_name(*change.display_name);
    }
  }
}

}  // namespace maxpool::control
