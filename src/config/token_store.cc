#include "config/token_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "boost/json/parse.hpp"
#include "boost/json/serialize.hpp"
#include "boost/json/value.hpp"
#include "config/account_diff.h"
#include "config/account_names.h"
#include "config/atomic_file.h"

namespace maxpool::config {
namespace json = boost::json;

namespace {

constexpr int kVersion = 1;

std::string StringAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

int64_t IntAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->as_uint64());
  }
  return 0;
}

json::object PairJson(const StoredTokenPair& pair) {
  json::object o;
  if (!pair.account_uuid.empty()) o["accountUuid"] = pair.account_uuid;
  o["accessToken"] = pair.access_token;
  o["refreshToken"] = pair.refresh_token;
  o["expiresAt"] = pair.expires_at_ms;
  o["rotatedAt"] = pair.rotated_at_ms;
  return o;
}

StoredTokenPair PairOf(const json::object& o) {
  StoredTokenPair pair;
  pair.account_uuid = StringAt(o, "accountUuid");
  pair.access_token = StringAt(o, "accessToken");
  pair.refresh_token = StringAt(o, "refreshToken");
  pair.expires_at_ms = IntAt(o, "expiresAt");
  pair.rotated_at_ms = IntAt(o, "rotatedAt");
  return pair;
}

// Whether `candidate` replaces `current` (a rotation is newer: a later expiry, or a later
// rotation time when the expiries do not tell).
bool Newer(const StoredTokenPair& candidate, const StoredTokenPair& current) {
  if (candidate.refresh_token == current.refresh_token) return false;
  if (candidate.expires_at_ms != current.expires_at_ms) {
    return candidate.expires_at_ms > current.expires_at_ms;
  }
  return candidate.rotated_at_ms >= current.rotated_at_ms;
}

// Applies the journal's complete lines (a line cut by a crash is skipped) over `pairs`.
void ApplyJournal(const std::string& text, std::map<std::string, StoredTokenPair>& pairs) {
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) break;  // not finished when the process died
    json::error_code ec;
    const json::value line = json::parse(std::string_view(text).substr(start, end - start), ec);
    start = end + 1;
    if (ec || !line.is_object()) continue;
    const json::value* account = line.as_object().if_contains("account");
    const json::value* pair = line.as_object().if_contains("pair");
    if (account == nullptr || !account->is_string() || pair == nullptr || !pair->is_object()) {
      continue;
    }
    StoredTokenPair candidate = PairOf(pair->as_object());
    if (candidate.refresh_token.empty()) continue;
    const std::string name(account->as_string());
    auto it = pairs.find(name);
    if (it == pairs.end() || Newer(candidate, it->second)) pairs[name] = std::move(candidate);
  }
}

// The pairs of a file's text; nullopt when it is not a token file.
std::optional<std::map<std::string, StoredTokenPair>> Parse(const std::string& text) {
  json::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) return std::nullopt;
  const json::value* accounts = root.as_object().if_contains("accounts");
  if (accounts == nullptr || !accounts->is_object()) return std::nullopt;
  std::map<std::string, StoredTokenPair> pairs;
  for (const auto& [name, entry] : accounts->as_object()) {
    if (!entry.is_object()) continue;
    StoredTokenPair pair = PairOf(entry.as_object());
    if (pair.refresh_token.empty()) continue;
    pairs.emplace(std::string(name), std::move(pair));
  }
  return pairs;
}

std::string Serialize(const std::map<std::string, StoredTokenPair>& pairs) {
  json::object accounts;
  for (const auto& [name, pair] : pairs) accounts[name] = PairJson(pair);
  json::object root;
  root["version"] = kVersion;
  root["accounts"] = std::move(accounts);
  return json::serialize(root) + "\n";
}

}  // namespace

absl::StatusOr<std::unique_ptr<TokenStore>> TokenStore::Open(std::filesystem::path path,
                                                             std::vector<std::string>* warnings) {
  std::unique_ptr<TokenStore> store(new TokenStore(std::move(path)));
  std::map<std::string, StoredTokenPair> journal;
  absl::StatusOr<std::string> journal_text = ReadFileToString(store->journal_path());
  if (journal_text.ok()) {
    ApplyJournal(*journal_text, journal);
  } else if (!absl::IsNotFound(journal_text.status())) {
    return journal_text.status();
  }
  auto with_journal = [&](std::map<std::string, StoredTokenPair> pairs) {
    for (auto& [name, pair] : journal) {
      auto it = pairs.find(name);
      if (it == pairs.end() || Newer(pair, it->second)) pairs[name] = pair;
    }
    absl::MutexLock lock(&store->mu_);
    store->pairs_ = std::move(pairs);
  };
  absl::StatusOr<std::string> text = ReadFileToString(store->path_);
  if (!text.ok()) {
    if (!absl::IsNotFound(text.status())) return text.status();
    with_journal({});
    return store;
  }
  std::optional<std::map<std::string, StoredTokenPair>> pairs = Parse(*text);
  if (!pairs) {
    const std::string aside =
        absl::StrCat(store->path_.string(), ".unreadable-", absl::ToUnixSeconds(absl::Now()));
    std::error_code ec;
    std::filesystem::rename(store->path_, aside, ec);
    if (warnings != nullptr) {
      warnings->push_back(absl::StrCat(store->path_.string(), ": not a token file; moved aside to ",
                                       aside,
                                       ec ? absl::StrCat(" (failed: ", ec.message(), ")") : ""));
    }
    with_journal({});
    return store;
  }
  with_journal(*std::move(pairs));
  return store;
}

std::filesystem::path TokenStore::journal_path() const {
  return std::filesystem::path(path_.string() + ".journal");
}

absl::Status TokenStore::JournalLocked(const std::string& account,
                                       const StoredTokenPair& pair) const {
  json::object line;
  line["account"] = account;
  line["pair"] = PairJson(pair);
  const std::string text = json::serialize(line) + "\n";
  const std::filesystem::path journal = journal_path();
  std::error_code ec;
  std::filesystem::create_directories(journal.parent_path(), ec);
  const int fd = ::open(journal.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat(journal.string(), ": open: ", std::strerror(errno)));
  }
  // One write() of one line: complete in the kernel when it returns, or taken back (a line cut
  // short would spoil the next one appended after it).
  const off_t before = ::lseek(fd, 0, SEEK_END);
  const ssize_t written = ::write(fd, text.data(), text.size());
  const int error = errno;
  if (written != static_cast<ssize_t>(text.size()) && written > 0 && before >= 0) {
    [[maybe_unused]] const int ignored = ::ftruncate(fd, before);
  }
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size())) {
    return absl::ErrnoToStatus(
        written < 0 ? error : ENOSPC,
        absl::StrCat(journal.string(), ": write: ", std::strerror(written < 0 ? error : ENOSPC)));
  }
  return absl::OkStatus();
}

absl::Status TokenStore::WriteLocked(const std::map<std::string, StoredTokenPair>& pairs) const {
  return WriteFileAtomically(path_, Serialize(pairs));
}

absl::Status TokenStore::Put(const std::string& account, const StoredTokenPair& pair) {
  absl::MutexLock lock(&mu_);
  // The journal first: the fastest write that a killed process cannot lose. Its failure does not
  // stop the durable write below, which may still work (a full journal, a quota).
  const absl::Status journaled = JournalLocked(account, pair);
  // The newest pair is the truth in memory even if the file cannot take it yet: the next write
  // that works (a retry, another account's) carries it, before the journal is emptied.
  pairs_[account] = pair;
  if (absl::Status status = WriteLocked(pairs_); !status.ok()) return status;
  // Everything the journal holds is in the file now.
  if (journaled.ok()) [[maybe_unused]]
    const int ignored = ::truncate(journal_path().c_str(), 0);
  return absl::OkStatus();
}

absl::Status TokenStore::Forget(const std::string& account) {
  absl::MutexLock lock(&mu_);
  if (pairs_.count(account) == 0) return absl::OkStatus();
  std::map<std::string, StoredTokenPair> next = pairs_;
  next.erase(account);
  if (absl::Status status = WriteLocked(next); !status.ok()) return status;
  pairs_ = std::move(next);
  return absl::OkStatus();
}

std::optional<StoredTokenPair> TokenStore::Find(const std::string& name,
                                                const std::string& uuid) const {
  absl::MutexLock lock(&mu_);
  if (!uuid.empty()) {
    for (const auto& [stored_name, pair] : pairs_) {
      if (pair.account_uuid == uuid) return pair;
    }
  }
  auto it = pairs_.find(name);
  if (it == pairs_.end()) return std::nullopt;
  // A pair stored for another account of the same name (re-created with a new login) is not it.
  if (!uuid.empty() && !it->second.account_uuid.empty() && it->second.account_uuid != uuid) {
    return std::nullopt;
  }
  return it->second;
}

size_t TokenStore::size() const {
  absl::MutexLock lock(&mu_);
  return pairs_.size();
}

std::vector<std::string> ApplyStoredTokens(const TokenStore& store, v1::Config& config) {
  std::vector<std::string> replaced;
  for (int i = 0; i < config.accounts_size(); ++i) {
    v1::AccountConfig& account = *config.mutable_accounts(i);
    if (account.type() != "oauth") continue;
    const std::string name = AccountNameOf(account, i);
    const std::optional<StoredTokenPair> stored = store.Find(name, account.account_uuid());
    if (!stored || stored->refresh_token == account.refresh_token()) continue;
    const int64_t file_expiry = NormalizeExpiryMs(account.expires_at());
    if (file_expiry != 0 && stored->expires_at_ms != 0 && stored->expires_at_ms <= file_expiry) {
      continue;  // the config holds a newer pair (a new login, written by hand)
    }
    account.set_access_token(stored->access_token);
    account.set_refresh_token(stored->refresh_token);
    if (stored->expires_at_ms != 0) account.set_expires_at(stored->expires_at_ms);
    replaced.push_back(name);
  }
  return replaced;
}

}  // namespace maxpool::config
