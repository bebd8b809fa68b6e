#pragma once

// `maxpool status`: the running server at a glance, from LifecycleService.GetStatus and
// TelemetryService.GetPoolSnapshot: version, uptime, config, listeners, drain, load, routing, and
// one line per account (state, 5-hour and 7-day utilization with their reset countdowns, requests
// in flight). Stateless.

#include <ostream>
#include <string>

#include "absl/time/time.h"
#include "app/output_format.h"
#include "config/config_path.h"
#include "control_client/control_client.h"
#include "maxpool/v1/lifecycle.pb.h"
#include "maxpool/v1/telemetry.pb.h"

namespace maxpool::app {

// The help of `maxpool status` (ends with a newline).
std::string StatusUsageText();

// The status as people read it; `now` dates the countdowns (the snapshot's time, so that the
// client's clock does not matter). Ends with a newline.
std::string FormatStatus(const v1::GetStatusResponse& status, const v1::PoolSnapshot& snapshot,
                         absl::Time now);

// One line per account of `snapshot` under a header (NAME, STATE, 5H, 7D, IN FLIGHT); nothing
// when the pool is empty.
std::string FormatAccountTable(const v1::PoolSnapshot& snapshot, absl::Time now);

// Connects, asks, prints as `format`: text (FormatStatus), or for json and yaml the
// GetStatusResponse alone (no snapshot is asked for). Returns kExitOk, or kExitFailure with one
// line on `err`.
int RunStatus(const control_client::ControlOptions& options, OutputFormat format,
              const config::EnvLookup& env, std::ostream& out, std::ostream& err);

}  // namespace maxpool::app
