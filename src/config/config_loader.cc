#include "config/config_loader.h"

#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "config/atomic_file.h"
#include "config/config_backfill.h"
#include "config/config_validation.h"
#include "config/json_proto_codec.h"
#include "config/json_text.h"

namespace maxpool::config {
namespace {

// "<path>: <message>" (or "<path>:<message>" for a "line:column: reason" message), same code.
absl::Status WithPath(const absl::Status& status, const std::filesystem::path& path,
                      absl::string_view separator) {
  return absl::Status(status.code(), absl::StrCat(path.string(), separator, status.message()));
}

}  // namespace

absl::StatusOr<LoadedConfig> ParseConfig(std::string_view text, const std::filesystem::path& path) {
  absl::StatusOr<boost::json::value> parsed = ParseJsonText(text);
  if (!parsed.ok()) return WithPath(parsed.status(), path, ":");
  if (!parsed->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": the top level must be a JSON object"));
  }
  LoadedConfig loaded;
  loaded.raw = std::move(parsed->get_object());

  boost::json::object effective = loaded.raw;
  RemoveTolerated(effective, loaded.warnings);
  BackFillDefaults(effective);
  std::vector<std::string> unknown_keys;
  absl::Status status = DecodeJson(effective, loaded.config, &unknown_keys);
  if (!status.ok()) return WithPath(status, path, ": ");
  std::set<std::string> reported;
  for (const std::string& key : unknown_keys) {
    if (reported.insert(key).second) {
      loaded.warnings.push_back(absl::StrCat(key, ": unknown key; kept in the file, ignored"));
    }
  }
  status = ValidateConfig(loaded.config, loaded.warnings);
  if (!status.ok()) return WithPath(status, path, ": ");
  loaded.generation = loaded.config.generation();
  return loaded;
}

absl::StatusOr<LoadedConfig> LoadConfig(const std::filesystem::path& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return ParseConfig(*text, path);
}

}  // namespace maxpool::config
