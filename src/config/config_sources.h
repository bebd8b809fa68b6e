#pragma once

// Where a server's configuration comes from, and where what it changes goes. The layers, each
// laid over the one before:
//   1. the config file (MAXPOOL_CONFIG; it may be missing, or read-only as a ConfigMap mount);
//   2. accounts from a read-only source (MAXPOOL_ACCOUNTS_DIR, MAXPOOL_ACCOUNTS_FILE), added to
//      the file's accounts;
//   3. the overlay, `<state dir>/<config stem>.overlay.json`, only when the config file is
//      read-only: the accounts and settings changed at run time (control plane, logins);
//   4. the environment's settings (config/env_settings.h): the environment wins.
// Writes go to the writable target: the config file when it can be written, else the overlay.
// Nothing is ever written to a read-only source; an account that comes from one cannot be
// changed or removed at run time (its rotated OAuth pairs go to the token store instead).
// Thread-safe: the functions below only read the file system.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "boost/json/object.hpp"
#include "config/config_loader.h"
#include "config/config_path.h"
#include "config/token_store.h"

namespace maxpool::config {

struct ConfigSources {
  std::filesystem::path file;
  // False when the file (or its directory) cannot be written, or MAXPOOL_CONFIG_READ_ONLY is set.
  bool file_writable = true;
  std::filesystem::path overlay;
  std::optional<std::filesystem::path> accounts_dir;
  std::optional<std::filesystem::path> accounts_file;
  boost::json::object env;  // EnvSettings()
  // The rotated OAuth pairs saved in the state directory (config/token_store.h): each one newer
  // (later expiry) than the pair of an account of a read-only source replaces it. Not owned;
  // null: none.
  const TokenStore* tokens = nullptr;

  // The file the server writes: `file` when writable, else `overlay`.
  const std::filesystem::path& target() const { return file_writable ? file : overlay; }
  // Every path whose content makes up the config (for watching).
  std::vector<std::filesystem::path> Paths() const;
};

// The sources for `config_path` and the environment. Errors: EnvSettings'.
[[nodiscard]] absl::StatusOr<ConfigSources> ResolveConfigSources(
    const std::filesystem::path& config_path, const EnvLookup& env);

// The sources of a plain config file alone (no other layer): what the CLI edits.
ConfigSources FileOnlySources(const std::filesystem::path& config_path);

// All layers, loaded as LoadConfig loads one file, with the newer stored token pairs applied to
// the accounts of read-only sources (so that a pair rotated at run time is what a re-read sees).
// `raw` and `generation` are the target's (missing: {} and 0). A missing config file reads as {}
// (the first-run defaults). Errors: any layer's, naming its file; an account name found in two
// read-only layers.
[[nodiscard]] absl::StatusOr<LoadedConfig> LoadLayered(const ConfigSources& sources);

// The read-only layers alone (what the target is written against): their merged JSON before
// any default, and the names of the accounts they hold.
struct ReadOnlyLayers {
  boost::json::object merged;
  std::set<std::string> accounts;
};
[[nodiscard]] absl::StatusOr<ReadOnlyLayers> LoadReadOnlyLayers(const ConfigSources& sources);

// The JSON to write to the target for the new effective config `written` (the serialised config,
// as SerializeConfig gives it against the target's raw): the values of the read-only layers are
// taken out again, so that they are neither copied into the target nor pinned by it. Errors
// (FailedPrecondition, naming the account and its source): an account of a read-only source was
// removed or changed beyond its OAuth tokens.
[[nodiscard]] absl::StatusOr<boost::json::object> TargetJson(const ConfigSources& sources,
                                                             const ReadOnlyLayers& read_only,
                                                             boost::json::object written,
                                                             const boost::json::object& target_raw);

}  // namespace maxpool::config
