#pragma once

// The routing cost of one account for one request (spec §2.5): lower is better. Additive terms,
// each weighted by SchedulerSettings, so an operator can tune one concern without touching the
// others. Pure: the caller supplies the account's recent share of fleet traffic and, for a
// weekly-critical account, the cost of the situational unlock (§2.6) if one applies.

#include <optional>

#include "absl/time/time.h"
#include "core/account.h"
#include "core/request_info.h"
#include "core/settings.h"
#include "core/weekly.h"

namespace maxpool::core {

struct ScoreBreakdown {
  double concurrency = 0;
  double cap_penalty = 0;
  double pace = 0;
  double utilization = 0;
  double scoped_pace = 0;
  double spread = 0;
  double recovery_ramp = 0;
  double reserve = 0;
  double critical = 0;
  double failures = 0;

  double total() const {
    return concurrency + cap_penalty + pace + utilization + scoped_pace + spread + recovery_ramp +
           reserve + critical + failures;
  }
};

struct ScoreInputs {
  absl::Time now;
  double share = 0;  // the account's 15-minute weight / the fleet's, 0 when the fleet's is 0
  std::optional<double> critical_unlock_cost;  // set when the account is critical and unlocked
  std::optional<WeeklyTier> raw_weekly;        // the account's raw weekly state, if known
};

// Scarcity across every known window (§2.5 `scarcity`).
double Scarcity(const Account& account, absl::Time now);

// Raw session utilisation plus pace-adjusted weekly usage (§2.5 `rawUtil`).
double RawUtilization(const Account& account, const SchedulerSettings& settings, absl::Time now);

// §2.5.1: < 1 only for a provider proven to have no weekly window and a low session reading.
double FastRefillMultiplier(const Account& account, const SchedulerSettings& settings);

ScoreBreakdown Score(const Account& account, const RequestInfo& request,
                     const SchedulerSettings& settings, const ScoreInputs& inputs);

}  // namespace maxpool::core
