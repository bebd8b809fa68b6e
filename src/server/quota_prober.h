#pragma once

// The background quota prober (spec §12.2, §3.5, §7.7): keeps idle accounts' quota readings
// fresh from zero-spend usage endpoints, so an account nobody has used for a while still shows
// true bars and is routed on what it has left. It never sends a /v1/messages request.
//
// Each sweep (at start, then every `interval`; a sweep still running when the next is due makes
// that one skipped) asks the pool for the accounts whose own traffic has not read their quota
// within the interval (Pool::ProbeTargets). z.ai accounts are read from their quota monitor;
// OAuth accounts from GET /api/oauth/usage (at `oauth.apiBaseUrl` when the config sets it, else
// at the account's own upstream, api.anthropic.com by default), one at a time, starting one account
// further on each sweep, paced by core::ProbePacing (the endpoint is rate-limited per address).
//
// Tokens: an enabled OAuth account's token is made fresh first (the refresher, not forced); a
// 401 forces one refresh and one retry. A disabled account is never refreshed (its single-use
// refresh token may be meant for another client): it is probed only while its access token
// is still valid. Three 401s in a row latch "needs login" (Pool::RecordProbeFailure).
//
// Errors never blank a stored reading: they are recorded on the account (core::ProbeHealth) and
// logged at the 20th failure in a row, then every 100th.
//
// Threading: the prober runs on its own thread. Stop() ends it; the pool and the refresher must
// outlive Stop(), and the refresher must be destroyed before the prober (its waiters may hold
// timers on the prober's executor).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ssl/context.hpp"
#include "core/probe_pacing.h"
#include "credentials/token_refresher.h"
#include "net/http_client.h"
#include "pool/pool.h"

namespace maxpool::server {

struct QuotaProberOptions {
  absl::Duration interval = absl::Seconds(60);  // quotaProbeSeconds; must be > 0
  // The OAuth usage endpoint; "" (the default): the account's upstream + /api/oauth/usage.
  std::string usage_url;
  std::string ca_file;                       // extra CA certificates, "" for none
  std::chrono::milliseconds timeout{10000};  // one probe's whole exchange
  // Cluster mode: whether this replica sweeps now (cluster::ProbeTurn::Mine; one replica at a
  // time, the others take its readings from the shared memory). Called on the prober's thread
  // before each sweep; may block briefly. Null: always.
  std::function<bool()> may_sweep;
};

// The z.ai quota monitor for an account whose upstream is `upstream`: its scheme and authority
// followed by /api/monitor/usage/quota/limit ("https://api.z.ai/api/anthropic" ->
// "https://api.z.ai/api/monitor/usage/quota/limit").
std::string ZaiUsageUrlOf(std::string_view upstream);

class QuotaProber {
 public:
  using Log = std::function<void(const std::string& line)>;

  // Starts probing at once. `refresher` may be null (tokens are used as they are).
  // Errors: the CA file cannot be read.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<QuotaProber>> Start(
      pool::Pool& pool, credentials::TokenRefresher* refresher, QuotaProberOptions options,
      Log log);
  ~QuotaProber();
  QuotaProber(const QuotaProber&) = delete;
  QuotaProber& operator=(const QuotaProber&) = delete;

  // Ends the probing; a probe in flight is abandoned. Idempotent.
  void Stop();

  int64_t probes_sent() const { return probes_sent_.load(); }
  int64_t sweeps() const { return sweeps_.load(); }

 private:
  QuotaProber(pool::Pool& pool, credentials::TokenRefresher* refresher, QuotaProberOptions options,
              Log log, std::unique_ptr<boost::asio::ssl::context> tls);
  boost::asio::awaitable<void> Loop();
  boost::asio::awaitable<void> Sweep();
  boost::asio::awaitable<void> ProbeProvider(const pool::ProbeTarget& target);
  boost::asio::awaitable<void> ProbeOAuth(const pool::ProbeTarget& target);
  boost::asio::awaitable<net::HttpOutcome> Fetch(std::string url, const std::string& token,
                                                 bool oauth);
  boost::asio::awaitable<void> Sleep(absl::Duration duration);
  // Records a failed probe and logs its streak. `status` 0: no answer.
  void Failed(const std::string& account, int status, std::string message);

  pool::Pool& pool_;
  credentials::TokenRefresher* const refresher_;
  const QuotaProberOptions options_;
  const Log log_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  core::ProbePacing pacing_;
  uint64_t sweep_number_ = 0;
  std::atomic<int64_t> probes_sent_{0};
  std::atomic<int64_t> sweeps_{0};
  std::atomic<bool> stopped_{false};
  boost::asio::io_context ioc_{1};
  std::thread thread_;  // last: runs ioc_ once everything else is built
};

}  // namespace maxpool::server
