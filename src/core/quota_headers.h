#pragma once

// Reading one account's QuotaReading from upstream response headers (spec §3.1), expiring its
// windows (§3.6) and maintaining the per-model weekly limits (§3.4). Plain functions over a
// QuotaReading the caller owns and serialises; time comes only from the `now` arguments.

#include <array>
#include <optional>

#include "absl/time/time.h"
#include "core/header_source.h"
#include "core/model_family.h"
#include "core/quota.h"

namespace maxpool::core {

// A utilization at or above this is exhausted (§2.4, §3.1, §3.4).
inline constexpr double kExhaustedUtilization = 0.999;

// Applies every quota header of one response, any status, any account (§3.1):
// - unified 5h/7d utilization -> `unified_*_raw` = v and `unified_*` = clamp01(v);
// - unified 5h/7d reset -> ParseReset;
// - unified-status -> allowed / allowed_warning / rejected, except that `rejected` is stored as
//   kAllowed unless unified_5h or unified_7d (after this update) is >= 0.999 (§14 item 18);
// - API-key tokens/requests limit and remaining (ints); `resets_at` from tokens-reset, else
//   requests-reset (the first that parses);
// - generic provider x-ratelimit-* lists: the first header present in each list wins, its first
//   comma-separated element parsed as an int (reset via ParseReset).
// A value that does not parse keeps the previous value. Returns true when any utilization,
// limit or remaining header was present, and then sets `last_header_quota_at = now`.
bool ApplyResponseHeaders(QuotaReading& quota, const HeaderSource& headers, absl::Time now);

// Which windows ClearExpiredWindows() cleared, for logging ("session quota reset", ...).
struct ClearedWindows {
  bool session = false;             // unified 5h
  bool weekly = false;              // unified 7d (and the unified status)
  std::array<bool, 4> scoped = {};  // by FamilyIndex()
  bool api_key = false;             // tokens/requests limits
  bool any() const {
    return session || weekly || api_key || scoped[0] || scoped[1] || scoped[2] || scoped[3];
  }
};

// §3.6 clearExpiredQuotas, quota part: once now >= its reset, clears unified 5h (value, raw and
// reset); unified 7d (value, raw, reset and `unified_status`); each scoped weekly entry with
// reset_at <= now; and, when now >= `resets_at`, the API-key limits, remainings and
// `resets_at`. A window without a reset never expires here. Returns what was cleared.
ClearedWindows ClearExpiredWindows(QuotaReading& quota, absl::Time now);

// §3.4: a model-scoped 429 writes {utilization 1, reset now + retry_after, severity "critical",
// active, reactive} for `family`. No-op for kNone.
void RecordModelScopedLimit(QuotaReading& quota, ModelFamily family, absl::Duration retry_after,
                            absl::Time now);

// §3.4: true iff `family` is known and its entry is active with utilization >= `threshold`
// (the scheduler's weeklyExhaustedThreshold, 0.999 by default). The severity label alone never
// benches. Expiry is ClearExpiredWindows()'s job.
bool ScopedWeeklyExhausted(const QuotaReading& quota, ModelFamily family, double threshold);

// §3.4 and §14 item 20: a successful usage probe replaces the scoped map, except that a reactive
// entry whose reset is still in the future is kept when the probe omits its family or reports a
// lower utilization than it.
void MergeProbedScopedWeekly(QuotaReading& quota,
                             const std::array<std::optional<ScopedWeekly>, 4>& probed,
                             absl::Time now);

}  // namespace maxpool::core
