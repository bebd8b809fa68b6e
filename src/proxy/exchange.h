#pragma once

// One client request's life through the pool (docs/architecture.md "The walk of one request";
// spec §4, §5): classify, lease an account, send upstream with its credential, fail over before the
// first byte, hold with heartbeats when every account is briefly out, relay the answer as it
// arrives, and end a broken stream with an SSE error instead of a clean end.
//
// Runs as a coroutine on the client connection's executor. Not shared between requests.
//
// Drain (ProxyServer::AbortInFlight): Abort() then terminal cancellation of the coroutine ends
// the wait in progress; the exchange then answers on its own terms (an SSE error event, or the
// draining 503), releases its lease and tries nothing more. The coroutine must not throw on a
// co_await after cancellation (this_coro::throw_if_cancelled(false) in its caller).

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/string_body.hpp"
#include "core/request_info.h"
#include "core/router.h"
#include "pool/pool.h"
#include "proxy/client_writer.h"
#include "proxy/drain.h"
#include "proxy/exchange_capture.h"
#include "proxy/proxy_options.h"
#include "proxy/relay_buffers.h"
#include "proxy/sse_tracker.h"
#include "proxy/upstream_pool.h"

namespace maxpool::proxy {

// Everything an exchange needs from its worker: shared (pool, options) and per-thread
// (upstream connections, relay buffers).
struct ExchangeEnv {
  pool::Pool& pool;
  const ProxyOptions& options;
  UpstreamPool& upstreams;
  RelayBuffers& buffers;
  const DrainState& drain;
};

// How the request ended, for the access log and metrics.
struct ExchangeSummary {
  std::string account;  // last account tried, or "(queued)" / "(none available)"
  unsigned status = 0;  // what the client got (200 for committed streams)
  int attempts = 0;
  bool held = false;
  bool truncated = false;
  bool client_gone = false;
  bool aborted = false;  // ended by the drain deadline
  // Token usage read from the relayed answer (SSE message_start/message_delta, or a JSON
  // Message's `usage`); -1 when no answer was relayed.
  int64_t input_tokens = -1;
  int64_t output_tokens = -1;
  // From sending the last attempt upstream to its response headers; -1 when none arrived.
  std::chrono::nanoseconds upstream_ttfb{-1};
  // From the start of the exchange to its first upstream send (classification, routing, token
  // refresh): the proxy's own share before the upstream. -1 when the request was held first or
  // never sent.
  std::chrono::nanoseconds before_upstream{-1};
};

class Exchange {
 public:
  Exchange(ExchangeEnv env, boost::beast::tcp_stream& client,
           const boost::beast::http::request<boost::beast::http::string_body>& request,
           bool keep_alive);
  // Releases a lease still held (abandoned): a frame destroyed mid-request never leaks one.
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // Runs to completion. Never throws; on return the client has a complete response, or is gone.
  boost::asio::awaitable<ExchangeSummary> Run();

  // With a request sink configured (ProxyOptions::request_sink), hands it this request's record.
  // Call once, after Run(), while the request is still alive.
  void SubmitCapture() {
    if (capture_) FinishCapture();
  }

  // Whether the connection may serve another request.
  bool keep_alive() const { return writer_.keep_alive() && writer_.finished(); }

  // A drain started: the response ends its connection (`connection: close` unless its head is
  // already out; the connection closes after it either way). On the exchange's executor.
  void EndConnection() { writer_.set_keep_alive(false); }
  // The drain deadline: from now on the exchange starts no new wait and tries nothing more. The
  // caller then cancels the coroutine (terminal) to end the wait in progress. On the exchange's
  // executor.
  void Abort() {
    aborted_ = true;
    writer_.set_keep_alive(false);
  }

 private:
  struct UpstreamFailure;  // a failed attempt's status, headers and body, for relaying
  struct AttemptResult;

  boost::asio::awaitable<AttemptResult> Attempt(const pool::Grant& grant);
  template <class Stream>
  boost::asio::awaitable<AttemptResult> AttemptOn(Stream& stream, UpstreamConnection& conn,
                                                  const pool::Grant& grant);
  boost::asio::awaitable<bool> HoldOrFail(core::HoldCause cause, core::FallbackReply reply,
                                          const UpstreamFailure* failure);
  boost::asio::awaitable<void> Fail(core::FallbackReply reply, const core::RetryPlan& plan,
                                    bool recovering, const UpstreamFailure* failure);
  // An error the proxy makes: status, error type, message and retry-after seconds.
  struct ProxyError {
    unsigned status = 502;
    std::string_view type;
    std::string message;
    std::optional<int> retry_after;
  };
  ProxyError FallbackError(core::FallbackReply reply, const core::RetryPlan& plan, bool recovering,
                           const UpstreamFailure* failure);
  boost::asio::awaitable<void> SendError(unsigned status, std::string_view type,
                                         const std::string& message,
                                         std::optional<int> retry_after);
  boost::asio::awaitable<void> Heartbeats();
  boost::asio::awaitable<void> WatchClientGone();
  boost::asio::awaitable<void> RelayOAuthToken();
  // Aborted by this worker, or by the server (seen before this worker got to it).
  bool Aborted() const { return aborted_ || env_.drain.aborted.load(std::memory_order_relaxed); }
  // The answer of an aborted exchange: an SSE error event on a committed stream, else the
  // draining 503. The caller has released its lease.
  boost::asio::awaitable<void> EndAborted();
  void FinishCapture();
  // Throws when the fault-injection hook (ProxyOptions::attempt_fault) says so for `step`.
  void InjectFault(AttemptStep step) const;
  // Every hand-back of the current lease goes through these, so that `open_lease_` says whether
  // one is still held.
  void ReleaseLease(const core::Lease& lease, const core::ReleaseOutcome& outcome);
  core::FailureAction FailLease(const core::Lease& lease, const core::RequestInfo& request,
                                core::RouteState& route, const core::ResponseVerdict& verdict,
                                const core::AttemptContext& attempt);
  core::FailureAction FailRefresh(const core::Lease& lease, const core::RequestInfo& request,
                                  core::RouteState& route, const credentials::FreshToken& failure,
                                  const core::AttemptContext& attempt);

  ExchangeEnv env_;
  boost::beast::tcp_stream& client_;
  const boost::beast::http::request<boost::beast::http::string_body>& request_;
  ClientWriter writer_;
  core::RequestInfo info_;
  core::RouteState route_;
  void SetUsage(const TokenUsage& usage) {
    summary_.input_tokens = usage.input_tokens;
    summary_.output_tokens = usage.output_tokens;
  }

  ExchangeSummary summary_;
  std::chrono::steady_clock::time_point run_started_;
  std::optional<absl::Time> queue_started_at_;
  std::optional<absl::Time> network_soak_deadline_;
  std::string last_transport_error_;
  std::optional<std::string> rejected_token_;  // the access token a 401 refused, to replace
  std::string last_account_;
  std::optional<core::Lease> open_lease_;  // the lease held now, if any
  bool aborted_ = false;
  // Per-request log record (`--log-to`); null unless a request sink is configured.
  std::unique_ptr<ExchangeCapture> capture_;
};

}  // namespace maxpool::proxy
