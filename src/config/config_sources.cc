#include "config/config_sources.h"

#include <unistd.h>

#include <functional>
#include <map>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "config/account_sources.h"
#include "config/atomic_file.h"
#include "config/config_writer.h"
#include "config/env_settings.h"
#include "config/json_text.h"

namespace maxpool::config {
namespace {

// Account fields that change when an OAuth pair rotates (or a refresh learns the identity).
constexpr std::string_view kTokenFields[] = {"accessToken", "refreshToken", "expiresAt",
                                             "accountUuid", "email",        "organization"};

bool IsTokenField(std::string_view key) {
  for (std::string_view field : kTokenFields) {
    if (key == field) return true;
  }
  return false;
}

bool Writable(const std::filesystem::path& file) {
  std::filesystem::path directory = file.parent_path();
  if (directory.empty()) directory = ".";
  // Atomic saves create a temporary file beside the config and rename it over the file.
  if (::access(directory.c_str(), W_OK | X_OK) != 0) return false;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return true;
  return ::access(file.c_str(), W_OK) == 0;
}

// The file's JSON object; {} when it does not exist.
absl::StatusOr<boost::json::object> ReadObject(const std::filesystem::path& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) return boost::json::object();
    return text.status();
  }
  absl::StatusOr<boost::json::value> parsed = ParseJsonText(*text);
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(),
                        absl::StrCat(path.string(), ":", parsed.status().message()));
  }
  if (!parsed->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": the top level must be a JSON object"));
  }
  return std::move(parsed->get_object());
}

void DeepMerge(boost::json::object& into, const boost::json::object& from) {
  for (const auto& [key, value] : from) {
    boost::json::value* existing = into.if_contains(key);
    if (existing != nullptr && existing->is_object() && value.is_object()) {
      DeepMerge(existing->get_object(), value.get_object());
    } else {
      into[key] = value;
    }
  }
}

std::string AccountName(const boost::json::value& account) {
  if (!account.is_object()) return std::string();
  const boost::json::value* name = account.get_object().if_contains("name");
  return name != nullptr && name->is_string() ? std::string(name->get_string()) : std::string();
}

boost::json::array AccountsOf(const boost::json::object& object) {
  const boost::json::value* accounts = object.if_contains("accounts");
  return accounts != nullptr && accounts->is_array() ? accounts->get_array() : boost::json::array();
}

// An account of a read-only source, checked on its own so that a problem names its file: the
// type, when absent, follows from the credential given.
absl::Status CheckSourceAccount(boost::json::value& account, const std::filesystem::path& where) {
  boost::json::object& fields = account.get_object();
  if (!fields.contains("type")) {
    if (fields.contains("apiKey")) {
      fields["type"] = "apikey";
    } else if (fields.contains("accessToken")) {
      fields["type"] = "oauth";
    }
  }
  boost::json::object alone;
  alone["accounts"] = boost::json::array{account};
  absl::StatusOr<LoadedConfig> loaded = ParseConfigObject(std::move(alone), where);
  if (loaded.ok()) return absl::OkStatus();
  return absl::Status(loaded.status().code(),
                      absl::StrReplaceAll(loaded.status().message(), {{"accounts[0].", ""}}));
}

// The read-only accounts (MAXPOOL_ACCOUNTS_DIR, then MAXPOOL_ACCOUNTS_FILE), with where each
// came from.
absl::StatusOr<std::vector<std::pair<boost::json::value, std::filesystem::path>>> SourceAccounts(
    const ConfigSources& sources) {
  std::vector<std::pair<boost::json::value, std::filesystem::path>> out;
  if (sources.accounts_dir) {
    absl::StatusOr<boost::json::array> accounts = ReadAccountsDir(*sources.accounts_dir);
    if (!accounts.ok()) return accounts.status();
    for (boost::json::value& account : *accounts) {
      const std::filesystem::path where = *sources.accounts_dir / AccountName(account);
      if (absl::Status status = CheckSourceAccount(account, where); !status.ok()) return status;
      out.emplace_back(std::move(account), where);
    }
  }
  if (sources.accounts_file) {
    absl::StatusOr<boost::json::array> accounts = ReadAccountsFile(*sources.accounts_file);
    if (!accounts.ok()) return accounts.status();
    for (size_t i = 0; i < accounts->size(); ++i) {
      boost::json::value& account = (*accounts)[i];
      const std::filesystem::path where =
          absl::StrCat(sources.accounts_file->string(), ": accounts[", i, "]");
      if (absl::Status status = CheckSourceAccount(account, where); !status.ok()) return status;
      out.emplace_back(std::move(account), *sources.accounts_file);
    }
  }
  return out;
}

// Visits each leaf (non-object value) of `object` with its key path.
void ForEachLeaf(const boost::json::object& object, std::vector<std::string>& path,
                 const std::function<void(const std::vector<std::string>&)>& visit) {
  for (const auto& [key, value] : object) {
    path.emplace_back(key);
    if (value.is_object()) {
      ForEachLeaf(value.get_object(), path, visit);
    } else {
      visit(path);
    }
    path.pop_back();
  }
}

const boost::json::value* Find(const boost::json::object& object,
                               const std::vector<std::string>& path) {
  const boost::json::object* at = &object;
  for (size_t i = 0; i < path.size(); ++i) {
    const boost::json::value* value = at->if_contains(path[i]);
    if (value == nullptr) return nullptr;
    if (i + 1 == path.size()) return value;
    at = value->if_object();
    if (at == nullptr) return nullptr;
  }
  return nullptr;
}

// Sets (or, with null `value`, erases) the leaf at `path`, creating objects on the way.
void Put(boost::json::object& object, const std::vector<std::string>& path,
         const boost::json::value* value) {
  boost::json::object* at = &object;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    boost::json::value* next = at->if_contains(path[i]);
    if (next == nullptr || !next->is_object()) {
      if (value == nullptr) return;
      (*at)[path[i]] = boost::json::object();
      next = at->if_contains(path[i]);
    }
    at = &next->get_object();
  }
  if (value == nullptr) {
    at->erase(path.back());
  } else {
    (*at)[path.back()] = *value;
  }
}

// Checks that every read-only account is still in `written` and unchanged beyond its tokens,
// and returns `written`'s other accounts.
absl::StatusOr<boost::json::array> WritableAccounts(const ConfigSources& sources,
                                                    const ReadOnlyLayers& read_only,
                                                    const boost::json::object& written) {
  const boost::json::array all = AccountsOf(written);
  std::map<std::string, const boost::json::object*> by_name;
  boost::json::array mine;
  for (const boost::json::value& account : all) {
    const std::string name = AccountName(account);
    if (read_only.accounts.count(name) > 0) {
      by_name[name] = &account.get_object();
    } else {
      mine.push_back(account);
    }
  }
  const std::string where =
      sources.file_writable
          ? std::string("the read-only accounts source")
          : absl::StrCat("a read-only source (", sources.file.string(), " or the accounts source)");
  for (const boost::json::value& original : AccountsOf(read_only.merged)) {
    const std::string name = AccountName(original);
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      return absl::FailedPreconditionError(absl::StrCat("account \"", name, "\" comes from ", where,
                                                        ", which maxpool never writes; remove it "
                                                        "there"));
    }
    for (const auto& [key, value] : original.get_object()) {
      if (IsTokenField(key)) continue;
      const boost::json::value* now = it->second->if_contains(key);
      if (now == nullptr || *now != value) {
        return absl::FailedPreconditionError(
            absl::StrCat("account \"", name, "\" comes from ", where,
                         ", which maxpool never writes; change \"", std::string(key), "\" there"));
      }
    }
  }
  return mine;
}

// The stored pairs newer than those of the accounts in `names` (the read-only ones, whose source
// cannot take a rotated pair). A writable file's accounts are left as the file has them: a
// stale pair there is noticed and written back over (hot-sync).
void ApplyStoredPairs(const TokenStore& tokens, const std::set<std::string>& names,
                      v1::Config& config) {
  v1::Config read_only;
  for (const v1::AccountConfig& account : config.accounts()) {
    if (names.count(account.name()) > 0) *read_only.add_accounts() = account;
  }
  if (read_only.accounts().empty() || ApplyStoredTokens(tokens, read_only).empty()) return;
  for (const v1::AccountConfig& fresh : read_only.accounts()) {
    for (v1::AccountConfig& account : *config.mutable_accounts()) {
      if (account.name() == fresh.name()) account = fresh;
    }
  }
}

}  // namespace

std::vector<std::filesystem::path> ConfigSources::Paths() const {
  std::vector<std::filesystem::path> paths = {file};
  if (!file_writable) paths.push_back(overlay);
  if (accounts_dir) paths.push_back(*accounts_dir);
  if (accounts_file) paths.push_back(*accounts_file);
  return paths;
}

absl::StatusOr<ConfigSources> ResolveConfigSources(const std::filesystem::path& config_path,
                                                   const EnvLookup& env) {
  ConfigSources sources;
  sources.file = config_path;
  const std::optional<std::string> read_only = env("MAXPOOL_CONFIG_READ_ONLY");
  const bool forced = read_only && !read_only->empty() && *read_only != "0";
  sources.file_writable = !forced && Writable(config_path);
  const std::filesystem::path stem = config_path.filename().replace_extension();
  sources.overlay = StateDirFor(config_path, env) / absl::StrCat(stem.string(), ".overlay.json");
  if (auto dir = env("MAXPOOL_ACCOUNTS_DIR"); dir && !dir->empty()) sources.accounts_dir = *dir;
  if (auto file = env("MAXPOOL_ACCOUNTS_FILE"); file && !file->empty()) {
    sources.accounts_file = *file;
  }
  absl::StatusOr<boost::json::object> settings = EnvSettings(env);
  if (!settings.ok()) return settings.status();
  sources.env = std::move(*settings);
  return sources;
}

ConfigSources FileOnlySources(const std::filesystem::path& config_path) {
  ConfigSources sources;
  sources.file = config_path;
  return sources;
}

absl::StatusOr<ReadOnlyLayers> LoadReadOnlyLayers(const ConfigSources& sources) {
  ReadOnlyLayers layers;
  boost::json::array accounts;
  std::map<std::string, std::filesystem::path> origin;
  if (!sources.file_writable) {
    absl::StatusOr<boost::json::object> file = ReadObject(sources.file);
    if (!file.ok()) return file.status();
    layers.merged = std::move(*file);
    for (const boost::json::value& account : AccountsOf(layers.merged)) {
      origin.emplace(AccountName(account), sources.file);
      accounts.push_back(account);
    }
  }
  absl::StatusOr<std::vector<std::pair<boost::json::value, std::filesystem::path>>> from_source =
      SourceAccounts(sources);
  if (!from_source.ok()) return from_source.status();
  for (auto& [account, where] : *from_source) {
    const std::string name = AccountName(account);
    if (auto [it, added] = origin.emplace(name, where); !added) {
      return absl::InvalidArgumentError(absl::StrCat(where.string(), ": the account \"", name,
                                                     "\" is also in ", it->second.string()));
    }
    accounts.push_back(std::move(account));
  }
  for (const boost::json::value& account : accounts) layers.accounts.insert(AccountName(account));
  if (!accounts.empty() || layers.merged.contains("accounts")) {
    layers.merged["accounts"] = std::move(accounts);
  }
  DeepMerge(layers.merged, sources.env);
  return layers;
}

absl::StatusOr<LoadedConfig> LoadLayered(const ConfigSources& sources) {
  absl::StatusOr<ReadOnlyLayers> read_only = LoadReadOnlyLayers(sources);
  if (!read_only.ok()) return read_only.status();
  absl::StatusOr<boost::json::object> target = ReadObject(sources.target());
  if (!target.ok()) return target.status();
  std::vector<std::string> warnings;

  // The target below the environment: the file's own values, or the overlay over the file.
  boost::json::object merged;
  boost::json::array accounts;
  if (sources.file_writable) {
    merged = *target;
    accounts = AccountsOf(*target);
    for (const boost::json::value& account : accounts) {
      if (read_only->accounts.count(AccountName(account)) > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(sources.file.string(), ": the account \"", AccountName(account),
                         "\" is also in the read-only accounts source"));
      }
    }
    for (const boost::json::value& account : AccountsOf(read_only->merged)) {
      accounts.push_back(account);
    }
  } else {
    merged = read_only->merged;
    accounts = AccountsOf(read_only->merged);
    boost::json::object overlay = *target;
    for (const boost::json::value& account : AccountsOf(overlay)) {
      if (read_only->accounts.count(AccountName(account)) > 0) {
        warnings.push_back(absl::StrCat(sources.overlay.string(), ": account \"",
                                        AccountName(account),
                                        "\" is now in a read-only source, which wins; this copy "
                                        "is ignored"));
        continue;
      }
      accounts.push_back(account);
    }
    overlay.erase("accounts");
    DeepMerge(merged, overlay);
  }
  if (!accounts.empty() || merged.contains("accounts")) merged["accounts"] = std::move(accounts);
  DeepMerge(merged, sources.env);
  if (const boost::json::value* generation = target->if_contains("_generation")) {
    merged["_generation"] = *generation;
  } else {
    merged.erase("_generation");
  }
  absl::StatusOr<LoadedConfig> loaded = ParseConfigObject(std::move(merged), sources.file);
  if (!loaded.ok()) return loaded.status();
  loaded->raw = std::move(*target);
  if (sources.tokens != nullptr)
    ApplyStoredPairs(*sources.tokens, read_only->accounts, loaded->config);
  for (std::string& warning : warnings) loaded->warnings.push_back(std::move(warning));
  return loaded;
}

absl::StatusOr<boost::json::object> TargetJson(const ConfigSources& sources,
                                               const ReadOnlyLayers& read_only,
                                               boost::json::object written,
                                               const boost::json::object& target_raw) {
  absl::StatusOr<boost::json::array> accounts = WritableAccounts(sources, read_only, written);
  if (!accounts.ok()) return accounts.status();
  boost::json::object out;
  if (sources.file_writable) {
    out = std::move(written);
    if (out.contains("accounts")) out["accounts"] = std::move(*accounts);
  } else {
    // Only what differs from the read-only layers, compared after the same defaults.
    absl::StatusOr<LoadedConfig> base = ParseConfigObject(read_only.merged, sources.file);
    if (!base.ok()) return base.status();
    absl::StatusOr<boost::json::value> base_json =
        ParseJsonText(SerializeConfig(base->config, read_only.merged));
    if (!base_json.ok() || !base_json->is_object()) return base_json.status();
    const boost::json::object& before = base_json->get_object();
    for (const auto& [key, value] : written) {
      if (key == "accounts" || key == "_generation") continue;
      const boost::json::value* was = before.if_contains(key);
      if (was == nullptr || *was != value) out[key] = value;
    }
    if (!accounts->empty()) out["accounts"] = std::move(*accounts);
  }
  // The environment's values are never pinned into the target: what it had stays.
  std::vector<std::string> path;
  ForEachLeaf(sources.env, path, [&](const std::vector<std::string>& leaf) {
    Put(out, leaf, Find(target_raw, leaf));
  });
  return out;
}

}  // namespace maxpool::config
