#pragma once

// The pool's memory in one file of the state directory ("<config stem>.state.json", mode 0600):
// versioned JSON (pool_memory.h), replaced atomically (config::WriteFileAtomically) so a crash
// or a full disk leaves the previous memory whole. A file that cannot be read back is moved aside
// to "<path>.unreadable-<unix seconds>", never deleted, and the server starts without memory.

#include <filesystem>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "pool/state_store.h"

namespace maxpool::pool {

class StateFile final : public StateStore {
 public:
  explicit StateFile(std::filesystem::path path) : path_(std::move(path)) {}

  absl::StatusOr<std::optional<PoolMemory>> Load(std::string* warning) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Save(const PoolMemory& memory) override ABSL_LOCKS_EXCLUDED(mu_);

  const std::filesystem::path& path() const { return path_; }

 private:
  const std::filesystem::path path_;
  absl::Mutex mu_;  // orders the file's reads and writes
};

}  // namespace maxpool::pool
