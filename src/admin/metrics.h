#pragma once

// admin::Metrics: maxpool's Prometheus metrics (docs/architecture.md "Observability"; the list with
// types, labels and meanings is docs/metrics.md). It owns a prometheus::Registry with the
// counters and histograms that events feed (Record(): pool events, see event_metrics.h, which
// subscribes to the pool's EventBus and calls it), and computes the gauges at scrape time from
// the live pool (Collect()): nothing polls, and an account removed from the pool loses its gauges
// at once while its counters stay (usual Prometheus practice).
//
// Names start with `maxpool_`. Labels are bounded: account names (from config), and small fixed
// vocabularies (status class, outcome, failure class, window, state, token kind). Never a session
// id, a request id or a model string.
//
// Thread safety: every method may be called from any thread (prometheus-cpp's metrics are atomic
// and its families locked; the scrape reads the pool through its own thread-safe views).
// Lifecycle: the pool must outlive the Metrics.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pool/pool.h"
#include "pool/pool_event.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace maxpool::admin {

// The Content-Type of Serialize()'s output (text exposition format 0.0.4).
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// The account label of a request that no account served.
inline constexpr std::string_view kNoAccount = "none";

// The upper bounds (seconds) of the duration histograms: 5 ms to 10 min.
const std::vector<double>& DurationBuckets();
// The upper bounds (seconds) of the proxy-overhead histogram: 25 µs to 1 s.
const std::vector<double>& OverheadBuckets();

// "2xx", "3xx", "4xx", "5xx", or "other" (no status, 1xx, out of range).
std::string_view StatusClass(int status);
// How a request ended, the first that applies: "client_gone" (the client left), "truncated" (the
// upstream stream broke off), "error" (a status >= 400 or a failure class other than none), "ok".
std::string_view RequestOutcome(const pool::RequestFinished& request);

// The data plane's own bounds (proxy/client_admission.h), read at scrape time.
struct ClientLimitsView {
  int64_t connections = 0;     // client connections open now
  int64_t buffered_bytes = 0;  // request-body bytes held now
  // Clients refused so far, by reason: "connections", "buffered_bytes", "unauthenticated",
  // "malformed".
  std::vector<std::pair<std::string, uint64_t>> refused;
  uint64_t accept_errors = 0;  // failed accept() calls (e.g. out of file descriptors)
};

// Cluster mode's view of the fleet (cluster::FleetView), for the maxpool_cluster_* families.
struct ClusterMetricsView {
  bool connected = false;    // Redis answered the last exchange
  int replicas = 1;          // replicas alive, this one included
  int64_t claims = 0;        // fleet-wide slots granted through Redis
  int64_t refusals = 0;      // refused: the account was full fleet-wide
  int64_t local_claims = 0;  // granted alone while Redis was out of reach
};

struct MetricsOptions {
  // The `version` label of maxpool_build_info. Default: the CMake project version.
  std::string version;
  // maxpool_draining: whether the server is draining now. Null: never (0).
  std::function<bool()> draining;
  // The data plane's client bounds. Null: those families are left out.
  std::function<ClientLimitsView()> client_limits;
  // Cluster mode's view. Null outside cluster mode: maxpool_cluster_* and
  // maxpool_account_fleet_inflight are left out.
  std::function<ClusterMetricsView()> cluster;
};

class Metrics {
 public:
  explicit Metrics(pool::Pool& pool, MetricsOptions options = {});
  ~Metrics();

  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Updates the counters and histograms for one event (EventMetrics calls it for every event it
  // receives; tests may call it directly).
  void Record(const pool::PoolEvent& event);
  // `dropped` events were lost before they reached the metrics (an EventGap).
  void RecordDropped(uint64_t dropped);
  // A failure no request reports, in `component` ("admin": the admin listener), for
  // maxpool_internal_errors_total. The caller logs it.
  void RecordInternalError(std::string_view component);

  // Every family: the registry's (counters, histograms) and the gauges computed now from the
  // pool, sorted by name.
  std::vector<prometheus::MetricFamily> Collect() const;
  // Collect() in the text exposition format (kMetricsContentType).
  std::string Serialize() const;

  // For additional families registered by other parts of the app.
  prometheus::Registry& registry() { return *registry_; }

 private:
  class PoolGauges;

  void RecordRequest(const pool::RequestFinished& request);
  // Creates an account's counter series at 0 (the usual outcome, token kinds, truncations,
  // failover reasons, and refresh results for OAuth), so that rate() and increase() see its first
  // event: a series born at 1 hides that one.
  void InitializeAccountSeries(const std::string& name, core::AccountType type);
  void InitializeAddedAccount(const std::string& name);

  pool::Pool& pool_;
  const MetricsOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<PoolGauges> gauges_;

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& failovers_;
  prometheus::Family<prometheus::Counter>& refreshes_;
  prometheus::Family<prometheus::Counter>& truncated_;
  prometheus::Family<prometheus::Counter>& holds_;
  prometheus::Family<prometheus::Counter>& tokens_;
  prometheus::Family<prometheus::Counter>& state_changes_;
  prometheus::Counter& events_dropped_;
  prometheus::Family<prometheus::Counter>& internal_errors_;
  prometheus::Family<prometheus::Histogram>& request_duration_;
  prometheus::Family<prometheus::Histogram>& hold_wait_;
  prometheus::Family<prometheus::Histogram>& upstream_ttfb_;
  prometheus::Family<prometheus::Histogram>& proxy_overhead_;
};

}  // namespace maxpool::admin
