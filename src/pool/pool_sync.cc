// Hot-sync support of pool::Pool (spec §1.4): in-place settings changes and the credential list
// the config diff compares against.

#include <string>
#include <utility>
#include <vector>

#include "pool/pool.h"
#include "pool/pool_outbox.h"

namespace maxpool::pool {

absl::Status Pool::UpdateAccountSettings(
    std::string_view name, const std::function<void(core::AccountSettings&)>& change) {
  absl::Status status;
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    const std::optional<core::AccountId> id = router_.IdOf(name);
    status = router_.UpdateAccountSettings(name, change);
    // Enabled, cap or provider changes can change the derived state; a rename only the name.
    if (status.ok() && id) Track(*id, now, "settings_changed", outbox.events());
    outbox.Seal();
  }
  outbox.Flush();
  // A lower priority, a raised cap or a re-enabled account can give held requests a route; a
  // disabled one can take their last one away.
  if (status.ok()) WakeWaiters();
  return status;
}

std::vector<std::pair<std::string, Credential>> Pool::Credentials() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<std::string, Credential>> out;
  out.reserve(router_.accounts().size());
  for (const core::Account& account : router_.accounts()) {
    const std::optional<core::AccountId> id = router_.IdOf(account.settings.name);
    if (!id) continue;
    for (const auto& [owner, credential] : credentials_) {
      if (owner == *id) {
        out.emplace_back(account.settings.name, credential);
        break;
      }
    }
  }
  return out;
}

}  // namespace maxpool::pool
