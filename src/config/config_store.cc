#include "config/config_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "config/atomic_file.h"
#include "config/config_defaults.h"
#include "config/config_validation.h"
#include "config/config_writer.h"
#include "config/json_text.h"

namespace maxpool::config {

absl::StatusOr<std::unique_ptr<ConfigStore>> ConfigStore::Create(std::filesystem::path path) {
  if (!path.has_filename()) {
    return absl::InvalidArgumentError(
        absl::StrCat("config path \"", path.string(), "\" does not name a file"));
  }
  return std::unique_ptr<ConfigStore>(new ConfigStore(FileOnlySources(path), false));
}

absl::StatusOr<std::unique_ptr<ConfigStore>> ConfigStore::Create(ConfigSources sources) {
  if (!sources.target().has_filename()) {
    return absl::InvalidArgumentError(
        absl::StrCat("config path \"", sources.target().string(), "\" does not name a file"));
  }
  return std::unique_ptr<ConfigStore>(new ConfigStore(std::move(sources), true));
}

ConfigStore::ConfigStore(ConfigSources sources, bool layered)
    : sources_(std::move(sources)),
      layered_(layered),
      filtered_(layered && (!sources_.file_writable || sources_.accounts_dir.has_value() ||
                            sources_.accounts_file.has_value() || !sources_.env.empty())),
      path_(sources_.target()) {}

absl::StatusOr<LoadedConfig> ConfigStore::LoadNow() const {
  // Nothing to lay over the file: read as a plain file (a missing one is NotFound, which
  // LoadOrDefault turns into the first-run config).
  if (!filtered_ && (!layered_ || sources_.tokens == nullptr)) return LoadConfig(path_);
  return LoadLayered(sources_);
}

absl::StatusOr<LoadedConfig> ConfigStore::Load() {
  absl::MutexLock lock(&mu_);
  return LoadNow();
}

absl::StatusOr<LoadedConfig> ConfigStore::LoadOrDefault() {
  absl::StatusOr<LoadedConfig> loaded = LoadNow();
  if (loaded.ok() || !absl::IsNotFound(loaded.status())) return loaded;
  // Spec §12.1: a read-modify-write of a missing file starts from the first-run config.
  return ParseConfig(SerializeConfig(DefaultConfig(), boost::json::object()), path_);
}

absl::Status ConfigStore::CheckGuard(int64_t on_disk, std::optional<int64_t> guard) const {
  if (guard.has_value() && on_disk > *guard) {
    return absl::FailedPreconditionError(
        absl::StrCat("STALE_GENERATION: ", path_.string(), ": the file is at generation ", on_disk,
                     ", newer than ", *guard, "; nothing was written"));
  }
  return absl::OkStatus();
}

absl::Status ConfigStore::Write(v1::Config config, const boost::json::object& raw,
                                int64_t generation) {
  // Never write what would not load back (a change may have broken a rule).
  v1::Config check = config;
  std::vector<std::string> ignored_warnings;
  absl::Status valid = ValidateConfig(check, ignored_warnings);
  if (!valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_.string(), ": refusing to write: ", valid.message()));
  }
  config.set_generation(generation);
  std::string text = SerializeConfig(config, raw);
  if (filtered_) {
    // Only what belongs in the target: the read-only layers' values are taken out again.
    absl::StatusOr<ReadOnlyLayers> read_only = LoadReadOnlyLayers(sources_);
    if (!read_only.ok()) return read_only.status();
    absl::StatusOr<boost::json::value> parsed = ParseJsonText(text);
    if (!parsed.ok()) return parsed.status();
    absl::StatusOr<boost::json::object> target =
        TargetJson(sources_, *read_only, std::move(parsed->get_object()), raw);
    if (!target.ok()) return target.status();
    (*target)["_generation"] = generation;
    text = FormatJsonText(*target);
  }
  absl::Status written = WriteFileAtomically(path_, text);
  if (written.ok() && on_saved_) on_saved_();
  return written;
}

absl::Status ConfigStore::Save(const LoadedConfig& loaded,
                               std::optional<int64_t> guard_generation) {
  absl::MutexLock lock(&mu_);
  int64_t on_disk = 0;
  absl::StatusOr<LoadedConfig> current = LoadNow();
  if (current.ok()) {
    on_disk = current->generation;
  } else if (!absl::IsNotFound(current.status())) {
    return current.status();  // never overwrite a file we cannot read (spec §14 item 54)
  }
  absl::Status guard = CheckGuard(on_disk, guard_generation);
  if (!guard.ok()) return guard;
  return Write(loaded.config, loaded.raw, on_disk + 1);
}

absl::StatusOr<LoadedConfig> ConfigStore::Update(
    const std::function<absl::Status(v1::Config&)>& change,
    std::optional<int64_t> guard_generation) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<LoadedConfig> loaded = LoadOrDefault();
  if (!loaded.ok()) return loaded.status();
  absl::Status status = CheckGuard(loaded->generation, guard_generation);
  if (!status.ok()) return status;
  status = change(loaded->config);
  if (!status.ok()) return status;
  const int64_t next = loaded->generation + 1;
  status = Write(loaded->config, loaded->raw, next);
  if (!status.ok()) return status;
  loaded->config.set_generation(next);
  loaded->generation = next;
  return loaded;
}

}  // namespace maxpool::config
