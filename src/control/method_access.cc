#include "control/method_access.h"

namespace maxpool::control {

const std::vector<MethodAccess>& MethodAccessTable() {
  static const std::vector<MethodAccess> kTable = {
      {"maxpool.v1.AccountService.ListAccounts", Access::kRead},
      {"maxpool.v1.AccountService.GetAccount", Access::kRead},
      {"maxpool.v1.AccountService.CreateAccount", Access::kWrite},
      {"maxpool.v1.AccountService.UpdateAccount", Access::kWrite},
      {"maxpool.v1.AccountService.DeleteAccount", Access::kWrite},
      {"maxpool.v1.AccountService.RefreshAccountCredentials", Access::kWrite},
      {"maxpool.v1.AccountService.ImportClaudeCodeCredentials", Access::kWrite},
      {"maxpool.v1.AccountService.StartOAuthLogin", Access::kWrite},
      {"maxpool.v1.AccountService.CompleteOAuthLogin", Access::kWrite},
      {"maxpool.v1.RoutingService.GetRoutingPolicy", Access::kRead},
      {"maxpool.v1.RoutingService.UpdateRoutingPolicy", Access::kWrite},
      {"maxpool.v1.RoutingService.ListSessions", Access::kRead},
      {"maxpool.v1.LifecycleService.GetStatus", Access::kRead},
      {"maxpool.v1.LifecycleService.Drain", Access::kWrite},
      {"maxpool.v1.LifecycleService.ReloadConfig", Access::kWrite},
      {"maxpool.v1.TelemetryService.GetPoolSnapshot", Access::kRead},
      {"maxpool.v1.TelemetryService.WatchPool", Access::kRead},
      {"maxpool.v1.TelemetryService.WatchEvents", Access::kRead},
  };
  return kTable;
}

std::optional<Access> AccessOf(std::string_view method) {
  for (const MethodAccess& entry : MethodAccessTable()) {
    if (entry.method == method) return entry.access;
  }
  return std::nullopt;
}

}  // namespace maxpool::control
