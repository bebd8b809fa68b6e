#include "credentials/claude_code_credentials.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "boost/json/value.hpp"
#include "config/json_text.h"
#include "core/absl_view.h"
#include "credentials/json_fields.h"
#include "credentials/oauth_constants.h"

namespace maxpool::credentials {
namespace {

namespace json = boost::json;

constexpr std::string_view kLoginHint = "run `claude` and log in first";
constexpr size_t kMaxFileBytes = 1 << 20;

std::optional<std::string> NonEmpty(const config::EnvLookup& env, std::string_view name) {
  std::optional<std::string> value = env(name);
  if (value.has_value() && value->empty()) return std::nullopt;
  return value;
}

// "<path>: <what>; run `claude` and log in first".
absl::Status Error(absl::StatusCode code, const std::filesystem::path& path,
                   std::string_view what) {
  return absl::Status(code, absl::StrCat(path.string(), ": ", core::AbslView(what), "; ",
                                         core::AbslView(kLoginHint)));
}

// Re-labels a json_fields error with the file and the hint, keeping its code.
absl::Status InFile(const absl::Status& status, const std::filesystem::path& path) {
  return Error(status.code(), path, core::StdView(status.message()));
}

absl::StatusOr<std::string> RequiredToken(const json::object& oauth, std::string_view key,
                                          std::string_view field,
                                          const std::filesystem::path& path) {
  absl::StatusOr<std::optional<std::string>> value = internal::OptionalString(oauth, key, field);
  if (!value.ok()) return InFile(value.status(), path);
  if (!value->has_value() || (*value)->empty()) {
    return Error(absl::StatusCode::kFailedPrecondition, path,
                 absl::StrCat(core::AbslView(field), " is missing"));
  }
  return **std::move(value);
}

absl::StatusOr<std::string> OptionalText(const json::object& oauth, std::string_view key,
                                         std::string_view field,
                                         const std::filesystem::path& path) {
  absl::StatusOr<std::optional<std::string>> value = internal::OptionalString(oauth, key, field);
  if (!value.ok()) return InFile(value.status(), path);
  return value->value_or("");
}

absl::StatusOr<std::vector<std::string>> Scopes(const json::object& oauth,
                                                const std::filesystem::path& path) {
  std::vector<std::string> scopes;
  const json::value* value = oauth.if_contains("scopes");
  if (value == nullptr || value->is_null()) return scopes;
  if (!value->is_array()) {
    return Error(
        absl::StatusCode::kInvalidArgument, path,
        absl::StrCat("claudeAiOauth.scopes is ", core::AbslView(internal::KindName(*value)),
                     ", expected an array of strings"));
  }
  for (const json::value& scope : value->get_array()) {
    if (!scope.is_string()) {
      return Error(absl::StatusCode::kInvalidArgument, path,
                   absl::StrCat("claudeAiOauth.scopes holds ",
                                core::AbslView(internal::KindName(scope)), ", expected strings"));
    }
    scopes.emplace_back(scope.get_string());
  }
  return scopes;
}

}  // namespace

std::filesystem::path DefaultClaudeCodeCredentialsPath(const config::EnvLookup& env) {
  if (auto dir = NonEmpty(env, "CLAUDE_CONFIG_DIR")) {
    return std::filesystem::path(*dir) / ".credentials.json";
  }
  if (auto home = NonEmpty(env, "HOME")) {
    return std::filesystem::path(*home) / ".claude" / ".credentials.json";
  }
  return std::filesystem::path(".claude") / ".credentials.json";
}

std::filesystem::path DefaultClaudeCodeCredentialsPath() {
  return DefaultClaudeCodeCredentialsPath(config::ProcessEnv());
}

absl::StatusOr<ImportedCredentials> ParseClaudeCodeCredentials(
    std::string_view text, const std::filesystem::path& path_for_errors) {
  const std::filesystem::path& path = path_for_errors;
  absl::StatusOr<json::value> root = config::ParseJsonText(text);
  if (!root.ok()) {  // ParseJsonText's reason never quotes the text
    return Error(absl::StatusCode::kInvalidArgument, path,
                 absl::StrCat("not valid JSON (", root.status().message(), ")"));
  }
  if (!root->is_object()) {
    return Error(
        absl::StatusCode::kInvalidArgument, path,
        absl::StrCat("is ", core::AbslView(internal::KindName(*root)), ", expected a JSON object"));
  }
  absl::StatusOr<const json::object*> oauth =
      internal::OptionalObject(root->get_object(), "claudeAiOauth", "claudeAiOauth");
  if (!oauth.ok()) return InFile(oauth.status(), path);
  if (*oauth == nullptr) {
    return Error(
        absl::StatusCode::kFailedPrecondition, path,
        "no claudeAiOauth entry (Claude Code is not logged in with a Claude subscription)");
  }
  const json::object& entry = **oauth;

  ImportedCredentials imported{TokenSet{"", "", 0}, {}, "", ""};
  absl::StatusOr<std::string> access =
      RequiredToken(entry, "accessToken", "claudeAiOauth.accessToken", path);
  if (!access.ok()) return access.status();
  absl::StatusOr<std::string> refresh =
      RequiredToken(entry, "refreshToken", "claudeAiOauth.refreshToken", path);
  if (!refresh.ok()) return refresh.status();
  imported.tokens.access_token = *std::move(access);
  imported.tokens.refresh_token = *std::move(refresh);

  absl::StatusOr<std::optional<double>> expires_at =
      internal::OptionalNumber(entry, "expiresAt", "claudeAiOauth.expiresAt");
  if (!expires_at.ok()) return InFile(expires_at.status(), path);
  imported.tokens.expires_at_ms = NormalizeEpochMs(expires_at->value_or(0));

  absl::StatusOr<std::vector<std::string>> scopes = Scopes(entry, path);
  if (!scopes.ok()) return scopes.status();
  imported.scopes = *std::move(scopes);
  if (!imported.scopes.empty() && std::find(imported.scopes.begin(), imported.scopes.end(),
                                            kOAuthInferenceScope) == imported.scopes.end()) {
    return Error(absl::StatusCode::kFailedPrecondition, path,
                 absl::StrCat("the login lacks the ", core::AbslView(kOAuthInferenceScope),
                              " scope, so it cannot serve requests"));
  }

  absl::StatusOr<std::string> subscription =
      OptionalText(entry, "subscriptionType", "claudeAiOauth.subscriptionType", path);
  if (!subscription.ok()) return subscription.status();
  absl::StatusOr<std::string> tier =
      OptionalText(entry, "rateLimitTier", "claudeAiOauth.rateLimitTier", path);
  if (!tier.ok()) return tier.status();
  imported.subscription_type = *std::move(subscription);
  imported.rate_limit_tier = *std::move(tier);
  return imported;
}

absl::StatusOr<ImportedCredentials> ReadClaudeCodeCredentials(const std::filesystem::path& path) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return Error(absl::StatusCode::kNotFound, path,
                 "not found (on macOS Claude Code keeps its login in the Keychain; set "
                 "CLAUDE_CONFIG_DIR if it uses another directory)");
  }
  if (!ec && !std::filesystem::is_regular_file(status)) {
    return Error(absl::StatusCode::kFailedPrecondition, path, "is not a regular file");
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (file == nullptr) {
    const int error = errno;
    const absl::StatusCode code = error == EACCES || error == EPERM
                                      ? absl::StatusCode::kPermissionDenied
                                  : error == ENOENT ? absl::StatusCode::kNotFound
                                                    : absl::StatusCode::kInternal;
    return Error(code, path, absl::StrCat("cannot be opened: ", std::strerror(error)));
  }
  std::string text;
  char buffer[16384];
  size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    text.append(buffer, read);
    if (text.size() > kMaxFileBytes) {
      return Error(absl::StatusCode::kFailedPrecondition, path,
                   "is larger than 1 MiB, which no credentials file is");
    }
  }
  if (std::ferror(file.get()) != 0) {
    return Error(absl::StatusCode::kInternal, path, "cannot be read");
  }
  return ParseClaudeCodeCredentials(text, path);
}

}  // namespace maxpool::credentials
