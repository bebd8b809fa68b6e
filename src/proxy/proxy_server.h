#pragma once

// The data-plane listener (spec §8): HTTP/1.1 keep-alive connections from clients, each served by
// one coroutine that reads a request head with limits, checks its framing (request_head.h) and
// authenticates non-loopback clients before reading the body, bounds connections and buffered
// body bytes (client_admission.h), and runs an Exchange. Work is spread over `threads` workers,
// each with its own io_context and upstream connection pool, so no socket is ever touched by two
// threads.
//
// Graceful drain (docs/architecture.md "Drain", spec §9): BeginDrain() refuses new requests after
// an accept grace and closes idle connections; AbortInFlight() is the deadline for the rest. Each
// worker keeps an intrusive list of its connections (linked once per connection) so that both
// reach them on the worker's own thread. The accept grace runs on the pool's injected clock.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "core/failure_class.h"
#include "pool/pool.h"
#include "pool/pool_event.h"
#include "proxy/client_admission.h"
#include "proxy/drain.h"
#include "proxy/proxy_options.h"
#include "proxy/upstream_pool.h"

namespace maxpool::proxy {

// One line per finished request (the activity log of spec §10.3).
struct RequestLogLine {
  std::string method;
  std::string target;
  std::string account;
  unsigned status = 0;
  double seconds = 0;
  int attempts = 0;
  bool held = false;
  bool truncated = false;
  bool client_gone = false;
  bool aborted = false;       // ended by the drain deadline (AbortInFlight)
  int64_t input_tokens = -1;  // -1: unknown (ExchangeSummary)
  int64_t output_tokens = -1;
  double upstream_ttfb_seconds = -1;    // -1: no upstream response
  double before_upstream_seconds = -1;  // -1: held first, or never sent
  // The last attempt's failure class (ExchangeSummary::failure); kNone on success.
  core::FailureClass failure = core::FailureClass::kNone;
};
using RequestObserver = std::function<void(const RequestLogLine&)>;

// The pool event of a finished request, from its log line: the one mapping between the two (a
// request the drain deadline cut short counts as truncated; `failure` by its snake_case name).
pool::RequestFinished FinishedEvent(const RequestLogLine& line);

class ProxyServer {
 public:
  // Binds proxy.host:proxy.port (0 = any free port) and starts the workers. An address in use or
  // a privileged port gives an error that names the address and what to do.
  static absl::StatusOr<std::unique_ptr<ProxyServer>> Start(pool::Pool& pool, ProxyOptions options,
                                                            RequestObserver observer = nullptr);
  ~ProxyServer();

  uint16_t port() const { return port_; }
  // Stops accepting and closes every connection; in-flight exchanges end. Idempotent.
  void Stop();

  // --- Graceful drain -------------------------------------------------------------------------
  // Starts draining. For `accept_grace` new requests are still served (an endpoint removal takes
  // a moment to reach every client); after it, every new request, on a new or a kept-alive
  // connection, is answered at once with 503 overloaded_error, `retry-after: 1` and
  // `connection: close`. Requests in flight carry on (streams flow, held requests wait and may
  // still be served). From now on every response ends its connection, and idle kept-alive
  // connections are closed at once (a request already arriving on one is still answered; a new
  // connection yet to send its first request is left to the header timeout). The listener stays
  // open, so late clients get the 503 rather than a refused connection. Any thread; idempotent (a
  // second call keeps the first grace).
  void BeginDrain(std::chrono::milliseconds accept_grace);
  // The drain deadline: every running exchange ends now, on its worker. A response already
  // committed as SSE gets a final `event: error` (overloaded_error) and its connection closes; one
  // with nothing sent yet gets the 503 above; nothing is retried; leases are released. Starts the
  // drain with no grace if BeginDrain() was not called, or ends a grace still running. Returns at
  // once: the final answers are written by the workers (each under the client write timeout), so
  // wait briefly for in_flight() to reach 0 before Stop(). Any thread; idempotent.
  void AbortInFlight();
  bool draining() const { return drain_.draining.load(std::memory_order_acquire); }
  // Requests inside an exchange now (held ones included), across all workers.
  int in_flight() const { return in_flight_.load(std::memory_order_acquire); }
  // Open client connections, buffered request bytes and refusals, for the metrics. Any thread.
  ClientAdmissionStats admission() const { return admission_.Stats(); }

 private:
  struct Worker;
  struct Conn;
  static boost::asio::awaitable<void> Session(ProxyServer* self, Worker* worker, Conn* conn,
                                              boost::asio::ip::tcp::socket socket);
  static boost::asio::awaitable<void> AcceptLoop(ProxyServer* self);
  static boost::asio::awaitable<void> RefuseConnection(boost::asio::ip::tcp::socket socket);
  ProxyServer(pool::Pool& pool, ProxyOptions options, RequestObserver observer);
  // Logs (ProxyOptions::log) and counts a failure no request reports. Any thread.
  void ReportInternalError(const std::string& what);
  // Tells every worker that the drain started. REQUIRES: drain_mu_ held.
  void TellWorkersDrainStarted();

  pool::Pool& pool_;
  const ProxyOptions options_;
  RequestObserver observer_;
  ClientAdmission admission_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  // Before the workers: sessions destroyed with their io_context still count themselves out.
  DrainState drain_;
  std::mutex drain_mu_;  // serialises BeginDrain() and AbortInFlight()
  std::atomic<int> in_flight_{0};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace maxpool::proxy
