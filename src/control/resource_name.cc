#include "control/resource_name.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "control/input_limits.h"
#include "core/absl_view.h"

namespace maxpool::control {

std::string AccountName(std::string_view id) {
  return absl::StrCat(core::AbslView(kAccountsCollection), core::AbslView(id));
}

absl::Status CheckAccountId(std::string_view id) {
  if (id.empty() || id.size() > 64) {
    return absl::InvalidArgumentError("an account id is 1 to 64 characters long");
  }
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '@' || c == '+' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(
          "an account id may hold only letters, digits, '.', '_', '@', '+' and '-'");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParseAccountName(std::string_view name) {
  if (!absl::StartsWith(core::AbslView(name), core::AbslView(kAccountsCollection))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected an account name of the form accounts/{account}, got \"", Quotable(name), "\""));
  }
  const std::string_view id = name.substr(kAccountsCollection.size());
  if (absl::Status status = CheckAccountId(id); !status.ok()) return status;
  return std::string(id);
}

}  // namespace maxpool::control
