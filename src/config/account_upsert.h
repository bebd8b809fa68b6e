#pragma once

// Account operations on the config (spec §1.5 login upsert and de-duplication, §7.4 persisting
// rotated tokens). Pure functions over v1::Config, plus PersistRotatedTokens, which runs
// ApplyRotatedTokens as one read-modify-write of a ConfigStore. Thread-safe (no shared state).
// No error message ever contains a credential.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "config/config_store.h"
#include "maxpool/v1/config.pb.h"

namespace maxpool::config {

// The index of the account that `uuid`/`name` designate (spec §1.5): the first entry whose
// account_uuid equals `uuid` (when `uuid` is non-empty), else the first entry whose name equals
// `name` (when `name` is non-empty); nullopt when none does.
std::optional<int> FindAccount(const v1::Config& config, std::string_view uuid,
                               std::string_view name);

struct UpsertResult {
  int index = 0;       // of the entry in config.accounts()
  bool added = false;  // appended (true) or an existing entry updated (false)
};

// Login / import upsert (spec §1.5, §7.6). The entry is looked up by account_uuid, then by name
// (the explicit name, else the email). Found: it is updated in place —
//   * the credential group (type, provider, accessToken, refreshToken, expiresAt, apiKey,
//     authToken) is REPLACED wholesale: fields the new entry lacks are cleared, so a stale
//     expiry or a leftover key of another type never survives a re-login;
//   * every other field the new entry sets replaces the old value, and every field it does
//     not set (e.g. enabled, priority, capUtilization, profiles, upstream, modelMap, name)
//     keeps the old value: a re-login "updates the same entry" (spec §7.6) and must not
//     silently re-enable a disabled account, drop its cap or rename it.
// Not found: `account` is appended. A missing name defaults to the email, else "account-N"
// (oauth) / "api-N" (apikey and provider), N counting from the new entry count and made unique
// among account and provider names.
// Error: AlreadyExists when the resulting name is used by another account or provider entry
// (the config is then unchanged).
absl::StatusOr<UpsertResult> UpsertAccount(v1::Config& config, v1::AccountConfig account);

// `maxpool accounts` de-duplication (spec §1.5): walks the entries from last to first; the first
// time an account_uuid is seen its entry is kept (the most recently added wins) and older entries
// with the same UUID are removed. Entries without a UUID are de-duplicated by name the same way
// (against every kept name); entries with neither are kept. Kept entries keep their order.
// Returns the number of entries removed.
int DedupeAccounts(v1::Config& config);

// Which account rotated its tokens.
struct AccountLocator {
  std::string uuid;
  std::string name;
};

// A freshly rotated OAuth token set. Secrets: never log.
struct RotatedTokens {
  std::string access_token;
  std::string refresh_token;
  int64_t expires_at_ms = 0;
};

enum class RotationResult {
  kWritten,           // the entry now holds `tokens`
  kAccountGone,       // no entry matches the locator (deleted meanwhile): nothing written
  kSupersededOnDisk,  // the entry's refresh token is neither the one rotated from nor the new
                      // one: another writer already rotated it; nothing written (spec §7.4,
                      // §14 item 11: never overwrite a fresher token)
};

// The §7.4 rule on a config just read from disk: locates the entry with FindAccount; if its
// refresh token differs from both `old_refresh_token` and `tokens.refresh_token` the result is
// kSupersededOnDisk; else it writes the access token, refresh token and expiry.
RotationResult ApplyRotatedTokens(v1::Config& config, const AccountLocator& locator,
                                  std::string_view old_refresh_token, const RotatedTokens& tokens);

// ApplyRotatedTokens as one ConfigStore::Update (re-read, apply, bump _generation, atomic save),
// serialised with this process's other config writes. Nothing is written unless the result is
// kWritten. Errors: those of ConfigStore::Update (an unreadable or invalid file is never
// overwritten).
absl::StatusOr<RotationResult> PersistRotatedTokens(ConfigStore& store,
                                                    const AccountLocator& locator,
                                                    std::string_view old_refresh_token,
                                                    const RotatedTokens& tokens);

// A hand edit made from a buffer opened before a rotation puts a spent pair back in the file: when
// the entry's pair is older than `live` (an earlier expiry, or no expiry and another refresh
// token), writes `live` into it as one ConfigStore::Update, leaving the rest of the file as it is.
// Returns whether it wrote; false when the entry is gone or already holds `live` or a newer pair.
[[nodiscard]] absl::StatusOr<bool> RestoreNewerTokens(ConfigStore& store,
                                                      const AccountLocator& locator,
                                                      const RotatedTokens& live);

}  // namespace maxpool::config
