#pragma once

// The live pool as maxpool.v1 telemetry messages (telemetry.proto): an account's snapshot (state
// with its end, quota windows, weekly tier, load), and a pool event as a v1::Event. Pure
// functions; no secret is ever read.

#include "absl/time/time.h"
#include "core/account.h"
#include "core/settings.h"
#include "maxpool/v1/telemetry.pb.h"
#include "pool/account_state.h"
#include "pool/pool_event.h"

namespace maxpool::control {

v1::AccountState ToProto(pool::AccountState state);
v1::AccountType ToProto(core::AccountType type);

// `account` at `now` as the scheduler with `settings` sees it.
v1::AccountSnapshot SnapshotOf(const core::Account& account,
                               const core::SchedulerSettings& settings, absl::Time now);

// `event` as a v1::Event (account names as `accounts/{account}`).
v1::Event EventOf(const pool::PoolEvent& event);

// The EventKind of the pool for a v1 one; false for EVENT_KIND_UNSPECIFIED or unknown values.
bool FromProto(v1::EventKind kind, pool::EventKind* out);

}  // namespace maxpool::control
