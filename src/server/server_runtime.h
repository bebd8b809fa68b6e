#pragma once

// One running maxpool server, in-process: the pool built from the config file, the OAuth
// refresher, the data plane, config hot-sync, and the gRPC control plane, wired together, with
// the admin listener (/metrics, /livez, /readyz) and the graceful drain of docs/architecture.md
// "Drain". `maxpool server` runs one; tests run the same wiring in-process.
//
// Drain: Drain() (the control plane's LifecycleService.Drain, or a signal through
// RunServer) turns gRPC health NOT_SERVING and /readyz 503 at once, starts the data plane's drain
// with the accept grace, and publishes DrainProgress events (at its start, every second, at its
// end). When nothing is in flight any more (and the grace is over), or at the deadline, after the
// data plane has ended the rest (streams get an SSE error event), the drain is done:
// WaitForDrained() returns, and the caller stops the runtime and exits 0.
//
// Thread safety: every public method may be called from any thread.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "admin/admin_server.h"
#include "admin/event_metrics.h"
#include "admin/metrics.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "cluster/account_share.h"
#include "cluster/fleet_leases.h"
#include "cluster/probe_turn.h"
#include "cluster/redis_refresh_lock.h"
#include "config/config_path.h"
#include "config/config_store.h"
#include "config/token_store.h"
#include "control/control_auth.h"
#include "control/control_server.h"
#include "control/server_hooks.h"
#include "core/clock.h"
#include "credentials/login_flow.h"
#include "logging/event_log.h"
#include "logging/pool_event_log.h"
#include "logging/request_file_log.h"
#include "pool/pool.h"
#include "pool/state_file.h"
#include "pool/state_store.h"
#include "proxy/proxy_server.h"
#include "redis/redis_client.h"
#include "server/hot_sync.h"
#include "server/oauth_wiring.h"
#include "server/quota_prober.h"
#include "server/state_keeper.h"

namespace maxpool::server {

struct RuntimeOptions {
  std::filesystem::path config_path;
  std::optional<int> port;          // overrides proxy.port (0 = any free port)
  std::optional<int> control_port;  // overrides control.port (0 = any free port)
  std::optional<int> admin_port;    // overrides admin.port (0 = any free port)
  // Operational lines (drain, hot-sync, refresh), one per call, already redacted. They also go
  // to the persistent event log, `<config file without extension>.log` (spec §11.2), unless the
  // config says `eventLog: false`.
  std::function<void(const std::string&)> log;
  // Each finished request (the activity log).
  std::function<void(const proxy::RequestLogLine&)> on_request;
  // Also append each finished request's activity line to the event log (spec §11.2 does so when
  // the live view owns the terminal, so that the lines are kept somewhere).
  bool event_log_requests = false;
  // `--log-to DIR`: one file per request (spec §11.1); overrides the config's logDir.
  std::optional<std::filesystem::path> log_dir;
  // Disables config file watching (tests that edit the file themselves). Default on.
  bool hot_sync = true;
  // The environment (config/env_settings.h, MAXPOOL_STATE_DIR, the account sources); null: the
  // process's.
  config::EnvLookup env;
};

class ServerRuntime final : public control::ServerHooks {
 public:
  // Loads the config, builds and starts everything. Errors (one line that says what to do): the
  // config's, "no accounts", a listener that cannot be bound, a refused control plane.
  static absl::StatusOr<std::unique_ptr<ServerRuntime>> Start(RuntimeOptions options);
  ~ServerRuntime() override;  // Stop()

  ServerRuntime(const ServerRuntime&) = delete;
  ServerRuntime& operator=(const ServerRuntime&) = delete;

  uint16_t proxy_port() const { return proxy_->port(); }
  // 0 when control.enabled is false.
  uint16_t control_port() const { return control_ ? control_->port() : 0; }
  uint16_t admin_port() const { return admin_->port(); }
  // Waits until the metrics have seen every event published so far (tests).
  bool FlushMetrics() { return event_metrics_->Flush(); }
  pool::Pool& pool() { return *pool_; }
  // Cluster mode's view of the fleet; null outside cluster mode.
  const cluster::FleetLeases* fleet() const { return fleet_.get(); }
  const std::vector<std::string>& warnings() const { return warnings_; }
  const v1::Config& config() const { return config_; }

  // Blocks until a drain has finished; false when `timeout` passed first.
  bool WaitForDrained(absl::Duration timeout = absl::InfiniteDuration());
  bool draining() const;
  // Stops everything at once (streams are cut). Idempotent.
  void Stop();

  // control::ServerHooks.
  control::ServerStatusView Status() override;
  control::DrainStarted Drain(absl::Duration deadline, absl::Duration accept_grace) override;
  absl::Duration DefaultDrainDeadline() override;
  absl::Status ReloadConfig() override;
  void ApplyConfig(const v1::Config& config) override;
  absl::StatusOr<credentials::TokenSet> RefreshNow(const std::string& account) override;

 private:
  explicit ServerRuntime(RuntimeOptions options);
  absl::Status Init();
  // The store of the pool's memory that `state` names (state_store_, and redis_ for Redis).
  absl::Status OpenStateStore(const std::filesystem::path& state_dir);
  void DrainLoop(absl::Time deadline, absl::Time accept_until);
  void Log(const std::string& line) const;

  const RuntimeOptions options_;
  core::SystemClock clock_;
  // Where control-plane calls wait for coroutines (RefreshNow). It outlives the refresher, which
  // may release a waiter's timer here after the wait is over.
  boost::asio::io_context waits_ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> waits_work_{
      waits_ioc_.get_executor()};
  std::thread waits_thread_;
  v1::Config config_;
  std::vector<std::string> warnings_;
  absl::Time start_time_;
  std::unique_ptr<pool::Pool> pool_;
  // What the pool learned, kept across restarts: the state file of the state directory, or
  // Redis (state.backend "redis", through redis_).
  std::unique_ptr<redis::RedisClient> redis_;
  std::unique_ptr<pool::StateStore> state_store_;
  // Cluster mode (state.backend "redis"): every lease also holds a fleet-wide slot. Set as the
  // pool's gate; goes after the proxy's last request.
  std::unique_ptr<cluster::FleetLeases> fleet_;
  // Cluster mode: one refresher per OAuth account fleet-wide (the refresher's coordinator);
  // goes after the refresher.
  std::unique_ptr<cluster::RedisRefreshLock> refresh_lock_;
  // Cluster mode: accounts added, changed or removed on any replica reach this one's config.
  std::unique_ptr<cluster::AccountShare> account_share_;
  // Cluster mode: the usage probes' turn (the prober asks it before each sweep); outlives it.
  std::unique_ptr<cluster::ProbeTurn> probe_turn_;
  std::unique_ptr<StateKeeper> state_keeper_;
  std::unique_ptr<config::ConfigStore> store_;
  std::unique_ptr<config::TokenStore> token_store_;
  // Told about each save of the config file (ConfigStore::SetOnSaved); null while not there.
  std::atomic<OAuthWiring*> saves_oauth_{nullptr};
  std::atomic<HotSync*> saves_sync_{nullptr};
  // Declared before the refresher's owner: the refresher is destroyed first (its waiters may
  // hold timers on the prober's executor); Stop() ends the probing before either goes.
  std::unique_ptr<QuotaProber> prober_;
  std::unique_ptr<OAuthWiring> oauth_;
  std::unique_ptr<credentials::LoginFlow> login_flow_;
  std::unique_ptr<proxy::ProxyServer> proxy_;
  std::unique_ptr<HotSync> hot_sync_;
  std::unique_ptr<control::ControlAuth> auth_;
  std::unique_ptr<control::ControlServer> control_;
  std::unique_ptr<admin::Metrics> metrics_;
  std::unique_ptr<admin::EventMetrics> event_metrics_;
  std::unique_ptr<admin::AdminServer> admin_;
  // The persistent event log next to the config file (spec §11.2); null when eventLog is false
  // or the file cannot be opened.
  std::unique_ptr<logging::EventLog> event_log_;
  // Account state changes, failovers, failed refreshes and holds, into Log().
  std::unique_ptr<logging::PoolEventLog> pool_event_log_;
  // The per-request files of `--log-to` (spec §11.1); null when off. Shared with the proxy's
  // options; released after the proxy, so every finished request is written.
  std::shared_ptr<logging::RequestFileLog> request_log_;

  mutable absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool drained_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time drain_deadline_ ABSL_GUARDED_BY(mu_);
  std::thread drain_thread_;
};

}  // namespace maxpool::server
