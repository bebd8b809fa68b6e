#include "config/config_loader.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "config/atomic_file.h"
#include "config/config_backfill.h"
#include "config/config_validation.h"
#include "config/json_proto_codec.h"
#include "config/json_text.h"

namespace maxpool::config {
namespace {

// A key path for a message, with any component that looks like a credential (a key pasted where a
// name belongs) replaced: messages are shown and logged, secrets never are.
std::string ShownKeyPath(const std::string& path) {
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (std::string& part : parts) {
    const size_t bracket = part.find('[');
    const std::string_view name = std::string_view(part).substr(0, bracket);
    const bool wordy = std::all_of(name.begin(), name.end(), [](char c) {
      return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
    if (name.find("sk-") != std::string_view::npos || (name.size() >= 32 && wordy)) {
      part = absl::StrCat("(a name that looks like a credential, not shown)",
                          bracket == std::string::npos ? "" : part.substr(bracket));
    }
  }
  return absl::StrJoin(parts, ".");
}

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
  return ParseConfigObject(std::move(parsed->get_object()), path);
}

absl::StatusOr<LoadedConfig> ParseConfigObject(boost::json::object object,
                                               const std::filesystem::path& path) {
  LoadedConfig loaded;
  loaded.raw = std::move(object);

  boost::json::object effective = loaded.raw;
  RemoveTolerated(effective, loaded.warnings);
  BackFillDefaults(effective);
  std::vector<std::string> unknown_keys;
  absl::Status status = DecodeJson(effective, loaded.config, &unknown_keys);
  if (!status.ok()) return WithPath(status, path, ": ");
  std::set<std::string> reported;
  for (const std::string& key : unknown_keys) {
    if (reported.insert(key).second) {
      loaded.warnings.push_back(
          absl::StrCat(ShownKeyPath(key), ": unknown key; kept in the file, ignored"));
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
