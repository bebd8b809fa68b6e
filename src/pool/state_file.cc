#include "pool/state_file.h"

#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "config/atomic_file.h"

namespace maxpool::pool {

absl::StatusOr<std::optional<PoolMemory>> StateFile::Load(std::string* warning) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::string> text = config::ReadFileToString(path_);
  if (absl::IsNotFound(text.status())) return std::optional<PoolMemory>();
  if (!text.ok()) return text.status();
  absl::StatusOr<PoolMemory> memory = Decode(*text);
  if (memory.ok()) return std::optional<PoolMemory>(*std::move(memory));
  const std::filesystem::path aside =
      absl::StrCat(path_.string(), ".unreadable-", absl::ToUnixSeconds(absl::Now()));
  std::error_code ec;
  std::filesystem::rename(path_, aside, ec);
  if (warning != nullptr) {
    *warning = absl::StrCat(path_.string(), ": ", memory.status().message(),
                            ec ? absl::StrCat("; it could not be moved aside (", ec.message(), ")")
                               : absl::StrCat("; moved aside to ", aside.string()),
                            "; starting without the learned quota");
  }
  return std::optional<PoolMemory>();
}

absl::Status StateFile::Save(const PoolMemory& memory) {
  const std::string text = Encode(memory);
  absl::MutexLock lock(&mu_);
  return config::WriteFileAtomically(path_, text);
}

}  // namespace maxpool::pool
