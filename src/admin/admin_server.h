#pragma once

// admin::AdminServer: the admin HTTP listener (docs/architecture.md "Processes and ports", default
// 127.0.0.1:3458). HTTP/1.1 with keep-alive on one io_context thread, Boost.Beast:
//
//   GET /metrics   200, the Prometheus text exposition format 0.0.4 (admin::Metrics)
//   GET /livez     200 "ok"                      (the process serves HTTP)
//   GET /readyz    200 "ready"; 503 "draining" while the `draining` callback says so, else 503
//                  "not ready: <reason>" while the `not_ready` callback gives a reason
//   other paths    404; other methods on these paths 405 (with `allow: GET`)
//
// Requests are bounded (headers and body, kept small: nothing here takes a body); a connection
// idle or slow beyond `idle_timeout` is closed. No authentication: it binds to loopback unless
// configured otherwise, and it only reads.
//
// Thread safety: Stop() and port() may be called from any thread. The callbacks and
// Metrics::Serialize() run on the server's thread.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "admin/metrics.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "net/spawn_report.h"

namespace maxpool::admin {

struct AdminOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 3458;  // 0 = any free port
  // /readyz answers 503 while this returns true. Null: always ready.
  std::function<bool()> draining;
  // /readyz answers 503 with the reason while this returns one (e.g. no account can serve).
  // Null: ready unless draining.
  std::function<std::optional<std::string>()> not_ready;
  // A line added to /readyz's answer (ready or not), e.g. cluster mode's state. Null or "": none.
  std::function<std::string()> detail;
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 4 * 1024;
  // A connection waiting for (or reading) a request longer than this is closed.
  std::chrono::milliseconds idle_timeout{30'000};
  // Where the listener logs a failure no request reports (an exception out of a connection's
  // coroutine; also counted in maxpool_internal_errors_total{component="admin"}). Null: stderr.
  std::function<void(const std::string&)> log;
};

class AdminServer {
 public:
  // Binds options.host:options.port and starts the server's thread. An address in use or a
  // privileged port gives an error that names the address. `metrics` must outlive the server.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(Metrics& metrics, AdminOptions options);
  ~AdminServer();  // Stop()

  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // The bound port (the free port chosen for port 0).
  uint16_t port() const { return port_; }
  // Closes the listener and every connection and joins the thread. Idempotent.
  void Stop();

 private:
  AdminServer(Metrics& metrics, AdminOptions options);
  // Logs (AdminOptions::log) and counts a failure no request reports. Any thread.
  void ReportInternalError(const std::string& what);
  // The completion handler of the listener's coroutines: reports how `what` ended, if it threw.
  net::ReportFailure Reporting(std::string what);
  static boost::asio::awaitable<void> AcceptLoop(AdminServer* self);
  static boost::asio::awaitable<void> Session(AdminServer* self,
                                              boost::asio::ip::tcp::socket socket);

  Metrics& metrics_;
  const AdminOptions options_;
  boost::asio::io_context ioc_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  // After the io_context: destroyed before it.
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace maxpool::admin
