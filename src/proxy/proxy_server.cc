#include "proxy/proxy_server.h"

#include <openssl/crypto.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"
#include "proxy/client_writer.h"
#include "proxy/error_body.h"
#include "proxy/exchange.h"

namespace maxpool::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

asio::awaitable<void> SendSimpleError(beast::tcp_stream& stream, unsigned version, unsigned status,
                                      std::string_view type, std::string message) {
  ClientWriter writer(stream, std::chrono::seconds(5), version, /*keep_alive=*/false);
  http::fields headers;
  headers.set(http::field::content_type, "application/json");
  co_await writer.Respond(status, headers, ErrorJson(type, message));
}

std::string BodyLimitMessage(size_t limit) {
  if (limit % (size_t{1} << 20) == 0) {
    return absl::StrCat("Request body exceeds the ", limit >> 20, " MiB limit.");
  }
  return absl::StrCat("Request body exceeds the ", limit, "-byte limit.");
}

}  // namespace

struct ProxyServer::Worker {
  Worker(asio::ssl::context& tls, const ProxyOptions& options)
      : buffers(options.relay_buffer_bytes, /*max_cached=*/64),
        work(ioc.get_executor()),
        upstreams(ioc, tls, UpstreamPoolOptions{options.connect_timeout}) {}
  // Declared first so that it outlives the io_context: destroying the io_context destroys
  // suspended exchanges, which hand their buffers back.
  RelayBuffers buffers;
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work;
  UpstreamPool upstreams;
};

// One coroutine per connection (STYLE §4): read a request with limits, authenticate, run the
// exchange, loop while keep-alive. A free function so that its arguments live in the coroutine
// frame (a capturing lambda coroutine would dangle once the lambda object is gone).
asio::awaitable<void> ProxyServer::Session(ProxyServer* self, Worker* worker_ptr,
                                           tcp::socket socket) {
  Worker& worker = *worker_ptr;
  const ProxyOptions& o = self->options_;
  beast::tcp_stream stream(std::move(socket));
  boost::system::error_code peer_ec;
  const tcp::endpoint peer = stream.socket().remote_endpoint(peer_ec);
  const bool loopback =
      !peer_ec && (peer.address().is_loopback() ||
                   (peer.address().is_v6() && peer.address().to_v6().is_v4_mapped() &&
                    peer.address().to_v6().to_v4().is_loopback()));
  stream.socket().set_option(tcp::no_delay(true), peer_ec);
  beast::flat_buffer buffer;
  bool first = true;
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(o.max_header_bytes));
    parser.body_limit(o.max_body_bytes);
    // The header deadline cancels the read rather than closing the socket (as a tcp_stream
    // expiry would), so a client that started a request can still be told 408. The handler may
    // run after the read completed; `armed` makes it a no-op then.
    struct HeaderDeadline {
      bool armed = true;
      bool fired = false;
    };
    auto deadline = std::make_shared<HeaderDeadline>();
    asio::steady_timer header_timer(stream.get_executor());
    header_timer.expires_after(first ? o.header_timeout : o.idle_keepalive);
    header_timer.async_wait([deadline, &stream](boost::system::error_code ec) {
      if (ec || !deadline->armed) return;
      deadline->fired = true;
      boost::system::error_code ignored;
      stream.socket().cancel(ignored);
    });
    first = false;
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    deadline->armed = false;
    header_timer.cancel();
    if (hec == http::error::header_limit) {
      co_await SendSimpleError(stream, 11, 431, "request_too_large",
                               "Request headers are too large.");
      break;
    }
    if (hec == http::error::body_limit) {  // a Content-Length above the limit
      co_await SendSimpleError(stream, 11, 413, "request_too_large",
                               BodyLimitMessage(o.max_body_bytes));
      break;
    }
    if (hec && deadline->fired) {
      if (buffer.size() > 0) {
        co_await SendSimpleError(stream, 11, 408, "timeout_error",
                                 "The request headers did not arrive in time.");
      }
      break;
    }
    if (hec == http::error::end_of_stream || hec == asio::error::eof ||
        hec == asio::error::connection_reset || hec == asio::error::operation_aborted) {
      break;
    }
    if (hec) {
      co_await SendSimpleError(stream, 11, 400, "invalid_request_error",
                               absl::StrCat("Malformed HTTP request: ", hec.message()));
      break;
    }
    const unsigned version = parser.get().version();
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [cec, cn] = co_await asio::async_write(
          stream, asio::buffer(kContinue.data(), kContinue.size()), kTuple);
      if (cec) break;
    }
    stream.expires_after(o.body_timeout);
    auto [bec, bn] = co_await http::async_read(stream, buffer, parser, kTuple);
    stream.expires_never();
    if (bec == http::error::body_limit) {
      co_await SendSimpleError(stream, version, 413, "request_too_large",
                               BodyLimitMessage(o.max_body_bytes));
      break;
    }
    if (bec) {
      if (bec != http::error::end_of_stream && bec != asio::error::eof) {
        co_await SendSimpleError(stream, version, 400, "invalid_request_error",
                                 absl::StrCat("Malformed request body: ", bec.message()));
      }
      break;
    }
    const http::request<http::string_body>& request = parser.get();
    if (!loopback && !o.api_key.empty()) {
      const auto key = request["x-api-key"];
      if (!ConstantTimeEquals(std::string_view(key.data(), key.size()), o.api_key)) {
        ClientWriter writer(stream, o.client_write_timeout, version, request.keep_alive());
        http::fields headers;
        headers.set(http::field::content_type, "application/json");
        co_await writer.Respond(401, headers,
                                ErrorJson("authentication_error", "Invalid proxy API key"));
        if (!writer.keep_alive()) break;
        continue;
      }
    }
    const auto started = std::chrono::steady_clock::now();
    Exchange exchange(ExchangeEnv{self->pool_, o, worker.upstreams, worker.buffers}, stream,
                      request, request.keep_alive());
    const ExchangeSummary summary = co_await exchange.Run();
    if (self->observer_) {
      RequestLogLine line;
      line.method = std::string(request.method_string());
      line.target = std::string(request.target());
      line.account = summary.account;
      line.status = summary.status;
      line.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      line.attempts = summary.attempts;
      line.held = summary.held;
      line.truncated = summary.truncated;
      line.client_gone = summary.client_gone;
      self->observer_(line);
    }
    if (!exchange.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> ProxyServer::AcceptLoop(ProxyServer* self) {
  size_t next = 0;
  while (!self->stopped_) {
    Worker& worker = *self->workers_[next++ % self->workers_.size()];
    auto [aec, socket] = co_await self->acceptor_->async_accept(worker.ioc, kTuple);
    if (aec) {
      if (aec == asio::error::operation_aborted || self->stopped_) co_return;
      continue;
    }
    asio::co_spawn(worker.ioc, Session(self, &worker, std::move(socket)), asio::detached);
  }
}

ProxyServer::ProxyServer(pool::Pool& pool, ProxyOptions options, RequestObserver observer)
    : pool_(pool), options_(std::move(options)), observer_(std::move(observer)) {}

ProxyServer::~ProxyServer() { Stop(); }

absl::StatusOr<std::unique_ptr<ProxyServer>> ProxyServer::Start(pool::Pool& pool,
                                                                ProxyOptions options,
                                                                RequestObserver observer) {
  std::unique_ptr<ProxyServer> server(
      new ProxyServer(pool, std::move(options), std::move(observer)));
  const ProxyOptions& opt = server->options_;
  absl::StatusOr<std::unique_ptr<asio::ssl::context>> tls =
      MakeClientTlsContext(opt.upstream_ca_file);
  if (!tls.ok()) return tls.status();
  server->tls_ = std::move(*tls);
  const int threads = std::max(1, opt.threads);
  for (int i = 0; i < threads; ++i) {
    server->workers_.push_back(std::make_unique<Worker>(*server->tls_, opt));
  }

  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(opt.host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("proxy.host \"", opt.host, "\" is not an IP address"));
  }
  auto acceptor = std::make_unique<tcp::acceptor>(server->workers_[0]->ioc);
  const tcp::endpoint endpoint(address, opt.port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (ec == asio::error::address_in_use) {
    return absl::FailedPreconditionError(
        absl::StrCat(opt.host, ":", opt.port,
                     " is already in use. Is maxpool already running? Try `maxpool "
                     "status`, or find the owner with `lsof -nP -iTCP:",
                     opt.port, " -sTCP:LISTEN`."));
  }
  if (ec == asio::error::access_denied) {
    return absl::PermissionDeniedError(absl::StrCat("cannot listen on ", opt.host, ":", opt.port,
                                                    ": choose a non-privileged port (> 1024)"));
  }
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", opt.host, ":", opt.port, ": ", ec.message()));
  }
  server->port_ = acceptor->local_endpoint().port();
  server->acceptor_ = std::move(acceptor);

  asio::co_spawn(server->workers_[0]->ioc, AcceptLoop(server.get()), asio::detached);
  for (auto& worker : server->workers_) {
    Worker* w = worker.get();
    server->threads_.emplace_back([w] { w->ioc.run(); });
  }
  return server;
}

void ProxyServer::Stop() {
  if (stopped_.exchange(true)) return;
  if (acceptor_) {
    asio::post(workers_[0]->ioc, [this] {
      boost::system::error_code ignored;
      acceptor_->close(ignored);
    });
  }
  for (auto& worker : workers_) {
    worker->work.reset();
    worker->ioc.stop();
  }
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace maxpool::proxy
