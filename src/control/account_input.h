#pragma once

// The checks of what CreateAccount and UpdateAccount are asked to write, and the config entries
// they produce. Every broken rule becomes a field violation naming the request field
// ("account_id", "api_key.api_key", "account.usage_cap", …); a violation never quotes a secret.
// Sizes are bounded (input_limits.h): a credential at most kMaxCredentialBytes, an account id 64
// characters, a display name kMaxDisplayNameLength, an upstream URL kMaxUrlBytes; credentials,
// names and URLs hold no control characters. Pure functions; thread-safe.

#include <optional>
#include <string>

#include "grpcpp/support/status.h"
#include "maxpool/v1/accounts.pb.h"
#include "maxpool/v1/config.pb.h"

namespace maxpool::control {

// Most characters of a display name.
inline constexpr size_t kMaxDisplayNameLength = 200;

// Checks `request` and fills `entry` (cleared first) with the `accounts[]` entry it adds: name,
// type, provider, the credential, display name, enabled, priority, usage cap and upstream (a
// provider account without one gets its provider's base URL, as for `providers[]`).
// Returns OK, or INVALID_ARGUMENT with every violation found.
grpc::Status CheckCreateAccount(const v1::CreateAccountRequest& request, v1::AccountConfig& entry);

// What an UpdateAccount changes; each optional is set when its path is in the update mask.
struct AccountChange {
  std::string id;  // the account's id, from account.name
  std::optional<bool> enabled;
  std::optional<double> priority;
  bool usage_cap_changed = false;
  std::optional<double> usage_cap;  // when usage_cap_changed: nullopt removes the cap
  std::optional<std::string> display_name;
};

// Checks `request` (account.name, the update mask, the values of the paths it names) and fills
// `change`. Returns OK, or INVALID_ARGUMENT with every violation found.
grpc::Status CheckUpdateAccount(const v1::UpdateAccountRequest& request, AccountChange& change);

// Writes `change` into `entry` (an empty display name removes the key).
void ApplyAccountChange(const AccountChange& change, v1::AccountConfig& entry);

}  // namespace maxpool::control
