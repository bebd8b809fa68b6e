// Settings changes of a running account (hot-sync, spec §1.4): core::Router::UpdateAccountSettings.

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/absl_view.h"
#include "core/router.h"

namespace maxpool::core {

absl::Status Router::UpdateAccountSettings(std::string_view name,
                                           const std::function<void(AccountSettings&)>& change) {
  Account* account = FindAccount(name);
  if (account == nullptr) {
    return absl::NotFoundError(absl::StrCat("no account named ", AbslView(name)));
  }
  AccountSettings updated = account->settings;
  change(updated);
  if (updated.name != account->settings.name) {
    if (updated.name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("account ", AbslView(name), " cannot be renamed to an empty name"));
    }
    if (FindAccount(updated.name) != nullptr) {
      return absl::AlreadyExistsError(absl::StrCat("account ", AbslView(name),
                                                   " cannot be renamed to ", updated.name,
                                                   ": the name is taken"));
    }
  }
  const std::string old_name = account->settings.name;
  account->settings = std::move(updated);
  if (policy_.preferred && policy_.preferred_account == old_name) {
    if (!account->settings.enabled || account->settings.is_provider()) {
      SetAutomatic();  // §1.3 / §6.7: only an enabled Claude account can be preferred
    } else {
      policy_.preferred_account = account->settings.name;
    }
  }
  return absl::OkStatus();
}

}  // namespace maxpool::core
