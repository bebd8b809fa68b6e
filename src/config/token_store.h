#pragma once

// The rotated OAuth token pairs, one per account, in a small file of the state directory
// ("<config stem>.tokens.json", mode 0600; see StateDirFor). A refresh token is single-use: the
// moment the token endpoint answers, the new pair is the only one that works. Put() writes it in
// two steps before anything uses it: first one appended line in "<file>.journal" (a single
// write(), no fsync: the bytes are in the kernel the moment it returns, so a killed process can
// no longer lose them), then the file itself, durably (an atomic replace with fsync of the file
// and its directory, which survives a power loss too), after which the journal is emptied. The
// config file is updated after, when it can be. So a crash at any point after the answer was read,
// a read-only config file or a full disk never loses the working pair: at start, a stored pair
// (file or journal) newer (later expiry) than the config's replaces it (ApplyStoredTokens).
//
// Thread-safe: one mutex orders every read and write of the file (held across the file I/O; no
// other lock is taken under it).

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "maxpool/v1/config.pb.h"

namespace maxpool::config {

struct StoredTokenPair {
  std::string account_uuid;  // empty when unknown
  std::string access_token;
  std::string refresh_token;
  int64_t expires_at_ms = 0;  // 0: unknown
  int64_t rotated_at_ms = 0;  // when the pair was received
};

class TokenStore {
 public:
  // Reads `path` if it exists. A file that cannot be parsed is moved aside to
  // "<path>.unreadable-<unix seconds>" (never deleted) and the store starts empty; `warnings` gets
  // a line saying so. Errors: reading the file failed (permissions, I/O).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TokenStore>> Open(
      std::filesystem::path path, std::vector<std::string>* warnings = nullptr);

  TokenStore(const TokenStore&) = delete;
  TokenStore& operator=(const TokenStore&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Stores `pair` for `account`, replacing its previous one: journal, then the file durably. On
  // an error the file on disk is unchanged (the caller retries); the pair is kept in memory and
  // in the journal when it could be written there, so that a later write carries it.
  [[nodiscard]] absl::Status Put(const std::string& account, const StoredTokenPair& pair)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Drops `account`'s pair (the account was deleted, or logged in again) and writes the file.
  [[nodiscard]] absl::Status Forget(const std::string& account) ABSL_LOCKS_EXCLUDED(mu_);

  // The stored pair of the account with `uuid` (when not empty), else of `name`.
  std::optional<StoredTokenPair> Find(const std::string& name, const std::string& uuid) const
      ABSL_LOCKS_EXCLUDED(mu_);
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  explicit TokenStore(std::filesystem::path path) : path_(std::move(path)) {}
  absl::Status WriteLocked(const std::map<std::string, StoredTokenPair>& pairs) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Appends one line for `account` to the journal with a single write().
  absl::Status JournalLocked(const std::string& account, const StoredTokenPair& pair) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::filesystem::path journal_path() const;

  const std::filesystem::path path_;
  mutable absl::Mutex mu_;
  std::map<std::string, StoredTokenPair> pairs_ ABSL_GUARDED_BY(mu_);  // by account name
};

// For each OAuth account of `config` with a stored pair newer than its own (a later expiry, or
// the same refresh token rotated), puts the stored pair in `config` (in memory only). Returns the
// names of the accounts whose tokens were replaced.
std::vector<std::string> ApplyStoredTokens(const TokenStore& store, v1::Config& config);

}  // namespace maxpool::config
