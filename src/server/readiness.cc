#include "server/readiness.h"

namespace maxpool::server {

std::optional<std::string> NotReadyReason(const std::vector<core::Account>& accounts) {
  if (accounts.empty()) {
    return "no account is configured; add one with `maxpool login` or the control plane";
  }
  bool any_enabled = false;
  for (const core::Account& account : accounts) {
    if (!account.settings.enabled) continue;
    any_enabled = true;
    if (!account.state.refresh_dead) return std::nullopt;
  }
  if (!any_enabled) return "every account is disabled";
  return "every enabled account needs a new login (`maxpool login`)";
}

}  // namespace maxpool::server
