#pragma once

// Whether a request that cannot be served now is held until capacity returns, for how long, and
// what the client is told when it is not (spec §5.1, §5.2, §5.6). Pure functions: the hold queue
// in src/pool applies them.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/request_info.h"
#include "core/retry_plan.h"
#include "core/router.h"
#include "core/settings.h"

namespace maxpool::core {

// The hold window W of §5.2 for a request held for `cause` when the oracle says `plan_cause`.
absl::Duration HoldWindow(const RequestInfo& request, HoldCause cause, RetryCause plan_cause,
                          const QueueSettings& queue);

// How long a request may soak network failures before giving up (§5.1): streaming max(60 s,
// network max wait), non-streaming 45 s.
absl::Duration NetworkSoakBudget(const RequestInfo& request, const QueueSettings& queue);

struct HoldContext {
  absl::Time now;
  std::optional<absl::Time> queue_started_at;       // first hold of this request, if any
  std::optional<absl::Time> network_soak_deadline;  // stamped at the first network failure
  bool response_started = false;  // bytes other than heartbeats reached the client
};

enum class HoldRefusal {
  kNone,
  kQueueDisabled,
  kBodyTooLarge,
  kResponseStarted,
  kProxyError,
  kNetworkSoakExpired,
  kWeeklyResetUnknown,
  kNotWithinWindow,
};

struct HoldDecision {
  bool hold = false;
  HoldRefusal refusal = HoldRefusal::kNone;
  absl::Duration window;  // W
  absl::Time deadline;    // queue_started_at (or now) + W, when held
};

HoldDecision DecideHold(const RequestInfo& request, HoldCause cause, const RetryPlan& plan,
                        const QueueSettings& queue, const HoldContext& context);

// `retry-after` seconds for an error the proxy makes: max(1, ceil(retry_after)) when finite,
// else 60 (§5.6).
int RetryAfterSeconds(const RetryPlan& plan);

// "45s", "12m", "3h", "2d" (§5.6 rounding).
std::string FormatWait(absl::Duration wait);

// The honest message of §5.6 (variants 4–6): which accounts are out, why, and when the soonest
// one returns. `recovering` is false when capacity will not return within the hold window.
std::string HonestMessage(const UnavailabilityCensus& census, const RetryPlan& plan,
                          bool recovering, absl::Time now);

}  // namespace maxpool::core
