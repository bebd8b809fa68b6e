#include "config/env_settings.h"

#include <charconv>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "config/atomic_file.h"

namespace maxpool::config {
namespace {

constexpr size_t kMaxSecretBytes = 64 * 1024;

enum class Kind { kText, kPort, kSecretFile };

struct Setting {
  const char* variable;
  const char* section;  // "" for a top-level key
  const char* key;
  Kind kind;
};

constexpr Setting kSettings[] = {
    {"MAXPOOL_PROXY_HOST", "proxy", "host", Kind::kText},
    {"MAXPOOL_PROXY_PORT", "proxy", "port", Kind::kPort},
    {"MAXPOOL_CONTROL_HOST", "control", "host", Kind::kText},
    {"MAXPOOL_CONTROL_PORT", "control", "port", Kind::kPort},
    {"MAXPOOL_ADMIN_HOST", "admin", "host", Kind::kText},
    {"MAXPOOL_ADMIN_PORT", "admin", "port", Kind::kPort},
    {"MAXPOOL_UPSTREAM", "", "upstream", Kind::kText},
    {"MAXPOOL_LOG_FORMAT", "logging", "format", Kind::kText},
    {"MAXPOOL_LOG_LEVEL", "logging", "level", Kind::kText},
    {"MAXPOOL_PROXY_KEY_FILE", "proxy", "apiKey", Kind::kSecretFile},
    {"MAXPOOL_CONTROL_TOKEN_FILE", "control", "token", Kind::kSecretFile},
    {"MAXPOOL_CONTROL_READ_ONLY_TOKEN_FILE", "control", "readOnlyToken", Kind::kSecretFile},
    {"MAXPOOL_STATE_BACKEND", "state", "backend", Kind::kText},
    {"MAXPOOL_REDIS_URL", "state.redis", "url", Kind::kText},
    {"MAXPOOL_REPLICA_ID", "state", "replica", Kind::kText},
    {"MAXPOOL_REDIS_PASSWORD_FILE", "state.redis", "password", Kind::kSecretFile},
};

absl::StatusOr<boost::json::value> PortValue(const Setting& setting, const std::string& text) {
  int port = -1;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, port);
  if (ec != std::errc() || ptr != end || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(setting.variable, ": expected a port number from 0 to 65535, got \"",
                     text.substr(0, 32), "\""));
  }
  return boost::json::value(port);
}

absl::StatusOr<boost::json::value> SecretValue(const Setting& setting, const std::string& path) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxSecretBytes) {
    return absl::InvalidArgumentError(absl::StrCat(setting.variable, ": ", path, " is ", size,
                                                   " bytes; a secret file holds at most 64 KiB"));
  }
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(setting.variable, ": cannot read the secret: ", text.status().message()));
  }
  const absl::string_view trimmed = absl::StripTrailingAsciiWhitespace(*text);
  const std::string_view secret(trimmed.data(), trimmed.size());
  if (secret.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(setting.variable, ": ", path, " is empty"));
  }
  return boost::json::value(boost::json::string(secret));
}

}  // namespace

absl::StatusOr<boost::json::object> EnvSettings(const EnvLookup& env) {
  boost::json::object overrides;
  for (const Setting& setting : kSettings) {
    std::optional<std::string> value = env(setting.variable);
    if (!value || value->empty()) continue;
    absl::StatusOr<boost::json::value> json;
    switch (setting.kind) {
      case Kind::kText:
        json = boost::json::value(boost::json::string(*value));
        break;
      case Kind::kPort:
        json = PortValue(setting, *value);
        break;
      case Kind::kSecretFile:
        json = SecretValue(setting, *value);
        break;
    }
    if (!json.ok()) return json.status();
    // The section may be nested ("state.redis").
    boost::json::object* target = &overrides;
    for (const absl::string_view part : absl::StrSplit(setting.section, '.', absl::SkipEmpty())) {
      boost::json::value& section = (*target)[boost::json::string_view(part.data(), part.size())];
      if (!section.is_object()) section = boost::json::object();
      target = &section.get_object();
    }
    (*target)[setting.key] = std::move(*json);
  }
  return overrides;
}

const std::vector<std::string>& EnvSettingNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const Setting& setting : kSettings) all.emplace_back(setting.variable);
    return all;
  }();
  return names;
}

}  // namespace maxpool::config
