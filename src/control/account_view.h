#pragma once

// One maxpool.v1.Account as the control plane shows it: an account of the live pool (its routing
// settings and state) joined with its config file entry (display name, identity, expiry, refresh
// token presence) and its credential, of which only the fingerprint is shown. Pure functions;
// thread-safe. Never copies a secret into the result.

#include <string_view>

#include "absl/time/time.h"
#include "core/account.h"
#include "core/settings.h"
#include "maxpool/v1/accounts.pb.h"
#include "maxpool/v1/config.pb.h"
#include "pool/credential.h"

namespace maxpool::control {

struct AccountParts {
  // The account in the pool (Pool::Snapshot()); null for a config entry the pool does not run
  // (the view then has no state and no load).
  const core::Account* live = nullptr;
  // Its `accounts[]` entry; null for accounts that are not in it (providers[], header-created).
  const v1::AccountConfig* entry = nullptr;
  // Its credential (Pool::Credentials()); null when unknown. Only its fingerprint is used.
  const pool::Credential* credential = nullptr;
  // The pool's default upstream (config `upstream`, no trailing '/'): a credential whose upstream
  // differs from it shows it as the account's override.
  std::string_view default_upstream;
};

// The account named `id` (the pool's name, = the config entry's name) as of `now`. `settings` are
// the pool's scheduler settings (Pool::options().scheduler), for the state.
// REQUIRES: parts.live or parts.entry is set.
v1::Account MakeAccountView(std::string_view id, const AccountParts& parts,
                            const core::SchedulerSettings& settings, absl::Time now);

}  // namespace maxpool::control
