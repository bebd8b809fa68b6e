#pragma once

// The quota windows of one reading, as operators see them (telemetry, metrics, the demo): each
// window the account reported, with its utilization (0..1, above 1 when over) and reset. A
// subscription's 5h/7d windows use the raw utilization when the reading kept one; API-key limit
// windows are 1 - remaining/limit and carry the limit and what remains. Pure; thread-safe.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "core/quota.h"

namespace maxpool::core {

enum class QuotaWindowKind {
  kFiveHour,
  kSevenDay,
  kTokens,
  kRequests,
  kProviderSession,
  kProviderWeek
};

// "5h", "7d", "tokens", "requests", "provider_session", "provider_week".
std::string_view QuotaWindowName(QuotaWindowKind kind);

struct QuotaWindow {
  QuotaWindowKind kind;
  double utilization = 0;
  std::optional<absl::Time> reset;
  std::optional<int64_t> limit;      // limit windows only
  std::optional<int64_t> remaining;  // limit windows only
};

// In the order of QuotaWindowKind; windows the reading does not have are left out.
std::vector<QuotaWindow> QuotaWindowsOf(const QuotaReading& q);

}  // namespace maxpool::core
