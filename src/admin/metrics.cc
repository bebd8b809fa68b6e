#include "admin/metrics.h"

#include <algorithm>
#include <array>
#include <optional>
#include <sstream>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/time/time.h"
#include "core/account.h"
#include "core/failure_class.h"
#include "core/quota.h"
#include "core/quota_freshness.h"
#include "core/quota_windows.h"
#include "pool/account_state.h"
#include "prometheus/client_metric.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_type.h"
#include "prometheus/text_serializer.h"

#ifndef MAXPOOL_ADMIN_VERSION
#define MAXPOOL_ADMIN_VERSION "unknown"
#endif

namespace maxpool::admin {
namespace {

// Every derived state an account in the pool can be in (kNone is "not in the pool").
constexpr std::array<pool::AccountState, 7> kPoolStates = {
    pool::AccountState::kActive,    pool::AccountState::kThrottled,  pool::AccountState::kCooling,
    pool::AccountState::kExhausted, pool::AccountState::kNeedsLogin, pool::AccountState::kBanned,
    pool::AccountState::kDisabled,
};

std::string AccountLabel(std::string_view account) {
  return account.empty() ? std::string(kNoAccount) : std::string(account);
}

double Seconds(absl::Duration d) {
  return absl::ToDoubleSeconds(std::max(d, absl::ZeroDuration()));
}

prometheus::ClientMetric::Label Label(std::string name, std::string value) {
  return prometheus::ClientMetric::Label{std::move(name), std::move(value)};
}

// One gauge family (or a counter the pool keeps) being built for a scrape.
class GaugeFamily {
 public:
  GaugeFamily(std::string name, std::string help,
              prometheus::MetricType type = prometheus::MetricType::Gauge) {
    family_.name = std::move(name);
    family_.help = std::move(help);
    family_.type = type;
  }
  // Labels in name order.
  void Add(std::vector<prometheus::ClientMetric::Label> labels, double value) {
    prometheus::ClientMetric metric;
    metric.label = std::move(labels);
    if (family_.type == prometheus::MetricType::Counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    family_.metric.push_back(std::move(metric));
  }
  bool empty() const { return family_.metric.empty(); }
  prometheus::MetricFamily Take() { return std::move(family_); }

 private:
  prometheus::MetricFamily family_;
};

}  // namespace

const std::vector<double>& DurationBuckets() {
  static const std::vector<double> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                               2.5,   5,    10,    30,   60,  120,  300, 600};
  return kBuckets;
}

const std::vector<double>& OverheadBuckets() {
  static const std::vector<double> kBuckets = {0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                               0.0025,   0.005,   0.01,   0.05,    0.25,   1};
  return kBuckets;
}

std::string_view StatusClass(int status) {
  switch (status / 100) {
    case 2:
      return "2xx";
    case 3:
      return "3xx";
    case 4:
      return "4xx";
    case 5:
      return "5xx";
    default:
      return "other";
  }
}

std::string_view RequestOutcome(const pool::RequestFinished& request) {
  if (request.client_gone) return "client_gone";
  if (request.truncated) return "truncated";
  if (request.status >= 400 || request.status < 100 ||
      (!request.failure.empty() && request.failure != "none")) {
    return "error";
  }
  return "ok";
}

// The gauges, computed from the pool at each scrape.
class Metrics::PoolGauges final : public prometheus::Collectable {
 public:
  // The counters here are kept by the proxy itself (atomics), so they are read, not registered.
  static void CollectClientLimits(const ClientLimitsView& view,
                                  std::vector<prometheus::MetricFamily>& out) {
    GaugeFamily connections("maxpool_client_connections", "Client connections open now.");
    connections.Add({}, static_cast<double>(view.connections));
    GaugeFamily buffered("maxpool_request_buffered_bytes",
                         "Request-body bytes the proxy holds now (kept for failover).");
    buffered.Add({}, static_cast<double>(view.buffered_bytes));
    out.push_back(connections.Take());
    out.push_back(buffered.Take());
    prometheus::MetricFamily refused;
    refused.name = "maxpool_client_refusals_total";
    refused.help =
        "Clients refused by the proxy's own bounds, by reason (connections, buffered_bytes, "
        "unauthenticated, malformed).";
    refused.type = prometheus::MetricType::Counter;
    for (const auto& [reason, count] : view.refused) {
      prometheus::ClientMetric metric;
      metric.label = {Label("reason", reason)};
      metric.counter.value = static_cast<double>(count);
      refused.metric.push_back(std::move(metric));
    }
    out.push_back(std::move(refused));
    prometheus::MetricFamily accept;
    accept.name = "maxpool_accept_errors_total";
    accept.help = "Failed accept() calls on the data plane (out of file descriptors or memory).";
    accept.type = prometheus::MetricType::Counter;
    prometheus::ClientMetric metric;
    metric.counter.value = static_cast<double>(view.accept_errors);
    accept.metric.push_back(std::move(metric));
    out.push_back(std::move(accept));
  }

  static void CollectCluster(const ClusterMetricsView& view,
                             std::vector<prometheus::MetricFamily>& out) {
    GaugeFamily connected("maxpool_cluster_connected",
                          "Cluster mode: 1 while Redis answers, 0 while this replica serves alone "
                          "(degraded mode).");
    connected.Add({}, view.connected ? 1 : 0);
    GaugeFamily replicas("maxpool_cluster_replicas",
                         "Cluster mode: the pool's replicas alive, this one included.");
    replicas.Add({}, view.replicas);
    GaugeFamily claims("maxpool_cluster_lease_claims_total",
                       "Cluster mode: fleet-wide slots claimed by this replica's requests: "
                       "granted, refused (the account was full fleet-wide), or alone (granted "
                       "within this replica's share while Redis was out of reach).",
                       prometheus::MetricType::Counter);
    claims.Add({Label("result", "granted")}, static_cast<double>(view.claims));
    claims.Add({Label("result", "refused")}, static_cast<double>(view.refusals));
    claims.Add({Label("result", "alone")}, static_cast<double>(view.local_claims));
    out.push_back(connected.Take());
    out.push_back(replicas.Take());
    out.push_back(claims.Take());
  }

  PoolGauges(pool::Pool& pool, const MetricsOptions& options) : pool_(pool), options_(options) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    const std::vector<core::Account> accounts = pool_.Snapshot();
    const core::SchedulerSettings settings = pool_.SchedulerSettings();
    const absl::Time now = pool_.clock().Now();

    GaugeFamily inflight("maxpool_account_inflight",
                         "Requests an account is serving now (upstream attempts holding a lease).");
    GaugeFamily utilization(
        "maxpool_account_quota_utilization",
        "Last known utilization of an account's quota window, 0..1 (may exceed 1 when over).");
    GaugeFamily reset("maxpool_account_quota_reset_seconds",
                      "Seconds until an account's quota window resets (0 when past; absent when "
                      "unknown).");
    GaugeFamily state("maxpool_account_state",
                      "1 for the account's current derived state, 0 for the other states.");
    GaugeFamily enabled("maxpool_account_enabled",
                        "1 when the account is enabled by the operator, else 0.");
    GaugeFamily load("maxpool_account_load_requests",
                     "Requests the account finished in the last 15 minutes or hour.");
    GaugeFamily unsaved("maxpool_account_credentials_unsaved",
                        "1 while the account's latest OAuth tokens are in memory only (saving "
                        "them failed and is retried), else 0.");
    GaugeFamily quota_age("maxpool_account_quota_age_seconds",
                          "Seconds since the account's quota was last read, from its own traffic "
                          "or a usage probe (absent when it never was).");
    GaugeFamily quota_stale(
        "maxpool_account_quota_stale",
        "1 when the account's quota reading is older than max(3 x quotaProbeSeconds, 180 s), "
        "else 0.");
    GaugeFamily probe_failures("maxpool_account_probe_failures",
                               "Usage probes of the account that failed in a row (0 after a "
                               "success).");
    GaugeFamily fleet_inflight(
        "maxpool_account_fleet_inflight",
        "Cluster mode: requests the account is serving now across every replica (as the shared "
        "leases say; while Redis is out of reach, this replica's own plus the share it leaves "
        "the others).");
    GaugeFamily fleet_load(
        "maxpool_account_fleet_load_requests",
        "Cluster mode: requests the account finished in the last 15 minutes or hour across every "
        "replica (the others' as they last published it).");
    for (const core::Account& account : accounts) {
      const std::string& name = account.settings.name;
      if (const std::optional<absl::Time> read = core::QuotaReadAt(account.state.quota)) {
        quota_age.Add({Label("account", name)},
                      Seconds(std::max(absl::ZeroDuration(), now - *read)));
      }
      quota_stale.Add(
          {Label("account", name)},
          core::QuotaStale(account.state.quota, now, settings.quota_probe_interval) ? 1 : 0);
      probe_failures.Add({Label("account", name)}, account.state.probe.failures);
      inflight.Add({Label("account", name)}, account.state.in_flight);
      if (options_.cluster) {
        fleet_inflight.Add({Label("account", name)}, core::InFlightEverywhere(account.state));
      }
      unsaved.Add({Label("account", name)}, account.state.credentials_unsaved.empty() ? 0 : 1);
      for (const core::QuotaWindow& window : core::QuotaWindowsOf(account.state.quota)) {
        const std::string window_name(core::QuotaWindowName(window.kind));
        utilization.Add({Label("account", name), Label("window", window_name)}, window.utilization);
        if (window.reset) {
          reset.Add({Label("account", name), Label("window", window_name)},
                    Seconds(std::max(absl::ZeroDuration(), *window.reset - now)));
        }
      }
      const pool::AccountState current = pool::DeriveAccountState(account, settings, now);
      for (pool::AccountState s : kPoolStates) {
        state.Add({Label("account", name), Label("state", std::string(pool::AccountStateName(s)))},
                  s == current ? 1 : 0);
      }
      enabled.Add({Label("account", name)}, account.settings.enabled ? 1 : 0);
      const int last_15m = account.state.load.Summary(now, absl::Minutes(15)).requests;
      const int last_1h = account.state.load.Summary(now, absl::Hours(1)).requests;
      load.Add({Label("account", name), Label("window", "15m")}, last_15m);
      load.Add({Label("account", name), Label("window", "1h")}, last_1h);
      if (options_.cluster) {
        fleet_load.Add({Label("account", name), Label("window", "15m")},
                       last_15m + account.state.fleet_load_15m.requests);
        fleet_load.Add({Label("account", name), Label("window", "1h")},
                       last_1h + account.state.fleet_load_1h.requests);
      }
    }
    GaugeFamily held("maxpool_held_requests", "Requests waiting for capacity (held) now.");
    held.Add({}, pool_.waiting());
    GaugeFamily draining("maxpool_draining", "1 while the server is draining, else 0.");
    draining.Add({}, options_.draining && options_.draining() ? 1 : 0);
    GaugeFamily breaker("maxpool_breaker_open",
                        "1 while the shared upstream-throttle breaker is open, else 0.");
    breaker.Add({}, pool_.BreakerOpen() ? 1 : 0);
    GaugeFamily build("maxpool_build_info", "Always 1; the version of the running maxpool.");
    build.Add({Label("version", options_.version)}, 1);
    const pool::SessionTableCounts session_counts = pool_.SessionCounts();
    GaugeFamily sessions("maxpool_session_bindings",
                         "Session affinity bindings kept now (scheduler.maxSessionBindings).");
    sessions.Add({}, static_cast<double>(session_counts.bindings));
    GaugeFamily evictions(
        "maxpool_session_evictions_total",
        "Session bindings forgotten: idle (unused for scheduler.sessionIdleMs) or capacity "
        "(least recently used, at scheduler.maxSessionBindings).",
        prometheus::MetricType::Counter);
    evictions.Add({Label("reason", "idle")}, static_cast<double>(session_counts.evicted_idle));
    evictions.Add({Label("reason", "capacity")},
                  static_cast<double>(session_counts.evicted_capacity));

    std::vector<prometheus::MetricFamily> out;
    if (options_.cluster) CollectCluster(options_.cluster(), out);
    for (GaugeFamily* family :
         {&inflight, &fleet_inflight, &utilization, &reset, &state, &enabled, &load, &fleet_load,
          &unsaved, &quota_age, &quota_stale, &probe_failures, &held, &draining, &breaker, &build,
          &sessions, &evictions}) {
      // Like the registry's families, one with no series is left out.
      if (!family->empty()) out.push_back(family->Take());
    }
    if (options_.client_limits) CollectClientLimits(options_.client_limits(), out);
    return out;
  }

 private:
  pool::Pool& pool_;
  const MetricsOptions& options_;
};

namespace {

MetricsOptions WithDefaults(MetricsOptions options) {
  if (options.version.empty()) options.version = MAXPOOL_ADMIN_VERSION;
  return options;
}

}  // namespace

Metrics::Metrics(pool::Pool& pool, MetricsOptions options)
    : pool_(pool),
      options_(WithDefaults(std::move(options))),
      registry_(std::make_shared<prometheus::Registry>()),
      gauges_(std::make_unique<PoolGauges>(pool_, options_)),
      requests_(prometheus::BuildCounter()
                    .Name("maxpool_requests_total")
                    .Help("Client requests finished, by the account that served them (\"none\" "
                          "when none did), status class and outcome.")
                    .Register(*registry_)),
      failovers_(prometheus::BuildCounter()
                     .Name("maxpool_failovers_total")
                     .Help("Requests moved off an account after a failure, by failure class.")
                     .Register(*registry_)),
      refreshes_(prometheus::BuildCounter()
                     .Name("maxpool_oauth_refreshes_total")
                     .Help("OAuth token refreshes, by result (ok, failed).")
                     .Register(*registry_)),
      truncated_(prometheus::BuildCounter()
                     .Name("maxpool_truncated_streams_total")
                     .Help("Responses whose upstream stream broke off after bytes were sent.")
                     .Register(*registry_)),
      holds_(prometheus::BuildCounter()
                 .Name("maxpool_holds_total")
                 .Help("Held requests that stopped waiting, by outcome (queue_full: refused "
                       "without waiting).")
                 .Register(*registry_)),
      tokens_(prometheus::BuildCounter()
                  .Name("maxpool_tokens_total")
                  .Help("Tokens used by finished requests, by account and kind (input, output).")
                  .Register(*registry_)),
      state_changes_(prometheus::BuildCounter()
                         .Name("maxpool_account_state_changes_total")
                         .Help("Changes of an account's derived state, by the new state (none: "
                               "removed from the pool).")
                         .Register(*registry_)),
      events_dropped_(prometheus::BuildCounter()
                          .Name("maxpool_metrics_events_dropped_total")
                          .Help("Pool events lost before the metrics saw them (subscriber behind).")
                          .Register(*registry_)
                          .Add({})),
      internal_errors_(prometheus::BuildCounter()
                           .Name("maxpool_internal_errors_total")
                           .Help("Failures no request reports (an exception out of a listener's "
                                 "coroutine), by component; logged as errors.")
                           .Register(*registry_)),
      request_duration_(prometheus::BuildHistogram()
                            .Name("maxpool_request_duration_seconds")
                            .Help("Client request duration, from arrival to the last byte.")
                            .Register(*registry_)),
      hold_wait_(prometheus::BuildHistogram()
                     .Name("maxpool_hold_wait_seconds")
                     .Help("How long held requests waited for capacity.")
                     .Register(*registry_)),
      upstream_ttfb_(prometheus::BuildHistogram()
                         .Name("maxpool_upstream_ttfb_seconds")
                         .Help("From sending a request upstream to the upstream's response "
                               "headers (the attempt that answered).")
                         .Register(*registry_)),
      proxy_overhead_(prometheus::BuildHistogram()
                          .Name("maxpool_proxy_overhead_seconds")
                          .Help("maxpool's own time before a request is sent upstream "
                                "(classification, routing, token refresh), for requests that "
                                "were not held.")
                          .Register(*registry_)) {
  // The pool-wide series exist from the start (at 0), so that rate() sees their first increase.
  for (pool::HoldOutcome outcome : {pool::HoldOutcome::kAdmitted, pool::HoldOutcome::kExpired,
                                    pool::HoldOutcome::kNotRecovering,
                                    pool::HoldOutcome::kQueueFull, pool::HoldOutcome::kCancelled}) {
    holds_.Add({{"outcome", std::string(pool::HoldOutcomeName(outcome))}});
  }
  internal_errors_.Add({{"component", "admin"}});
  hold_wait_.Add({}, DurationBuckets());
  proxy_overhead_.Add({}, OverheadBuckets());
  for (const core::Account& account : pool_.Snapshot()) {
    InitializeAccountSeries(account.settings.name, account.settings.type);
  }
}

void Metrics::InitializeAccountSeries(const std::string& name, core::AccountType type) {
  const std::string account = AccountLabel(name);
  requests_.Add({{"account", account}, {"status_class", "2xx"}, {"outcome", "ok"}});
  truncated_.Add({{"account", account}});
  for (const char* kind : {"input", "output"}) tokens_.Add({{"account", account}, {"kind", kind}});
  for (core::FailureClass failure :
       {core::FailureClass::kQuotaRejected, core::FailureClass::kModelRejected,
        core::FailureClass::kRateLimited, core::FailureClass::kRequestRefused,
        core::FailureClass::kOverloaded, core::FailureClass::kUpstream5xx,
        core::FailureClass::kAuthExpired, core::FailureClass::kAuthDead,
        core::FailureClass::kBanned, core::FailureClass::kForbidden,
        core::FailureClass::kNetwork}) {
    failovers_.Add(
        {{"account", account}, {"reason", std::string(core::FailureClassName(failure))}});
  }
  if (type == core::AccountType::kOAuth) {
    for (const char* result : {"ok", "failed"}) {
      refreshes_.Add({{"account", account}, {"result", result}});
    }
  }
}

Metrics::~Metrics() = default;

void Metrics::Record(const pool::PoolEvent& event) {
  std::visit(
      [this](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, pool::RequestFinished>) {
          RecordRequest(body);
        } else if constexpr (std::is_same_v<T, pool::Failover>) {
          failovers_.Add({{"account", AccountLabel(body.account)}, {"reason", body.failure_class}})
              .Increment();
        } else if constexpr (std::is_same_v<T, pool::AccountStateChanged>) {
          if (body.previous == pool::AccountState::kNone) InitializeAddedAccount(body.account);
          state_changes_
              .Add({{"account", AccountLabel(body.account)},
                    {"state", std::string(pool::AccountStateName(body.current))}})
              .Increment();
        } else if constexpr (std::is_same_v<T, pool::RefreshFinished>) {
          refreshes_
              .Add({{"account", AccountLabel(body.account)}, {"result", body.ok ? "ok" : "failed"}})
              .Increment();
        } else if constexpr (std::is_same_v<T, pool::HoldEnded>) {
          holds_.Add({{"outcome", std::string(pool::HoldOutcomeName(body.outcome))}}).Increment();
          if (body.outcome != pool::HoldOutcome::kQueueFull) {
            hold_wait_.Add({}, DurationBuckets()).Observe(Seconds(body.waited));
          }
        } else {
          // HoldStarted, DrainProgress: the gauges (maxpool_held_requests, maxpool_draining)
          // read the live values at scrape time.
          static_assert(std::is_same_v<T, pool::HoldStarted> ||
                        std::is_same_v<T, pool::DrainProgress>);
        }
      },
      event.body);
}

void Metrics::RecordRequest(const pool::RequestFinished& request) {
  const std::string account = AccountLabel(request.account);
  requests_
      .Add({{"account", account},
            {"status_class", std::string(StatusClass(request.status))},
            {"outcome", std::string(RequestOutcome(request))}})
      .Increment();
  request_duration_.Add({{"account", account}}, DurationBuckets())
      .Observe(Seconds(request.duration));
  if (request.upstream_ttfb >= absl::ZeroDuration()) {
    upstream_ttfb_.Add({{"account", account}}, DurationBuckets())
        .Observe(Seconds(request.upstream_ttfb));
  }
  if (request.before_upstream >= absl::ZeroDuration()) {
    proxy_overhead_.Add({}, OverheadBuckets()).Observe(Seconds(request.before_upstream));
  }
  if (request.truncated) truncated_.Add({{"account", account}}).Increment();
  if (request.input_tokens >= 0) {
    tokens_.Add({{"account", account}, {"kind", "input"}})
        .Increment(static_cast<double>(request.input_tokens));
  }
  if (request.output_tokens >= 0) {
    tokens_.Add({{"account", account}, {"kind", "output"}})
        .Increment(static_cast<double>(request.output_tokens));
  }
}

void Metrics::InitializeAddedAccount(const std::string& name) {
  for (const core::Account& account : pool_.Snapshot()) {
    if (account.settings.name == name) {
      InitializeAccountSeries(name, account.settings.type);
      return;
    }
  }
}

void Metrics::RecordInternalError(std::string_view component) {
  internal_errors_.Add({{"component", std::string(component)}}).Increment();
}

void Metrics::RecordDropped(uint64_t dropped) {
  events_dropped_.Increment(static_cast<double>(dropped));
}

std::vector<prometheus::MetricFamily> Metrics::Collect() const {
  std::vector<prometheus::MetricFamily> out = registry_->Collect();
  std::vector<prometheus::MetricFamily> gauges = gauges_->Collect();
  out.insert(out.end(), std::make_move_iterator(gauges.begin()),
             std::make_move_iterator(gauges.end()));
  std::stable_sort(out.begin(), out.end(),
                   [](const prometheus::MetricFamily& a, const prometheus::MetricFamily& b) {
                     return a.name < b.name;
                   });
  return out;
}

std::string Metrics::Serialize() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, Collect());
  return out.str();
}

}  // namespace maxpool::admin
