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
#include "boost/beast/http/string_body.hpp"
#include "core/request_info.h"
#include "core/router.h"
#include "pool/pool.h"
#include "pool/request_loop.h"
#include "proxy/client_transport.h"
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
  Upstreams& upstreams;
  RelayBuffers& buffers;
  const DrainState& drain;
};

// How the request ended, for the access log and metrics.
struct ExchangeSummary {
  std::string account;  // last account tried, or "(queued)" / "(none available)"
  unsigned status = 0;  // what the client got (200 for committed streams)
  int attempts = 0;
  // The last attempt's failure class; kNone when it was answered or never sent.
  core::FailureClass failure = core::FailureClass::kNone;
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
  // `client`: the connection's transport (a TCP socket in the proxy; an in-memory stream in tests).
  Exchange(ExchangeEnv env, ClientTransport& client,
           const boost::beast::http::request<boost::beast::http::string_body>& request,
           bool keep_alive);
  // A lease still held goes back as abandoned (pool::LeaseHandle): a frame destroyed
  // mid-request never leaks one.
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
  // Performs a kHold action; returns what the request loop decides next.
  boost::asio::awaitable<pool::RequestAction> Hold(const pool::RequestAction& hold);
  // Relays the last failed attempt's answer as it came (kRelayFailure).
  boost::asio::awaitable<void> RelayFailure();
  boost::asio::awaitable<void> SendError(const pool::ProxyError& error,
                                         std::string_view error_code = {}) {
    return SendError(error.status, error.type, error.message, error.retry_after, error_code);
  }
  boost::asio::awaitable<void> SendError(unsigned status, std::string_view type,
                                         const std::string& message, std::optional<int> retry_after,
                                         std::string_view error_code = {});
  boost::asio::awaitable<void> Heartbeats();
  // Returns once the client has gone (ClientTransport::WaitGone).
  boost::asio::awaitable<void> WatchClientGone() { return client_.WaitGone(); }
  boost::asio::awaitable<void> RelayOAuthToken();
  // Aborted by this worker, or by the server (seen before this worker got to it).
  bool Aborted() const { return aborted_ || env_.drain.aborted.load(std::memory_order_relaxed); }
  // The answer of an aborted exchange: an SSE error event on a committed stream, else the
  // draining 503. The caller has released its lease.
  boost::asio::awaitable<void> EndAborted();
  void FinishCapture();
  // Throws when the fault-injection hook (ProxyOptions::attempt_fault) says so for `step`.
  void InjectFault(AttemptStep step) const;
  // What the client has seen so far, for the request loop.
  pool::ClientProgress Progress() const { return {writer_.started(), writer_.body_bytes() > 0}; }
  void SummarizeLoop();

  ExchangeEnv env_;
  ClientTransport& client_;
  const boost::beast::http::request<boost::beast::http::string_body>& request_;
  ClientWriter writer_;
  // The request's decisions and its lease (created once the request is classified).
  std::optional<pool::RequestLoop> loop_;
  // The last failed attempt's answer, for kRelayFailure.
  std::unique_ptr<UpstreamFailure> failed_answer_;
  void SetUsage(const TokenUsage& usage) {
    summary_.input_tokens = usage.input_tokens;
    summary_.output_tokens = usage.output_tokens;
  }

  ExchangeSummary summary_;
  std::chrono::steady_clock::time_point run_started_;
  bool aborted_ = false;
  // Per-request log record (`--log-to`); null unless a request sink is configured.
  std::unique_ptr<ExchangeCapture> capture_;
};

}  // namespace maxpool::proxy
