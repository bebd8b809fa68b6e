#pragma once

// What the core knows about one account's remaining quota (spec §1.2 `quota`, §3). Filled from
// upstream response headers (quota_headers.h), usage probes and provider bodies; read by the
// scheduler. Plain data: the owner of the account serialises access.

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "core/model_family.h"

namespace maxpool::core {

// anthropic-ratelimit-unified-status.
enum class UnifiedStatus { kUnknown, kAllowed, kAllowedWarning, kRejected };

// A per-model weekly limit (spec §3.4).
struct ScopedWeekly {
  double utilization = 0;  // 0..1
  std::optional<absl::Time> reset_at;
  std::string severity;  // Anthropic's label; informational only
  bool is_active = true;
  bool reactive = false;  // written by a model-scoped 429, not by a probe
};

struct QuotaReading {
  // Subscription (OAuth) unified windows. `*_raw` keeps the unclamped value.
  std::optional<double> unified_5h;
  std::optional<double> unified_7d;
  std::optional<double> unified_5h_raw;
  std::optional<double> unified_7d_raw;
  std::optional<absl::Time> unified_5h_reset;
  std::optional<absl::Time> unified_7d_reset;
  UnifiedStatus unified_status = UnifiedStatus::kUnknown;
  // Per model family, indexed by FamilyIndex().
  std::array<std::optional<ScopedWeekly>, 4> scoped_weekly;
  bool weekly_absent = false;  // the last good probe proved there is no weekly window

  // API-key limits. `resets_at` is the tokens reset, else the requests reset.
  std::optional<int64_t> tokens_limit;
  std::optional<int64_t> tokens_remaining;
  std::optional<int64_t> requests_limit;
  std::optional<int64_t> requests_remaining;
  std::optional<absl::Time> resets_at;

  // Generic provider x-ratelimit-* family.
  std::optional<int64_t> generic_limit;
  std::optional<int64_t> generic_remaining;
  std::optional<absl::Time> generic_reset;

  // Provider (GLM/Kimi) usage from their monitor endpoints.
  std::optional<double> provider_ses;
  std::optional<double> provider_wk;
  std::optional<absl::Time> provider_ses_reset;
  std::optional<absl::Time> provider_wk_reset;

  std::optional<absl::Time> last_probe_ok_at;
  std::optional<absl::Time> last_header_quota_at;
};

// Length of the quota windows.
inline constexpr absl::Duration kSessionWindow = absl::Hours(5);
inline constexpr absl::Duration kWeekWindow = absl::Hours(7 * 24);

}  // namespace maxpool::core
