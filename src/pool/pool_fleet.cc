// Pool: cluster mode's view of the other replicas (pool.h, fleet_gate.h).

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "pool/pool.h"

namespace maxpool::pool {

void Pool::ReturnToFleet(const core::Lease& lease) {
  if (FleetGate* gate = fleet_gate_.load()) gate->Return(lease);
}

void Pool::SetFleetInFlight(const absl::flat_hash_map<std::string, int>& others) {
  bool fell = false;
  {
    absl::MutexLock lock(&mu_);
    for (core::Account& account : router_.mutable_accounts()) {
      const auto it = others.find(account.settings.name);
      const int now_held = it == others.end() ? 0 : std::max(0, it->second);
      if (now_held < account.state.fleet_in_flight) fell = true;
      account.state.fleet_in_flight = now_held;
    }
  }
  if (fell) WakeWaiters();
}

void Pool::SetFleetInFlightOf(std::string_view name, int others) {
  bool fell = false;
  {
    absl::MutexLock lock(&mu_);
    core::Account* account = router_.FindAccount(name);
    if (account == nullptr) return;
    others = std::max(0, others);
    fell = others < account->state.fleet_in_flight;
    account->state.fleet_in_flight = others;
  }
  if (fell) WakeWaiters();
}

absl::flat_hash_map<std::string, FleetLoad> Pool::OwnLoads() {
  absl::flat_hash_map<std::string, FleetLoad> out;
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_.Now();
  const absl::Time since = now - router_.settings().spread_window;
  for (core::Account& account : router_.mutable_accounts()) {
    core::RollingLoad& load = account.state.load;
    out[account.settings.name] =
        FleetLoad{load.RecentWeight(now, since), load.Summary(now, absl::Minutes(15)),
                  load.Summary(now, absl::Hours(1))};
  }
  return out;
}

void Pool::SetFleetLoads(const absl::flat_hash_map<std::string, FleetLoad>& others) {
  absl::MutexLock lock(&mu_);
  for (core::Account& account : router_.mutable_accounts()) {
    const auto it = others.find(account.settings.name);
    const FleetLoad theirs = it == others.end() ? FleetLoad{} : it->second;
    account.state.fleet_recent_weight = std::max<int64_t>(0, theirs.spread_weight);
    account.state.fleet_load_15m = theirs.last_15m;
    account.state.fleet_load_1h = theirs.last_1h;
  }
}

int Pool::InFlightOf(std::string_view name) const {
  absl::MutexLock lock(&mu_);
  const core::Account* account = router_.FindAccount(name);
  return account == nullptr ? 0 : account->state.in_flight;
}

int Pool::MaxActivePerAccount() const {
  absl::MutexLock lock(&mu_);
  return router_.settings().safety_max_active_per_account;
}

std::vector<std::string> Pool::AccountNames() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  names.reserve(router_.accounts().size());
  for (const core::Account& account : router_.accounts()) names.push_back(account.settings.name);
  return names;
}

}  // namespace maxpool::pool
