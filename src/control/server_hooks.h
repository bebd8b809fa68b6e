#pragma once

// What the control plane needs from the process that runs it (the app implements this, so that
// control does not depend on app; docs/architecture.md: app -> control -> pool). Every method may
// be called from any gRPC thread and must not block the data plane.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "credentials/oauth_messages.h"
#include "maxpool/v1/config.pb.h"
#include "maxpool/v1/lifecycle.pb.h"

namespace maxpool::control {

// Cluster mode as this replica sees it (cluster::FleetView).
struct ClusterStatusView {
  std::string replica;
  bool connected = false;
  std::vector<std::string> replicas;
  std::optional<absl::Time> degraded_since;
  std::string error;
};

struct ServerStatusView {
  std::string version;
  absl::Time start_time;
  std::vector<v1::Listener> listeners;
  bool draining = false;
  absl::Time drain_deadline;  // meaningful while draining
  int in_flight = 0;          // client requests in the data plane, held ones included
  int held = 0;
  std::string config_path;
  std::optional<ClusterStatusView> cluster;  // cluster mode only
};

struct DrainStarted {
  absl::Time deadline;
  int in_flight = 0;
  bool already_draining = false;
};

class ServerHooks {
 public:
  virtual ~ServerHooks() = default;

  virtual ServerStatusView Status() = 0;
  // Starts the drain of docs/architecture.md "Drain"; returns at once. A drain already in progress
  // is returned unchanged (already_draining).
  virtual DrainStarted Drain(absl::Duration deadline, absl::Duration accept_grace) = 0;
  // The config's shutdown.drainTimeoutMs.
  virtual absl::Duration DefaultDrainDeadline() = 0;
  // Loads the config file and applies it to the live pool, synchronously. Errors: the loader's
  // (an invalid file changes nothing).
  virtual absl::Status ReloadConfig() = 0;
  // Applies a config the control plane has just written to the live pool, synchronously, so
  // that the response reflects it.
  virtual void ApplyConfig(const v1::Config& config) = 0;
  // Forces a refresh of an OAuth account's access token now and waits for it (persisted before
  // it returns). Errors: NotFound for an account the refresher does not track (not OAuth, or
  // no refresh token); FailedPrecondition when the refresh failed (the message says why; never
  // a token).
  virtual absl::StatusOr<credentials::TokenSet> RefreshNow(const std::string& account) = 0;
};

}  // namespace maxpool::control
