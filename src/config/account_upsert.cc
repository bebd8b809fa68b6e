#include "config/account_upsert.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "config/account_diff.h"
#include "config/account_names.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace maxpool::config {
namespace {

// Whether `name` is used by an account other than accounts[except], or by a provider entry.
bool NameTaken(const v1::Config& config, const std::string& name, int except) {
  for (int i = 0; i < config.accounts_size(); ++i) {
    if (i != except && config.accounts(i).has_name() && config.accounts(i).name() == name) {
      return true;
    }
  }
  for (const v1::ProviderAccount& provider : config.providers()) {
    if (provider.has_name() && provider.name() == name) return true;
  }
  return false;
}

// "account-N" / "api-N" for the entry at `index`, N counting up from index + 1 until unique.
std::string DefaultName(const v1::Config& config, const v1::AccountConfig& account, int index) {
  if (!account.email().empty() && !NameTaken(config, account.email(), index)) {
    return account.email();
  }
  const char* const prefix = account.type() == "oauth" ? kUnnamedAccountPrefix : "api-";
  for (int n = index + 1;; ++n) {
    std::string name = absl::StrCat(prefix, n);
    if (!NameTaken(config, name, index)) return name;
  }
}

// The credential group, replaced as a whole by an upsert.
void ClearCredentialGroup(v1::AccountConfig& account) {
  account.clear_type();
  account.clear_provider();
  account.clear_access_token();
  account.clear_refresh_token();
  account.clear_expires_at();
  account.clear_api_key();
  account.clear_auth_token();
}

// `old` with every field `update` sets taken from `update` (repeated and message fields replaced,
// not merged) and the credential group replaced as a whole.
v1::AccountConfig MergeForUpsert(v1::AccountConfig old, const v1::AccountConfig& update) {
  ClearCredentialGroup(old);
  std::vector<const google::protobuf::FieldDescriptor*> set_fields;
  update.GetReflection()->ListFields(update, &set_fields);
  for (const google::protobuf::FieldDescriptor* field : set_fields) {
    old.GetReflection()->ClearField(&old, field);
  }
  old.MergeFrom(update);
  return old;
}

}  // namespace

std::optional<int> FindAccount(const v1::Config& config, std::string_view uuid,
                               std::string_view name) {
  if (!uuid.empty()) {
    for (int i = 0; i < config.accounts_size(); ++i) {
      if (config.accounts(i).account_uuid() == uuid) return i;
    }
  }
  if (!name.empty()) {
    for (int i = 0; i < config.accounts_size(); ++i) {
      if (config.accounts(i).has_name() && config.accounts(i).name() == name) return i;
    }
  }
  return std::nullopt;
}

absl::StatusOr<UpsertResult> UpsertAccount(v1::Config& config, v1::AccountConfig account) {
  const std::string lookup_name = !account.name().empty() ? account.name() : account.email();
  const std::optional<int> found = FindAccount(config, account.account_uuid(), lookup_name);
  const int index = found.value_or(config.accounts_size());
  v1::AccountConfig result =
      found.has_value() ? MergeForUpsert(config.accounts(*found), account) : std::move(account);
  if (result.name().empty()) {
    result.set_name(DefaultName(config, result, index));
  } else if (NameTaken(config, result.name(), index)) {
    return absl::AlreadyExistsError(
        absl::StrCat("account name \"", result.name(), "\" is already used by another account"));
  }
  if (found.has_value()) {
    *config.mutable_accounts(index) = std::move(result);
  } else {
    *config.add_accounts() = std::move(result);
  }
  return UpsertResult{index, !found.has_value()};
}

int DedupeAccounts(v1::Config& config) {
  const int count = config.accounts_size();
  std::vector<bool> keep(static_cast<size_t>(count), true);
  std::set<std::string> seen_uuids;
  std::set<std::string> kept_names;
  int removed = 0;
  for (int i = count - 1; i >= 0; --i) {
    const v1::AccountConfig& account = config.accounts(i);
    bool duplicate = false;
    if (!account.account_uuid().empty()) {
      duplicate = !seen_uuids.insert(account.account_uuid()).second;
    } else if (!account.name().empty()) {
      duplicate = kept_names.count(account.name()) > 0;
    }
    if (duplicate) {
      keep[static_cast<size_t>(i)] = false;
      ++removed;
    } else if (!account.name().empty()) {
      kept_names.insert(account.name());
    }
  }
  if (removed == 0) return 0;
  google::protobuf::RepeatedPtrField<v1::AccountConfig> kept;
  for (int i = 0; i < count; ++i) {
    if (keep[static_cast<size_t>(i)]) *kept.Add() = std::move(*config.mutable_accounts(i));
  }
  config.mutable_accounts()->Swap(&kept);
  return removed;
}

RotationResult ApplyRotatedTokens(v1::Config& config, const AccountLocator& locator,
                                  std::string_view old_refresh_token, const RotatedTokens& tokens) {
  const std::optional<int> index = FindAccount(config, locator.uuid, locator.name);
  if (!index.has_value()) return RotationResult::kAccountGone;
  v1::AccountConfig& account = *config.mutable_accounts(*index);
  const std::string& on_disk = account.refresh_token();
  if (on_disk != old_refresh_token && on_disk != tokens.refresh_token) {
    return RotationResult::kSupersededOnDisk;
  }
  account.set_access_token(tokens.access_token);
  account.set_refresh_token(tokens.refresh_token);
  account.set_expires_at(tokens.expires_at_ms);
  return RotationResult::kWritten;
}

absl::StatusOr<RotationResult> PersistRotatedTokens(ConfigStore& store,
                                                    const AccountLocator& locator,
                                                    std::string_view old_refresh_token,
                                                    const RotatedTokens& tokens) {
  // ConfigStore::Update writes nothing when the change fails and returns that error as is; a
  // skipped rotation is signalled that way and recognised by `skipped`, not by the status.
  std::optional<RotationResult> skipped;
  absl::StatusOr<LoadedConfig> written = store.Update(
      [&](v1::Config& config) -> absl::Status {
        const RotationResult result =
            ApplyRotatedTokens(config, locator, old_refresh_token, tokens);
        if (result == RotationResult::kWritten) return absl::OkStatus();
        skipped = result;
        return absl::AbortedError("rotated tokens not written");
      },
      std::nullopt);
  if (skipped.has_value()) return *skipped;
  if (!written.ok()) return written.status();
  return RotationResult::kWritten;
}

absl::StatusOr<bool> RestoreNewerTokens(ConfigStore& store, const AccountLocator& locator,
                                        const RotatedTokens& live) {
  bool wrote = false;
  absl::StatusOr<LoadedConfig> written = store.Update(
      [&](v1::Config& config) -> absl::Status {
        const std::optional<int> index = FindAccount(config, locator.uuid, locator.name);
        if (!index.has_value()) return absl::AbortedError("account gone");
        v1::AccountConfig& account = *config.mutable_accounts(*index);
        if (account.refresh_token() == live.refresh_token) return absl::AbortedError("same pair");
        const int64_t on_disk = NormalizeExpiryMs(account.expires_at());
        const bool older =
            on_disk == 0 || (live.expires_at_ms != 0 && on_disk < live.expires_at_ms);
        if (!older) return absl::AbortedError("newer on disk");
        account.set_access_token(live.access_token);
        account.set_refresh_token(live.refresh_token);
        account.set_expires_at(live.expires_at_ms);
        wrote = true;
        return absl::OkStatus();
      },
      std::nullopt);
  if (written.ok()) return true;
  if (!wrote && absl::IsAborted(written.status())) return false;  // nothing to restore
  return written.status();
}

}  // namespace maxpool::config
