#pragma once

// `maxpool drain [--deadline D] [--accept-grace D] [--wait]`: starts the graceful drain of the
// running server (LifecycleService.Drain) and prints its deadline and the requests in flight.
// With --wait it follows the drain (TelemetryService.WatchEvents, DrainProgress only) until it is
// done, then waits for the server to go away, and exits 0. Stateless.

#include <optional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "config/config_path.h"
#include "control_client/control_client.h"
#include "maxpool/v1/lifecycle.pb.h"
#include "maxpool/v1/telemetry.pb.h"

namespace maxpool::app {

struct DrainArgs {
  control_client::ControlOptions control;
  std::optional<absl::Duration> deadline;      // --deadline D; absent = the server's default
  std::optional<absl::Duration> accept_grace;  // --accept-grace D; absent = none
  bool wait = false;                           // --wait
  // How long --wait waits for the server to go away after the drain is done (or, when the
  // watch ended early, after the drain's deadline).
  absl::Duration exit_timeout = absl::Seconds(30);
};

// The help of `maxpool drain` (ends with a newline).
std::string DrainUsageText();

// The checks the server would make that need no server: a deadline from 1s to 24h, an accept
// grace shorter than the deadline. InvalidArgument with a one-line reason otherwise.
absl::Status CheckDrainDurations(const std::optional<absl::Duration>& deadline,
                                 const std::optional<absl::Duration>& accept_grace);

// "draining: 3 requests in flight, deadline in 30s" (or "already draining: ..."), and the accept
// grace when there is one. Ends with a newline.
std::string FormatDrainStarted(const v1::DrainResponse& response, absl::Duration accept_grace,
                               absl::Time now);

// One progress report: "drain: 2 requests in flight (1 held), deadline in 25s"; the last one
// "drain: done, nothing in flight" or "drain: deadline reached, 2 requests in flight were ended".
// `now` is the event's time. Ends with a newline.
std::string FormatDrainProgress(const v1::DrainProgress& progress, absl::Time now);

// Returns kExitOk once the drain started (with --wait: once it is done and the server is gone),
// or kExitFailure with one line on `err`.
int RunDrain(const DrainArgs& args, const config::EnvLookup& env, std::ostream& out,
             std::ostream& err);

}  // namespace maxpool::app
