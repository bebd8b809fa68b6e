#pragma once

// Where the config file and its siblings live (spec §0.2). Pure functions of the environment,
// which is injected so tests never read or change the real one. Thread-safe.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace maxpool::config {

// Returns the value of an environment variable, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment (getenv).
EnvLookup ProcessEnv();

// The config path, in the reference's order: $MAXPOOL_CONFIG; $TEAMCLAUDE_CONFIG (legacy);
// else <$XDG_CONFIG_HOME or $HOME/.config>/maxpool.json, except that when that file does not
// exist and teamclaude.json exists in the same directory, the legacy file is used in place.
// Empty variables count as unset. Never fails: with neither XDG_CONFIG_HOME nor HOME set the
// directory is "./.config".
std::filesystem::path ResolveConfigPath(const EnvLookup& env);

// The state file: ".json" replaced by ".state.json", else "<path>.state" (spec §0.2).
std::filesystem::path StatePathFor(const std::filesystem::path& config_path);

// The event log: ".json" replaced by ".log", else "<path>.log" (spec §0.2).
std::filesystem::path EventLogPathFor(const std::filesystem::path& config_path);

// Where maxpool keeps what it writes besides the config file (rotated OAuth tokens): the
// directory $MAXPOOL_STATE_DIR when set, else the config file's own directory.
std::filesystem::path StateDirFor(const std::filesystem::path& config_path, const EnvLookup& env);

// What the pool learned (quota, blocks, session homes) in `state_dir` for `config_path`:
// "<config stem>.state.json".
std::filesystem::path StateFilePathFor(const std::filesystem::path& state_dir,
                                       const std::filesystem::path& config_path);

// The rotated-token file in `state_dir` for `config_path`: "<config stem>.tokens.json".
std::filesystem::path TokenStorePathFor(const std::filesystem::path& state_dir,
                                        const std::filesystem::path& config_path);

}  // namespace maxpool::config
