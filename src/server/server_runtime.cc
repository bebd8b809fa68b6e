#include "server/server_runtime.h"

#include <unistd.h>

#include <cstdio>
#include <future>
#include <random>

#include "absl/strings/str_cat.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/use_future.hpp"
#include "cluster/redis_state_store.h"
#include "config/account_names.h"
#include "config/config_loader.h"
#include "config/config_path.h"
#include "config/config_sources.h"
#include "config/core_settings.h"
#include "control/control_services.h"
#include "credentials/redact.h"
#include "logging/request_log.h"
#include "server/pool_from_config.h"
#include "server/readiness.h"

namespace maxpool::server {
namespace {

// How often the drain looks at what is left, and reports it.
constexpr absl::Duration kDrainPoll = absl::Milliseconds(50);
constexpr absl::Duration kDrainReport = absl::Seconds(1);
// After the deadline's abort, how long the aborted exchanges get to finish writing.
constexpr absl::Duration kAbortSettle = absl::Seconds(2);

v1::Listener MakeListener(v1::ListenerKind kind, const std::string& host, uint16_t port, bool tls) {
  v1::Listener listener;
  listener.set_kind(kind);
  listener.set_address(host.find(':') != std::string::npos ? absl::StrCat("[", host, "]:", port)
                                                           : absl::StrCat(host, ":", port));
  listener.set_tls(tls);
  return listener;
}

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// The pool's name in Redis (state.pool).
std::string PoolName(const v1::StateConfig& state) {
  return state.pool().empty() ? "default" : state.pool();
}

// /readyz's line about the fleet: degraded mode is said there, not made unready (it serves).
std::string ClusterDetail(const cluster::FleetView& fleet) {
  if (fleet.connected) {
    return absl::StrCat("cluster: replica ", fleet.replica_id, ", ", fleet.replicas_alive,
                        " replica(s) alive");
  }
  return absl::StrCat(
      "cluster: degraded",
      fleet.degraded_since
          ? absl::StrCat(" since ", absl::FormatTime(absl::RFC3339_sec, *fleet.degraded_since,
                                                     absl::UTCTimeZone()))
          : std::string(),
      ": Redis is out of reach (", fleet.last_error, "); replica ", fleet.replica_id,
      " serves alone within its share of each account's in-flight cap, and refreshes no OAuth "
      "token");
}

// The host name (a pod's name in Kubernetes), the process id and a random suffix: unique even
// when two replicas share a host and one restarts with a recycled pid.
std::string DefaultReplicaId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "maxpool");
  std::random_device random;
  return absl::StrCat(host, "-", getpid(), "-", absl::Hex(random() & 0xffff, absl::kZeroPad4));
}

}  // namespace

ServerRuntime::ServerRuntime(RuntimeOptions options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<ServerRuntime>> ServerRuntime::Start(RuntimeOptions options) {
  std::unique_ptr<ServerRuntime> runtime(new ServerRuntime(std::move(options)));
  if (absl::Status status = runtime->Init(); !status.ok()) return status;
  return runtime;
}

void ServerRuntime::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
  if (event_log_) event_log_->Append(line);
}

absl::Status ServerRuntime::Init() {
  start_time_ = absl::Now();
  waits_thread_ = std::thread([this] { waits_ioc_.run(); });
  const config::EnvLookup process_env = options_.env ? options_.env : config::ProcessEnv();
  // The config file, read-only account sources, the overlay and the environment, layered.
  absl::StatusOr<config::ConfigSources> sources =
      config::ResolveConfigSources(options_.config_path, process_env);
  if (!sources.ok()) return sources.status();
  absl::StatusOr<config::LoadedConfig> loaded = config::LoadLayered(*sources);
  if (!loaded.ok()) return loaded.status();
  warnings_ = loaded->warnings;
  config_ = std::move(loaded->config);
  const std::filesystem::path state_dir = config::StateDirFor(options_.config_path, process_env);
  {
    // A state directory named by MAXPOOL_STATE_DIR may not exist yet. When it cannot be made,
    // each file written there says so when it is written.
    std::error_code ec;
    std::filesystem::create_directories(state_dir, ec);
  }
  if (!sources->file_writable) {
    Log(absl::StrCat("the config file ", options_.config_path.string(),
                     " is read-only: changes made at run time go to ", sources->overlay.string()));
  }
  if (!config_.has_event_log() || config_.event_log()) {
    logging::EventLogOptions log_options;
    log_options.generations = logging::EventLogGenerationsFromEnv();
    const std::filesystem::path log_path =
        state_dir / config::EventLogPathFor(options_.config_path.filename());
    absl::StatusOr<std::unique_ptr<logging::EventLog>> event_log =
        logging::EventLog::Open(log_path, log_options);
    if (event_log.ok()) {
      event_log_ = std::move(*event_log);
    } else if (options_.log) {
      options_.log(absl::StrCat("warning: the event log is off: ", event_log.status().message()));
    }
  }
  if (const std::string& host = config_.proxy().host();
      !IsLoopbackHost(host) && config_.proxy().api_key().empty()) {
    Log(absl::StrCat("warning: the proxy listens on ", host,
                     " without a key: any client that can reach it spends the pool's quota; set "
                     "proxy.apiKey or MAXPOOL_PROXY_KEY_FILE"));
  }
  if (options_.port) config_.mutable_proxy()->set_port(*options_.port);
  if (options_.control_port) config_.mutable_control()->set_port(*options_.control_port);

  // Rotated OAuth pairs saved in the state directory win over older ones in the config file.
  const std::filesystem::path token_path =
      config::TokenStorePathFor(state_dir, options_.config_path);
  std::vector<std::string> token_warnings;
  absl::StatusOr<std::unique_ptr<config::TokenStore>> token_store =
      config::TokenStore::Open(token_path, &token_warnings);
  if (!token_store.ok()) return token_store.status();
  token_store_ = std::move(*token_store);
  for (const std::string& warning : token_warnings) Log(absl::StrCat("warning: ", warning));
  for (const std::string& name : config::ApplyStoredTokens(*token_store_, config_)) {
    Log(absl::StrCat("account ", name, ": using the OAuth tokens saved in ", token_path.string(),
                     " (newer than the config file's)"));
  }

  pool_ = MakePool(clock_, config_);
  // After the accounts of the file joined: their arrival is the "listening" line's count.
  pool_event_log_ = std::make_unique<logging::PoolEventLog>(
      pool_->events(), [this](const std::string& line) { Log(line); });
  // What the last run learned (quota readings, blocks, dead marks, session homes) comes back
  // before anything routes; from here on it is saved as it changes, and at the end.
  absl::flat_hash_map<std::string, std::string> uuids;
  for (int i = 0; i < config_.accounts_size(); ++i) {
    const v1::AccountConfig& account = config_.accounts(i);
    if (!account.account_uuid().empty()) {
      uuids[config::AccountNameOf(account, i)] = account.account_uuid();
    }
  }
  if (absl::Status store = OpenStateStore(state_dir); !store.ok()) return store;
  state_keeper_ = std::make_unique<StateKeeper>(
      *pool_, *state_store_, [uuids] { return uuids; },
      [this](const std::string& line) { Log(line); });
  state_keeper_->Restore();
  state_keeper_->Start();
  if (fleet_) {  // after the memory is back: the first requests route with the fleet's load
    fleet_->Start();
    pool_->SetFleetGate(fleet_.get());
    const cluster::FleetView view = fleet_->View();
    Log(absl::StrCat("the pool is shared in ", redis_->endpoint().Describe(), " as pool \"",
                     PoolName(config_.state()), "\" by ", view.replicas_alive,
                     " replica(s); this one is \"", view.replica_id, "\"",
                     view.connected ? ""
                                    : absl::StrCat(" (Redis is out of reach: ", view.last_error,
                                                   "; serving alone within its share)")));
  }
  // No account is a valid start (a fresh sidecar): the data plane explains itself, /readyz says
  // not ready, and the control plane can add one (CreateAccount, StartOAuthLogin).
  if (pool_->Snapshot().empty()) {
    Log(
        absl::StrCat("no accounts yet: add one with `maxpool login` (subscription), `maxpool login "
                     "--api` (API key) or the control plane; until then requests get a 503"));
  }
  // Re-reads see the rotated pairs of the token store, as this start did.
  sources->tokens = token_store_.get();
  absl::StatusOr<std::unique_ptr<config::ConfigStore>> store =
      config::ConfigStore::Create(*sources);
  if (!store.ok()) return store.status();
  store_ = std::move(*store);
  if (fleet_) {
    account_share_ = std::make_unique<cluster::AccountShare>(
        *redis_, absl::StrCat("{maxpool:", PoolName(config_.state()), "}"), *store_,
        [this](const std::string& line) { Log(line); });
  }
  auto log = [this](const std::string& line) { Log(credentials::Redact(line)); };
  absl::StatusOr<std::unique_ptr<OAuthWiring>> oauth =
      OAuthWiring::Create(clock_, config_, store_.get(), token_store_.get(), *pool_, log);
  if (!oauth.ok()) return oauth.status();
  oauth_ = std::move(*oauth);
  if (refresh_lock_) oauth_->refresher().SetCoordinator(refresh_lock_.get());
  saves_oauth_.store(oauth_.get());
  // After every save of the config file: unsaved token pairs are retried, and hot-sync re-reads
  // the file even if its next content matches one it read before (a stale edit that restores
  // what the file held before our own write must not go unseen).
  store_->SetOnSaved([this] {
    if (OAuthWiring* wiring = saves_oauth_.load()) wiring->ConfigSaved();
    if (HotSync* sync = saves_sync_.load()) sync->ReloadNow();
  });
  absl::StatusOr<std::unique_ptr<credentials::LoginFlow>> login_flow =
      credentials::LoginFlow::Create(
          credentials::ResolveOAuthEndpoints(config_.oauth(), config::ProcessEnv()));
  if (login_flow.ok()) {
    login_flow_ = std::move(*login_flow);
  } else {
    Log(absl::StrCat("remote OAuth login is off: ", login_flow.status().message()));
  }

  // Idle accounts' quota readings, kept fresh from the zero-spend usage endpoints (§12.2).
  const absl::Duration probe_interval = pool_->SchedulerSettings().quota_probe_interval;
  const std::optional<std::string> probe_off = process_env("MAXPOOL_DISABLE_QUOTA_PROBE");
  if (probe_interval > absl::ZeroDuration() && !(probe_off && *probe_off == "1")) {
    const credentials::OAuthEndpoints endpoints =
        credentials::ResolveOAuthEndpoints(config_.oauth(), process_env);
    QuotaProberOptions probe_options;
    probe_options.interval = probe_interval;
    // Without an explicit API base, each account's usage is read where its requests go.
    if (!config_.oauth().api_base_url().empty()) probe_options.usage_url = endpoints.usage_url();
    probe_options.ca_file = endpoints.ca_file;
    if (fleet_) {  // one replica sweeps at a time; the others read its findings from Redis
      probe_turn_ = std::make_unique<cluster::ProbeTurn>(
          *redis_, absl::StrCat("{maxpool:", PoolName(config_.state()), "}"),
          fleet_->View().replica_id, probe_options.interval);
      probe_options.may_sweep = [turn = probe_turn_.get()] { return turn->Mine(); };
    }
    absl::StatusOr<std::unique_ptr<QuotaProber>> prober =
        QuotaProber::Start(*pool_, &oauth_->refresher(), std::move(probe_options), log);
    if (!prober.ok()) return prober.status();
    prober_ = std::move(*prober);
  }

  auto observer = [this](const proxy::RequestLogLine& line) {
    if (options_.on_request) options_.on_request(line);
    if (options_.event_log_requests && event_log_)
      event_log_->Append(logging::FormatRequestLine(line));
    pool_->events().Publish(proxy::FinishedEvent(line));
  };
  proxy::ProxyOptions proxy_options = ProxyOptionsOf(config_);
  proxy_options.log = [this](const std::string& line) { Log(line); };
  std::optional<std::filesystem::path> log_dir = options_.log_dir;
  if (!log_dir && config_.has_log_dir() && !config_.log_dir().empty()) log_dir = config_.log_dir();
  if (log_dir) {
    logging::RequestFileLogOptions log_options;
    log_options.dir = *log_dir;
    log_options.log = [this](const std::string& line) { Log(line); };
    absl::StatusOr<std::shared_ptr<logging::RequestFileLog>> request_log =
        logging::RequestFileLog::Open(std::move(log_options));
    if (!request_log.ok()) return request_log.status();
    request_log_ = std::move(*request_log);
    proxy_options.request_sink = request_log_;
    Log(absl::StrCat("writing every request, bodies included, to ", log_dir->string(),
                     "; delete these files when done"));
  }
  absl::StatusOr<std::unique_ptr<proxy::ProxyServer>> proxy =
      proxy::ProxyServer::Start(*pool_, std::move(proxy_options), observer);
  if (!proxy.ok()) return proxy.status();
  proxy_ = std::move(*proxy);

  HotSyncOptions sync_options;
  sync_options.path = options_.config_path;
  const std::vector<std::filesystem::path> layer_paths = sources->Paths();
  sync_options.extra_paths.assign(layer_paths.begin() + 1, layer_paths.end());
  sync_options.load = [this] { return store_->Load(); };
  if (std::optional<std::string> watch = process_env("MAXPOOL_FILE_WATCH");
      watch && *watch == "poll") {
    sync_options.use_polling = true;
  }
  sync_options.startup_warnings = warnings_;
  if (config_.sync().accounts_interval_ms() > 0) {
    sync_options.poll_interval = std::chrono::milliseconds(config_.sync().accounts_interval_ms());
  }
  hot_sync_ = std::make_unique<HotSync>(std::move(sync_options), *pool_, oauth_.get(), config_,
                                        [this](const std::string& line) { Log(line); });
  if (options_.hot_sync) {
    saves_sync_.store(hot_sync_.get());
    if (absl::Status status = hot_sync_->Start(); !status.ok()) {
      Log(absl::StrCat("warning: config hot-sync is off: ", status.message()));
    }
  }
  // Cluster mode: the fleet's accounts come in through the config file, which hot-sync follows.
  if (account_share_) {
    account_share_->Start(config_.state().has_sync_interval_ms()
                              ? absl::Milliseconds(config_.state().sync_interval_ms())
                              : absl::Seconds(1));
  }

  // Metrics subscribe before the control plane can change anything.
  admin::MetricsOptions metrics_options;
  metrics_options.version = MAXPOOL_VERSION;
  metrics_options.draining = [this] { return draining(); };
  metrics_options.client_limits = [this] {
    const proxy::ClientAdmissionStats stats = proxy_->admission();
    admin::ClientLimitsView view;
    view.connections = stats.connections;
    view.buffered_bytes = stats.buffered_bytes;
    for (int i = 0; i < proxy::kClientRefusalKinds; ++i) {
      view.refused.emplace_back(proxy::ClientRefusalName(static_cast<proxy::ClientRefusal>(i)),
                                stats.refused[i]);
    }
    view.accept_errors = stats.accept_errors;
    return view;
  };
  if (fleet_) {
    metrics_options.cluster = [this] {
      const cluster::FleetView fleet = fleet_->View();
      return admin::ClusterMetricsView{fleet.connected, fleet.replicas_alive, fleet.claims,
                                       fleet.refusals, fleet.local_claims};
    };
  }
  metrics_ = std::make_unique<admin::Metrics>(*pool_, std::move(metrics_options));
  event_metrics_ = std::make_unique<admin::EventMetrics>(pool_->events(), *metrics_);
  event_metrics_->Start();
  admin::AdminOptions admin_options;
  if (config_.admin().has_host()) admin_options.host = config_.admin().host();
  if (config_.admin().has_port())
    admin_options.port = static_cast<uint16_t>(config_.admin().port());
  if (options_.admin_port) admin_options.port = static_cast<uint16_t>(*options_.admin_port);
  admin_options.draining = [this] { return draining(); };
  admin_options.log = [this](const std::string& line) { Log(line); };
  admin_options.not_ready = [this] { return NotReadyReason(pool_->Snapshot()); };
  if (fleet_) admin_options.detail = [this] { return ClusterDetail(fleet_->View()); };
  absl::StatusOr<std::unique_ptr<admin::AdminServer>> admin =
      admin::AdminServer::Start(*metrics_, std::move(admin_options));
  if (!admin.ok()) return admin.status();
  admin_ = std::move(*admin);

  const v1::ControlConfig& control = config_.control();
  if (!control.has_enabled() || control.enabled()) {
    auth_ = std::make_unique<control::ControlAuth>(control.token(), control.read_only_token());
    control::ControlEnv env;
    env.pool = pool_.get();
    env.store = store_.get();
    env.hooks = this;
    env.auth = auth_.get();
    env.login_flow = login_flow_.get();
    env.env = process_env;
    if (control.has_max_watch_streams()) env.max_watch_streams = control.max_watch_streams();
    control::ControlServerOptions server_options;
    server_options.host = control.has_host() ? control.host() : "127.0.0.1";
    server_options.port = static_cast<uint16_t>(control.has_port() ? control.port() : 3457);
    server_options.token_configured = !control.token().empty();
    server_options.tls_cert_file = control.tls().cert_file();
    server_options.tls_key_file = control.tls().key_file();
    server_options.tls_client_ca_file = control.tls().client_ca_file();
    absl::StatusOr<std::unique_ptr<control::ControlServer>> server =
        control::ControlServer::Start(server_options, control::MakeControlServices(env));
    if (!server.ok()) return server.status();
    control_ = std::move(*server);
  }
  return absl::OkStatus();
}

ServerRuntime::~ServerRuntime() {
  Stop();
  account_share_.reset();  // before the config store and Redis it uses
  // Everything that may still post to waits_ioc_ goes first.
  admin_.reset();
  event_metrics_.reset();
  metrics_.reset();
  control_.reset();
  saves_sync_.store(nullptr);
  hot_sync_.reset();
  proxy_.reset();
  if (fleet_) {  // after the last request gave its lease back
    pool_->SetFleetGate(nullptr);
    fleet_.reset();
  }
  request_log_.reset();  // after the proxy: writes every finished request
  saves_oauth_.store(nullptr);
  oauth_.reset();
  refresh_lock_.reset();  // after the refresher, whose refreshes take its turns
  pool_event_log_.reset();
  event_log_.reset();  // last of the loggers gone: writes what is left
  waits_work_.reset();
  waits_ioc_.stop();
  if (waits_thread_.joinable()) waits_thread_.join();
}

absl::Status ServerRuntime::OpenStateStore(const std::filesystem::path& state_dir) {
  const v1::StateConfig& state = config_.state();
  if (state.backend() != "redis") {
    state_store_ = std::make_unique<pool::StateFile>(
        config::StateFilePathFor(state_dir, options_.config_path));
    return absl::OkStatus();
  }
  absl::StatusOr<redis::RedisEndpoint> endpoint = redis::ParseRedisUrl(state.redis().url());
  if (!endpoint.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("state.redis.url: ", endpoint.status().message()));
  }
  if (!state.redis().password().empty()) endpoint->password = state.redis().password();
  redis::RedisClientOptions client_options;
  client_options.ca_file = state.redis().ca_file();
  if (state.redis().has_timeout_ms()) {
    client_options.timeout = std::chrono::milliseconds(state.redis().timeout_ms());
  }
  absl::StatusOr<std::unique_ptr<redis::RedisClient>> client =
      redis::RedisClient::Create(*std::move(endpoint), client_options);
  if (!client.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("state.redis: ", client.status().message()));
  }
  redis_ = *std::move(client);
  const std::string pool_name = PoolName(state);
  auto store = std::make_unique<cluster::RedisStateStore>(
      *redis_, pool_name, config::SchedulerSettingsOf(config_).session_idle);
  const std::string prefix = store->prefix();
  state_store_ = std::move(store);
  cluster::FleetOptions fleet_options;
  fleet_options.replica_id = state.replica().empty() ? DefaultReplicaId() : state.replica();
  if (state.has_lease_ttl_ms()) fleet_options.lease_ttl = absl::Milliseconds(state.lease_ttl_ms());
  if (state.has_sync_interval_ms()) {
    fleet_options.sync_interval = absl::Milliseconds(state.sync_interval_ms());
  }
  // Redis restarted empty: the memory goes back at once, not at the next change.
  fleet_options.log = [this](const std::string& line) { Log(line); };
  fleet_options.on_forgotten = [this] {
    if (state_keeper_) (void)state_keeper_->SaveNow(/*force=*/true);
  };
  absl::StatusOr<std::unique_ptr<cluster::FleetLeases>> fleet = cluster::FleetLeases::Create(
      redis_->endpoint(), client_options, prefix, *pool_, std::move(fleet_options));
  if (!fleet.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("state.redis: ", fleet.status().message()));
  }
  fleet_ = *std::move(fleet);
  cluster::RefreshLockOptions lock_options;
  lock_options.replica_id = fleet_->View().replica_id;
  lock_options.log = [this](const std::string& line) { Log(line); };
  absl::StatusOr<std::unique_ptr<cluster::RedisRefreshLock>> lock =
      cluster::RedisRefreshLock::Create(redis_->endpoint(), client_options, prefix,
                                        std::move(lock_options));
  if (!lock.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("state.redis: ", lock.status().message()));
  }
  refresh_lock_ = *std::move(lock);
  return absl::OkStatus();
}

void ServerRuntime::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
    drained_ = true;  // wakes WaitForDrained()
  }
  if (drain_thread_.joinable()) drain_thread_.join();
  // Watch streams get a moment to send what they have, then are cancelled.
  if (control_) control_->Shutdown(absl::Milliseconds(500));
  if (hot_sync_) hot_sync_->Stop();
  if (proxy_) proxy_->Stop();
  // After the last request released its account: the memory a restart starts from.
  if (prober_) prober_->Stop();
  if (account_share_) account_share_->Stop();
  if (fleet_) fleet_->Stop();
  if (state_keeper_) state_keeper_->Stop();
  if (admin_) admin_->Stop();
  if (event_metrics_) event_metrics_->Stop();
}

bool ServerRuntime::WaitForDrained(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return drained_; };
  if (timeout == absl::InfiniteDuration()) {
    mu_.Await(absl::Condition(&done));
    return true;
  }
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

bool ServerRuntime::draining() const {
  absl::MutexLock lock(&mu_);
  return draining_;
}

control::ServerStatusView ServerRuntime::Status() {
  control::ServerStatusView view;
  view.version = MAXPOOL_VERSION;
  view.start_time = start_time_;
  view.listeners.push_back(
      MakeListener(v1::LISTENER_KIND_DATA_PLANE, config_.proxy().host(), proxy_->port(), false));
  if (control_) {
    view.listeners.push_back(
        MakeListener(v1::LISTENER_KIND_CONTROL_PLANE,
                     config_.control().has_host() ? config_.control().host() : "127.0.0.1",
                     control_->port(), control_->tls()));
  }
  if (admin_) {
    view.listeners.push_back(MakeListener(
        v1::LISTENER_KIND_ADMIN, config_.admin().has_host() ? config_.admin().host() : "127.0.0.1",
        admin_->port(), false));
  }
  {
    absl::MutexLock lock(&mu_);
    view.draining = draining_;
    view.drain_deadline = drain_deadline_;
  }
  view.in_flight = proxy_->in_flight();
  view.held = pool_->waiting();
  view.config_path = options_.config_path.string();
  if (fleet_) {
    const cluster::FleetView fleet = fleet_->View();
    control::ClusterStatusView cluster;
    cluster.replica = fleet.replica_id;
    cluster.connected = fleet.connected;
    cluster.replicas = fleet.replicas;
    cluster.degraded_since = fleet.degraded_since;
    cluster.error = fleet.last_error;
    view.cluster = std::move(cluster);
  }
  return view;
}

absl::Duration ServerRuntime::DefaultDrainDeadline() {
  const int64_t ms =
      config_.shutdown().has_drain_timeout_ms() ? config_.shutdown().drain_timeout_ms() : 15000;
  return absl::Milliseconds(std::max<int64_t>(ms, 1000));
}

control::DrainStarted ServerRuntime::Drain(absl::Duration deadline, absl::Duration accept_grace) {
  control::DrainStarted started;
  absl::Time deadline_at;
  absl::Time accept_until;
  {
    absl::MutexLock lock(&mu_);
    started.in_flight = proxy_->in_flight();
    if (draining_ || stopped_) {
      started.deadline = drain_deadline_;
      started.already_draining = true;
      return started;
    }
    draining_ = true;
    const absl::Time now = absl::Now();
    deadline_at = now + deadline;
    accept_until = now + accept_grace;
    drain_deadline_ = deadline_at;
    started.deadline = deadline_at;
    if (control_) control_->SetNotServing();
    proxy_->BeginDrain(absl::ToChronoMilliseconds(accept_grace));
    drain_thread_ =
        std::thread([this, deadline_at, accept_until] { DrainLoop(deadline_at, accept_until); });
  }
  Log(absl::StrCat(
      "draining: waiting up to ", absl::FormatDuration(deadline), " for ", started.in_flight,
      " request(s) in flight",
      accept_grace > absl::ZeroDuration()
          ? absl::StrCat(", accepting new ones for ", absl::FormatDuration(accept_grace))
          : std::string()));
  return started;
}

void ServerRuntime::DrainLoop(absl::Time deadline, absl::Time accept_until) {
  auto report = [&](bool done) {
    pool::DrainProgress progress;
    progress.in_flight = proxy_->in_flight();
    progress.held = pool_->waiting();
    progress.deadline = deadline;
    progress.done = done;
    pool_->events().Publish(progress);
    return progress;
  };
  report(false);
  absl::Time next_report = absl::Now() + kDrainReport;
  absl::Time next_log = absl::Now() + absl::Seconds(5);
  bool aborted = false;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopped_) return;
    }
    const absl::Time now = absl::Now();
    if (proxy_->in_flight() == 0 && now >= accept_until) break;
    if (now >= deadline) {
      Log(absl::StrCat("drain deadline: ending ", proxy_->in_flight(),
                       " request(s) still in flight"));
      proxy_->AbortInFlight();
      aborted = true;
      const absl::Time settle_until = absl::Now() + kAbortSettle;
      while (proxy_->in_flight() > 0 && absl::Now() < settle_until) absl::SleepFor(kDrainPoll);
      break;
    }
    if (now >= next_report) {
      report(false);
      next_report = now + kDrainReport;
    }
    if (now >= next_log) {
      Log(absl::StrCat("draining: ", proxy_->in_flight(), " request(s) left"));
      next_log = now + absl::Seconds(5);
    }
    absl::SleepFor(kDrainPoll);
  }
  report(true);
  Log(aborted ? "drain finished at its deadline" : "drain finished: nothing left in flight");
  // Saved at the end of the drain, so a restart that follows routes as this run did.
  if (const absl::Status saved = state_keeper_->SaveNow(); !saved.ok()) {
    Log(absl::StrCat("warning: the learned quota was not saved at the drain: ", saved.message()));
  }
  // Subscribers get the last report before the control plane goes away.
  pool_->events().Flush();
  absl::MutexLock lock(&mu_);
  drained_ = true;
}

absl::Status ServerRuntime::ReloadConfig() {
  absl::StatusOr<config::LoadedConfig> loaded = store_->Load();
  if (!loaded.ok()) return loaded.status();
  hot_sync_->Apply(loaded->config);
  return absl::OkStatus();
}

void ServerRuntime::ApplyConfig(const v1::Config& config) { hot_sync_->Apply(config); }

absl::StatusOr<credentials::TokenSet> ServerRuntime::RefreshNow(const std::string& account) {
  credentials::TokenRefresher& refresher = oauth_->refresher();
  const std::optional<credentials::TokenSet> current = pool_->Tokens(account);
  if (!current) {
    return absl::NotFoundError(
        absl::StrCat("account \"", account,
                     "\" has no refresh token to use (not an OAuth login, or imported "
                     "without one)"));
  }
  std::future<credentials::FreshToken> future = boost::asio::co_spawn(
      waits_ioc_, refresher.EnsureFresh(account, current->access_token), boost::asio::use_future);
  const credentials::FreshToken fresh = future.get();
  if (fresh.kind == credentials::FreshToken::Kind::kFailed) {
    return absl::FailedPreconditionError(
        credentials::Redact(absl::StrCat("the refresh failed: ", fresh.reason)));
  }
  std::optional<credentials::TokenSet> now = pool_->Tokens(account);
  if (!now) return absl::NotFoundError(absl::StrCat("account \"", account, "\" is gone"));
  return *now;
}

}  // namespace maxpool::server
