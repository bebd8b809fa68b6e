#pragma once

// How old an account's quota reading is (spec §12.2). A reading comes from the rate-limit headers
// of its own traffic or from a usage probe; the newer of the two is the reading's age. Pure
// functions; safe from any thread.

#include <optional>

#include "absl/time/time.h"
#include "core/quota.h"

namespace maxpool::core {

// When the quota was last read, by a response's headers or a probe; nullopt if never.
std::optional<absl::Time> QuotaReadAt(const QuotaReading& quota);

// A reading older than this is stale: max(3 x the probe interval, 180 s).
absl::Duration QuotaStaleAfter(absl::Duration probe_interval);

// Whether a reading exists and is older than QuotaStaleAfter(). A never-read account is unknown,
// not stale.
bool QuotaStale(const QuotaReading& quota, absl::Time now, absl::Duration probe_interval);

// Whether the account's own traffic read its quota within `within` (a probe would learn
// nothing new, so the prober leaves it alone).
bool QuotaFreshFromTraffic(const QuotaReading& quota, absl::Time now, absl::Duration within);

}  // namespace maxpool::core
