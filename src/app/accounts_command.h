#pragma once

// `maxpool accounts [-v] [-o FMT]`: the running server's accounts, from AccountService.ListAccounts
// (every page): name, type, state, enabled, priority, usage cap and credential fingerprint; -v
// adds, per account, the display name, email and organization, the credential's expiry, and from
// TelemetryService.GetPoolSnapshot its quota windows, weekly tier, 15-minute and 1-hour load and
// last error. When no server answers at the address the config file gives, it lists the config
// file's accounts instead (what the control plane shows of an account that does not run), with a
// note on stderr. Stateless.

#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "app/output_format.h"
#include "boost/json/object.hpp"
#include "config/config_path.h"
#include "control_client/control_client.h"
#include "maxpool/v1/accounts.pb.h"
#include "maxpool/v1/config.pb.h"
#include "maxpool/v1/telemetry.pb.h"

namespace maxpool::app {

// The help of `maxpool accounts` (ends with a newline).
std::string AccountsUsageText();

// The accounts as a table; with a snapshot (-v), a block of details per account after it. `now`
// dates the countdowns. "no accounts" when there are none. Ends with a newline.
std::string FormatAccounts(const std::vector<v1::Account>& accounts,
                           const v1::PoolSnapshot* snapshot, absl::Time now);

// The accounts of `config` as the control plane shows accounts that do not run: accounts[] then
// providers[], each with its type, provider, enabled, priority, usage cap, profiles, upstream,
// display name, identity and its credential's kind, fingerprint, expiry and refreshability. No
// state, no requests in flight, and never a secret.
std::vector<v1::Account> AccountsFromConfig(const v1::Config& config);

// The fields of an Account only a running server knows; absent from the JSON of offline accounts.
// "state", "stateReason", "stateUntil", "inFlight", and "refreshDead" in "credential".
void EraseLiveFields(boost::json::object& account);

struct AccountsArgs {
  control_client::ControlOptions control;
  bool verbose = false;                       // -v: details per account (text only)
  OutputFormat format = OutputFormat::kText;  // -o
};

// Connects, lists every page, prints as `args.format`: the table (FormatAccounts), or for json and
// yaml one ListAccountsResponse with the accounts of all pages (nextPageToken empty). When the
// control plane cannot be reached and no --server was given, prints AccountsFromConfig of the
// config (with every layer the server reads) in the same shapes, the live fields absent, and one
// line on `err` saying that live state is unavailable and why. Returns kExitOk, or kExitFailure
// with one line on `err` (a server that refuses the call; a config file that cannot be loaded).
int RunAccounts(const AccountsArgs& args, const config::EnvLookup& env, std::ostream& out,
                std::ostream& err);

}  // namespace maxpool::app
