#pragma once

// The data-plane listener (spec §8): HTTP/1.1 keep-alive connections from clients, each served by
// one coroutine that reads a request with limits, authenticates non-loopback clients, and runs an
// Exchange. Work is spread over `threads` workers, each with its own io_context and upstream
// connection pool, so no socket is ever touched by two threads.

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "pool/pool.h"
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
};
using RequestObserver = std::function<void(const RequestLogLine&)>;

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

 private:
  struct Worker;
  static boost::asio::awaitable<void> Session(ProxyServer* self, Worker* worker,
                                              boost::asio::ip::tcp::socket socket);
  static boost::asio::awaitable<void> AcceptLoop(ProxyServer* self);
  ProxyServer(pool::Pool& pool, ProxyOptions options, RequestObserver observer);

  pool::Pool& pool_;
  const ProxyOptions options_;
  RequestObserver observer_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace maxpool::proxy
