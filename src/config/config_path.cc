#include "config/config_path.h"

#include <cstdlib>
#include <system_error>

namespace maxpool::config {
namespace {

std::optional<std::string> NonEmpty(const EnvLookup& env, std::string_view name) {
  std::optional<std::string> value = env(name);
  if (value.has_value() && value->empty()) return std::nullopt;
  return value;
}

// `path` with a trailing ".json" replaced by `json_suffix`, else with `other_suffix` appended.
std::filesystem::path ReplaceJsonSuffix(const std::filesystem::path& path,
                                        std::string_view json_suffix,
                                        std::string_view other_suffix) {
  std::string text = path.string();
  constexpr std::string_view kJson = ".json";
  if (text.size() >= kJson.size() &&
      text.compare(text.size() - kJson.size(), kJson.size(), kJson.data(), kJson.size()) == 0) {
    text.resize(text.size() - kJson.size());
    text.append(json_suffix);
  } else {
    text.append(other_suffix);
  }
  return text;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::filesystem::path ResolveConfigPath(const EnvLookup& env) {
  if (auto path = NonEmpty(env, "MAXPOOL_CONFIG")) return *path;
  if (auto path = NonEmpty(env, "TEAMCLAUDE_CONFIG")) return *path;  // legacy name
  std::filesystem::path dir;
  if (auto xdg = NonEmpty(env, "XDG_CONFIG_HOME")) {
    dir = *xdg;
  } else if (auto home = NonEmpty(env, "HOME")) {
    dir = std::filesystem::path(*home) / ".config";
  } else {
    dir = ".config";
  }
  std::filesystem::path current = dir / "maxpool.json";
  std::error_code ec;
  if (std::filesystem::exists(current, ec)) return current;
  // Seamless upgrade from the former name: an existing teamclaude.json is used in place.
  std::filesystem::path legacy = dir / "teamclaude.json";
  if (std::filesystem::exists(legacy, ec)) return legacy;
  return current;
}

std::filesystem::path StatePathFor(const std::filesystem::path& config_path) {
  return ReplaceJsonSuffix(config_path, ".state.json", ".state");
}

std::filesystem::path EventLogPathFor(const std::filesystem::path& config_path) {
  return ReplaceJsonSuffix(config_path, ".log", ".log");
}

std::filesystem::path StateDirFor(const std::filesystem::path& config_path, const EnvLookup& env) {
  if (std::optional<std::string> dir = env("MAXPOOL_STATE_DIR"); dir && !dir->empty()) {
    return *dir;
  }
  const std::filesystem::path parent = config_path.parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

std::filesystem::path StateFilePathFor(const std::filesystem::path& state_dir,
                                       const std::filesystem::path& config_path) {
  return state_dir / ReplaceJsonSuffix(config_path.filename(), ".state.json", ".state.json");
}

std::filesystem::path TokenStorePathFor(const std::filesystem::path& state_dir,
                                        const std::filesystem::path& config_path) {
  const std::filesystem::path name =
      ReplaceJsonSuffix(config_path.filename(), ".tokens.json", ".tokens.json");
  return state_dir / name;
}

}  // namespace maxpool::config
