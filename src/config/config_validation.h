#pragma once

// The semantic rules of a config that the schema cannot state: ranges, enum strings, unique
// names, ordered thresholds (spec §0.3, §1.1, §2.4, §6.5, §6.7). Values that the reference
// tolerates are normalised with a warning instead of failing. Pure functions; thread-safe.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "maxpool/v1/config.pb.h"

namespace maxpool::config {

// Checks `config` (defaults already back-filled) and normalises it in place:
//   * switchThreshold 0 becomes 0.90 (spec §0.3);
//   * an account capUtilization outside (0, 1) is removed: no cap (spec §1.1);
//   * routing.mode "preferred" without a usable routing.preferredAccount becomes "automatic",
//     and a preferredAccount naming no account is reported (spec §6.7);
//   * malformed peak windows, which never match (spec §12.3), are reported;
//   * accounts without their credential are reported as skipped (spec §1.1), not removed.
// Each normalisation appends one warning "<key path>: <what happens>".
// Error: InvalidArgument "<key path>: <reason>" for the first rule broken, e.g.
// "proxy.port: must be between 1 and 65535, got 70000". No secret is ever quoted.
[[nodiscard]] absl::Status ValidateConfig(v1::Config& config, std::vector<std::string>& warnings);

// Whether the account carries the credential its type needs (spec §1.1): oauth accessToken,
// apikey apiKey, provider authToken or apiKey. Accounts without one are skipped at startup.
bool HasCredential(const v1::AccountConfig& account);

}  // namespace maxpool::config
