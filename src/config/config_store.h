#pragma once

// Serialised, atomic writes of the config file (spec §12.1, §14 items 7, 10, 11, 54, 55). One
// ConfigStore per path per process: its mutex orders every read-modify-write of this process,
// so concurrent updates never lose each other's changes. Other processes are fenced by the
// `_generation` guard only. Thread-safe.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "config/config_loader.h"
#include "config/config_sources.h"
#include "maxpool/v1/config.pb.h"

namespace maxpool::config {

class ConfigStore {
 public:
  // Error: InvalidArgument when `path` has no file name. The file need not exist yet.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ConfigStore>> Create(
      std::filesystem::path path);
  // A server's layered config (config/config_sources.h): loads every layer, writes only the
  // target, and refuses a change to an account of a read-only source.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ConfigStore>> Create(ConfigSources sources);

  ConfigStore(const ConfigStore&) = delete;
  ConfigStore& operator=(const ConfigStore&) = delete;

  // The file that is written (the config file, or the overlay when that is read-only).
  const std::filesystem::path& path() const { return path_; }
  const ConfigSources& sources() const { return sources_; }

  // Called after every successful write of the file, under the store's lock: it must only note
  // the fact (e.g. wake a retry), never call back into the store. Set once, before the store is
  // shared.
  void SetOnSaved(std::function<void()> on_saved) { on_saved_ = std::move(on_saved); }

  // LoadConfig(path()) (every layer when layered), ordered with the writes of this store.
  [[nodiscard]] absl::StatusOr<LoadedConfig> Load() ABSL_LOCKS_EXCLUDED(mu_);

  // Writes `loaded.config` with _generation = on-disk generation + 1, keeping the unknown keys
  // of `loaded.raw` (at any depth) and leaving out code-only defaults the file never set.
  // Errors, with nothing written:
  //   FailedPrecondition "STALE_GENERATION: ..." when `guard_generation` is set and the on-disk
  //     _generation is newer (another writer got there first);
  //   the load error when the file on disk is invalid (it is never overwritten, spec §14 54);
  //   InvalidArgument "<path>: refusing to write: <key path>: <reason>" when the config breaks
  //     a rule of ValidateConfig;
  //   the write error of WriteFileAtomically.
  [[nodiscard]] absl::Status Save(const LoadedConfig& loaded,
                                  std::optional<int64_t> guard_generation) ABSL_LOCKS_EXCLUDED(mu_);

  // One read-modify-write: re-reads the file (the reference's first-run config when it does not
  // exist), checks the guard as Save does, calls `change` on the config (the on-disk generation
  // is in its _generation), bumps _generation and writes, keeping unknown keys. Returns the
  // config as written. Errors: as Save; `change`'s error (nothing written).
  [[nodiscard]] absl::StatusOr<LoadedConfig> Update(
      const std::function<absl::Status(v1::Config&)>& change,
      std::optional<int64_t> guard_generation) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  ConfigStore(ConfigSources sources, bool layered);

  // The file (or every layer) as loaded now.
  absl::StatusOr<LoadedConfig> LoadNow() const;

  // The file as loaded now; a missing file reads as the first-run config at generation 0.
  absl::StatusOr<LoadedConfig> LoadOrDefault() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckGuard(int64_t on_disk, std::optional<int64_t> guard) const;
  absl::Status Write(v1::Config config, const boost::json::object& raw, int64_t generation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ConfigSources sources_;
  const bool layered_;  // false: a plain file (LoadConfig)
  // Whether a write must take the read-only layers out (false: written as SerializeConfig
  // gives it, as for a plain file).
  const bool filtered_;
  const std::filesystem::path path_;
  std::function<void()> on_saved_;
  absl::Mutex mu_;  // held across each whole read-modify-write cycle (file I/O, no live state)
};

}  // namespace maxpool::config
