#pragma once

// `maxpool accounts [-v]`: the running server's accounts, from AccountService.ListAccounts (every
// page): name, type, state, enabled, priority, usage cap and credential fingerprint; -v adds, per
// account, the display name, email and organization, the credential's expiry, and from
// TelemetryService.GetPoolSnapshot its quota windows, weekly tier, 15-minute and 1-hour load and
// last error. Stateless.

#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "app/control_client.h"
#include "config/config_path.h"
#include "maxpool/v1/accounts.pb.h"
#include "maxpool/v1/telemetry.pb.h"

namespace maxpool::app {

// The help of `maxpool accounts` (ends with a newline).
std::string AccountsUsageText();

// The accounts as a table; with a snapshot (-v), a block of details per account after it. `now`
// dates the countdowns. "no accounts" when there are none. Ends with a newline.
std::string FormatAccounts(const std::vector<v1::Account>& accounts,
                           const v1::PoolSnapshot* snapshot, absl::Time now);

// Connects, lists, prints. Returns kExitOk, or kExitFailure with one line on `err`.
int RunAccounts(const ControlOptions& options, bool verbose, const config::EnvLookup& env,
                std::ostream& out, std::ostream& err);

}  // namespace maxpool::app
