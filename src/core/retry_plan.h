#pragma once

// The retry oracle's answer (spec §2.8): whether a request can be routed now and, if not, when
// capacity is expected back and why. The hold policy decides from it whether to hold the request
// or answer with an honest error and `retry-after`.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace maxpool::core {

enum class RetryCause {
  kAvailable,
  kUpstreamThrottle,          // shared breaker open
  kUpstreamProbe,             // breaker expired, its probe is in flight
  kQueuedBehindFairness,      // FIFO gate: wait behind held requests
  kWeeklyCriticalLastResort,  // only a weekly-critical account can serve
  kRateLimited,
  kCooldown,
  kUpstreamFailure,  // provisional block after 429/529
  kSessionLimit,
  kTokenLimit,
  kRequestLimit,
  kProviderLimit,
  kPeakWindow,
  kWeeklyExhausted,
  kWeeklyCritical,
  kConcurrencyCap,
  kWeeklyResetUnknown,
  kUnavailable,
  kNoEligibleRoute,
  // Terminal per-account causes (never a time).
  kDisabled,
  kError,
  kExhausted,
};

// snake_case, as in the reference's logs and our metrics ("session_limit", ...).
std::string_view RetryCauseName(RetryCause cause);

struct RetryPlan {
  bool available = false;
  // nullopt = not within any known time ("Infinity" in the reference).
  std::optional<absl::Duration> retry_after;
  RetryCause cause = RetryCause::kUnavailable;
};

// Why each enabled Claude account cannot serve right now (§2.8 census), for error wording.
struct AccountOutage {
  std::string name;
  RetryCause cause;
  std::optional<absl::Time> until;
};
struct UnavailabilityCensus {
  int eligible = 0;  // enabled, not failed
  int quota = 0;
  int transient = 0;
  int network = 0;
  int errored = 0;
  int other = 0;
  int disabled = 0;
  enum class Dominant { kNone, kQuota, kTransient, kOther } dominant = Dominant::kNone;
  std::vector<AccountOutage> outages;
};

}  // namespace maxpool::core
