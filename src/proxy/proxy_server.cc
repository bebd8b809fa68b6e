#include "proxy/proxy_server.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/bind_cancellation_slot.hpp"
#include "boost/asio/cancellation_signal.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"
#include "credentials/same_secret.h"
#include "net/spawn_report.h"
#include "net/tls_client_context.h"
#include "proxy/client_writer.h"
#include "proxy/error_body.h"
#include "proxy/exchange.h"
#include "proxy/request_head.h"

namespace maxpool::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// A complete error answer, and the connection closes after it.
asio::awaitable<void> SendSimpleError(beast::tcp_stream& stream, unsigned version, unsigned status,
                                      std::string_view type, const std::string& message,
                                      std::optional<int> retry_after = std::nullopt) {
  TcpClientTransport transport(stream);
  ClientWriter writer(transport, std::chrono::seconds(5), version, /*keep_alive=*/false);
  http::fields headers;
  headers.set(http::field::content_type, "application/json");
  if (retry_after) headers.set(http::field::retry_after, std::to_string(*retry_after));
  std::string body = ErrorJson(type, message);
  co_await writer.Respond(status, std::move(headers), std::move(body));
}

// Ends a connection so that the client reads our last answer: closing a socket with unread input
// resets it, and a reset can discard the answer before the client reads it (a refused upload
// still sending its body). So: no more writes, then the client's bytes are read and dropped until
// it closes, 1 MiB, or 2 s, whichever comes first. Memory: one small buffer.
asio::awaitable<void> LingeringClose(beast::tcp_stream& stream) {
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (!ec) {
    std::array<char, 4096> sink;
    size_t drained = 0;
    stream.expires_after(std::chrono::seconds(2));
    while (drained < (size_t{1} << 20)) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
      if (rec) break;
      drained += n;
    }
    stream.expires_never();
  }
  stream.socket().close(ec);
}

// The answer when the proxy's own bounds are reached (client connections, buffered bytes).
asio::awaitable<void> SendBusy(beast::tcp_stream& stream, unsigned version) {
  static const std::string kBusy =
      "maxpool is holding as many client requests as it is configured to; retry shortly.";
  co_await SendSimpleError(stream, version, 503, "overloaded_error", kBusy, /*retry_after=*/1);
}

// The answer to a request that arrives after the drain's accept grace.
asio::awaitable<void> SendDraining(beast::tcp_stream& stream, unsigned version,
                                   std::chrono::milliseconds write_timeout) {
  TcpClientTransport transport(stream);
  ClientWriter writer(transport, write_timeout, version, /*keep_alive=*/false);
  http::fields headers;
  headers.set(http::field::content_type, "application/json");
  headers.set(http::field::retry_after, std::to_string(kDrainingRetryAfterSeconds));
  std::string body = ErrorJson("overloaded_error", kDrainingMessage);
  co_await writer.Respond(503, std::move(headers), std::move(body));
}

std::string BodyLimitMessage(size_t limit) {
  if (limit % (size_t{1} << 20) == 0) {
    return absl::StrCat("Request body exceeds the ", limit >> 20, " MiB limit.");
  }
  return absl::StrCat("Request body exceeds the ", limit, "-byte limit.");
}

}  // namespace

pool::RequestFinished FinishedEvent(const RequestLogLine& line) {
  pool::RequestFinished event;
  event.account = line.account;
  event.method = line.method;
  event.target = line.target;
  event.status = static_cast<int>(line.status);
  event.duration = absl::Seconds(line.seconds);
  event.attempts = line.attempts;
  event.held = line.held;
  event.truncated = line.truncated || line.aborted;
  event.client_gone = line.client_gone;
  event.failure = std::string(core::FailureClassName(line.failure));
  event.input_tokens = line.input_tokens;
  event.output_tokens = line.output_tokens;
  if (line.upstream_ttfb_seconds >= 0)
    event.upstream_ttfb = absl::Seconds(line.upstream_ttfb_seconds);
  if (line.before_upstream_seconds >= 0) {
    event.before_upstream = absl::Seconds(line.before_upstream_seconds);
  }
  return event;
}

// One client connection as a drain or an abort reaches it: touched only on its worker's thread.
// Owned by the session's completion handler, so that the cancellation signal bound to the
// session outlives the whole coroutine (asio reads the signal's state until its very end).
struct ProxyServer::Conn {
  beast::tcp_stream* stream = nullptr;
  Exchange* exchange = nullptr;     // the request being served, if any
  bool idle = false;                // waiting for the next request of a kept-alive connection
  bool closed_by_drain = false;     // that wait was cancelled by a drain
  asio::cancellation_signal abort;  // bound to the session: ends the exchange's current wait
  Conn* prev = nullptr;
  Conn* next = nullptr;
};

struct ProxyServer::Worker {
  Worker(asio::ssl::context& tls, const ProxyOptions& options)
      : buffers(options.relay_buffer_bytes, /*max_cached=*/64),
        work(ioc.get_executor()),
        upstreams(ioc, tls, UpstreamPoolOptions{options.connect_timeout}) {
    // Asio makes an io_context's reactor (an epoll, an eventfd, a timerfd) when the first socket
    // or timer needs it. Made now, while descriptors are plentiful: made later inside an accept's
    // completion, at the moment descriptors ran out, it would throw out of the worker's loop.
    tcp::socket warm(ioc);
    asio::steady_timer warm_timer(ioc);
  }

  void Link(Conn* conn) {
    conn->next = conns;
    if (conns != nullptr) conns->prev = conn;
    conns = conn;
  }
  void Unlink(Conn* conn) {
    if (conn->prev != nullptr) conn->prev->next = conn->next;
    if (conn->next != nullptr) conn->next->prev = conn->prev;
    if (conns == conn) conns = conn->next;
    conn->prev = conn->next = nullptr;
  }
  // A drain started: idle kept-alive connections close now (their sessions see closed_by_drain);
  // the responses being prepared end their connection.
  void OnDrain() {
    for (Conn* c = conns; c != nullptr; c = c->next) {
      if (c->exchange != nullptr) c->exchange->EndConnection();
      if (c->idle && !c->closed_by_drain) {
        c->closed_by_drain = true;
        boost::system::error_code ignored;
        c->stream->socket().cancel(ignored);
      }
    }
  }
  // The drain deadline: every running exchange stops waiting and answers.
  void OnAbort() {
    for (Conn* c = conns; c != nullptr;) {
      Conn* next = c->next;  // (taken first: nothing below may unlink `c`, but cheap to be safe)
      if (c->exchange != nullptr) {
        c->exchange->Abort();
        c->abort.emit(asio::cancellation_type::terminal);
      }
      c = next;
    }
  }

  // Declared first so that they outlive the io_context: destroying the io_context destroys
  // suspended exchanges, which hand their buffers back and unlink their connections.
  RelayBuffers buffers;
  Conn* conns = nullptr;  // this worker's connections (intrusive list)
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work;
  UpstreamPool upstreams;
};

// One coroutine per connection (STYLE §4): read a request with limits, authenticate, run the
// exchange, loop while keep-alive. A free function so that its arguments live in the coroutine
// frame (a capturing lambda coroutine would dangle once the lambda object is gone).
asio::awaitable<void> ProxyServer::Session(ProxyServer* self, Worker* worker_ptr, Conn* conn,
                                           tcp::socket socket) {
  // An abort cancels the connection's wait in progress (conn->abort); the exchange then answers
  // and ends on its own terms, so no later co_await may throw for that cancellation.
  co_await asio::this_coro::throw_if_cancelled(false);
  Worker& worker = *worker_ptr;
  const ProxyOptions& o = self->options_;
  beast::tcp_stream stream(std::move(socket));
  // On the worker's list for the session's life, so that a drain or an abort reaches it.
  struct Linked {
    Worker& worker;
    Conn* conn;
    ~Linked() { worker.Unlink(conn); }
  };
  conn->stream = &stream;
  worker.Link(conn);
  const Linked linked{worker, conn};
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
    // Draining: no next request on a kept-alive connection (unless it is already here). Checked
    // on this thread right before the idle wait is marked, so a drain either sees the wait in
    // OnDrain() or is seen here.
    if (!first && buffer.size() == 0 && self->drain_.draining.load(std::memory_order_acquire)) {
      break;
    }
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
    std::shared_ptr<HeaderDeadline> deadline;
    boost::system::error_code hec;
    std::chrono::milliseconds wait = first ? o.header_timeout : o.idle_keepalive;
    bool idle = !first && buffer.size() == 0;
    first = false;
    while (true) {
      deadline = std::make_shared<HeaderDeadline>();
      asio::steady_timer header_timer(stream.get_executor());
      header_timer.expires_after(wait);
      header_timer.async_wait([deadline, &stream](boost::system::error_code ec) {
        if (ec || !deadline->armed) return;
        deadline->fired = true;
        boost::system::error_code ignored;
        stream.socket().cancel(ignored);
      });
      conn->idle = idle;
      auto [ec, hn] = co_await http::async_read_header(stream, buffer, parser, kTuple);
      conn->idle = false;
      deadline->armed = false;
      header_timer.cancel();
      hec = ec;
      if (!conn->closed_by_drain) break;
      // A drain cancelled the idle wait. If a request was already arriving, it is read and
      // answered (served in the accept grace, else the 503); otherwise the connection closes.
      conn->closed_by_drain = false;
      if (ec != asio::error::operation_aborted || deadline->fired) break;
      boost::system::error_code available_ec;
      if (buffer.size() == 0 && stream.socket().available(available_ec) == 0) break;
      wait = o.header_timeout;
      idle = false;
    }
    if (hec == http::error::header_limit) {
      const std::string message = "Request headers are too large.";
      co_await SendSimpleError(stream, 11, 431, "request_too_large", message);
      break;
    }
    if (hec == http::error::body_limit) {  // a Content-Length above the limit
      const std::string message = BodyLimitMessage(o.max_body_bytes);
      co_await SendSimpleError(stream, 11, 413, "request_too_large", message);
      break;
    }
    if (hec && deadline->fired) {
      if (buffer.size() > 0) {
        const std::string message = "The request headers did not arrive in time.";
        co_await SendSimpleError(stream, 11, 408, "timeout_error", message);
      }
      break;
    }
    if (hec == http::error::end_of_stream || hec == asio::error::eof ||
        hec == asio::error::connection_reset || hec == asio::error::operation_aborted) {
      break;
    }
    if (hec) {
      const std::string message = absl::StrCat("Malformed HTTP request: ", hec.message());
      self->admission_.CountRefusal(ClientRefusal::kMalformed);
      co_await SendSimpleError(stream, 11, 400, "invalid_request_error", message);
      break;
    }
    const unsigned version = parser.get().version();
    // The head is checked before any byte of the body is read or `100 Continue` is sent: a
    // request that breaks the framing rules, or a remote client without the key, costs nothing.
    if (const std::optional<std::string> problem = RequestHeadProblem(parser.get())) {
      self->admission_.CountRefusal(ClientRefusal::kMalformed);
      co_await SendSimpleError(stream, version, 400, "invalid_request_error", *problem);
      break;
    }
    if ((!loopback || o.key_required_on_loopback) && !o.api_key.empty()) {
      const auto key = parser.get()["x-api-key"];
      if (!credentials::SameSecret(std::string_view(key.data(), key.size()), o.api_key)) {
        self->admission_.CountRefusal(ClientRefusal::kUnauthenticated);
        const std::string message = "Invalid proxy API key";
        co_await SendSimpleError(stream, version, 401, "authentication_error", message);
        break;  // its body is never read: the connection closes
      }
    }
    BodyReservation reservation(self->admission_);
    const boost::optional<uint64_t> declared = parser.content_length();
    if (declared && !reservation.GrowTo(static_cast<int64_t>(*declared))) {
      self->admission_.CountRefusal(ClientRefusal::kBufferedBytes);
      co_await SendBusy(stream, version);
      break;
    }
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [cec, cn] = co_await asio::async_write(
          stream, asio::buffer(kContinue.data(), kContinue.size()), kTuple);
      if (cec) break;
    }
    // The body, reserved as it arrives (a chunked body has no length to reserve up front).
    stream.expires_after(o.body_timeout);
    boost::system::error_code bec;
    bool over_budget = false;
    while (!parser.is_done()) {
      auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, kTuple);
      if (ec) {
        bec = ec;
        break;
      }
      if (!reservation.GrowTo(static_cast<int64_t>(parser.get().body().size()))) {
        over_budget = true;
        break;
      }
    }
    stream.expires_never();
    if (over_budget) {
      self->admission_.CountRefusal(ClientRefusal::kBufferedBytes);
      co_await SendBusy(stream, version);
      break;
    }
    if (bec == http::error::body_limit) {
      const std::string message = BodyLimitMessage(o.max_body_bytes);
      co_await SendSimpleError(stream, version, 413, "request_too_large", message);
      break;
    }
    if (bec) {
      if (bec != http::error::end_of_stream && bec != asio::error::eof) {
        const std::string message = absl::StrCat("Malformed request body: ", bec.message());
        co_await SendSimpleError(stream, version, 400, "invalid_request_error", message);
      }
      break;
    }
    if (self->drain_.Refusing()) {  // past the drain's accept grace
      co_await SendDraining(stream, version, o.client_write_timeout);
      break;
    }
    const http::request<http::string_body>& request = parser.get();
    // From the drain's start every response ends its connection.
    const bool keep_alive =
        request.keep_alive() && !self->drain_.draining.load(std::memory_order_acquire);
    const auto started = std::chrono::steady_clock::now();
    TcpClientTransport transport(stream);
    Exchange exchange(ExchangeEnv{self->pool_, o, worker.upstreams, worker.buffers, self->drain_},
                      transport, request, keep_alive);
    // Counted in flight and reachable by OnDrain()/OnAbort() while it runs (also when the
    // io_context is destroyed with the exchange suspended).
    struct Serving {
      std::atomic<int>& in_flight;
      Conn* conn;
      ~Serving() {
        conn->exchange = nullptr;
        in_flight.fetch_sub(1, std::memory_order_acq_rel);
      }
    };
    ExchangeSummary summary;
    {
      self->in_flight_.fetch_add(1, std::memory_order_relaxed);
      conn->exchange = &exchange;
      const Serving serving{self->in_flight_, conn};
      summary = co_await exchange.Run();
    }
    exchange.SubmitCapture();  // `--log-to`: a null check unless a request sink is configured
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
      line.aborted = summary.aborted;
      line.input_tokens = summary.input_tokens;
      line.output_tokens = summary.output_tokens;
      line.failure = summary.failure;
      using Seconds = std::chrono::duration<double>;
      if (summary.upstream_ttfb.count() >= 0) {
        line.upstream_ttfb_seconds = Seconds(summary.upstream_ttfb).count();
      }
      if (summary.before_upstream.count() >= 0) {
        line.before_upstream_seconds = Seconds(summary.before_upstream).count();
      }
      self->observer_(line);
    }
    if (!exchange.keep_alive()) break;
  }
  co_await LingeringClose(stream);
}

asio::awaitable<void> ProxyServer::AcceptLoop(ProxyServer* self) {
  size_t next = 0;
  // After a failed accept (out of file descriptors, buffers, memory) the loop waits before the
  // next try instead of spinning: 10 ms, doubling to 1 s, reset by a success.
  std::chrono::milliseconds backoff{0};
  asio::steady_timer pause(co_await asio::this_coro::executor);
  while (!self->stopped_) {
    Worker& worker = *self->workers_[next++ % self->workers_.size()];
    auto [aec, socket] = co_await self->acceptor_->async_accept(worker.ioc, kTuple);
    if (aec) {
      if (aec == asio::error::operation_aborted || self->stopped_) co_return;
      self->admission_.CountAcceptError();
      backoff = std::min(std::chrono::milliseconds(1000),
                         std::max(std::chrono::milliseconds(10), backoff * 2));
      pause.expires_after(backoff);
      auto [pec] = co_await pause.async_wait(kTuple);
      if (pec) co_return;
      continue;
    }
    backoff = std::chrono::milliseconds(0);
    if (!self->admission_.EnterConnection()) {
      self->admission_.CountRefusal(ClientRefusal::kConnections);
      asio::co_spawn(
          worker.ioc, RefuseConnection(std::move(socket)),
          net::ReportFailure("refusing a client connection",
                             [self](const std::string& line) { self->ReportInternalError(line); }));
      continue;
    }
    // The handler owns the connection's record: see Conn.
    auto conn = std::make_shared<Conn>();
    Conn* raw = conn.get();
    asio::co_spawn(worker.ioc, Session(self, &worker, raw, std::move(socket)),
                   asio::bind_cancellation_slot(raw->abort.slot(), [self, conn = std::move(conn)](
                                                                       std::exception_ptr e) {
                     self->admission_.LeaveConnection();
                     if (e) {
                       self->ReportInternalError(net::DescribeException("a client connection", e));
                     }
                   }));
  }
}

// Over the connection cap: a 503 at once, without reading the request, then close.
asio::awaitable<void> ProxyServer::RefuseConnection(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  co_await SendBusy(stream, 11);
  // No lingering here: over the cap, the descriptor goes back at once.
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.socket().close(ignored);
}

ProxyServer::ProxyServer(pool::Pool& pool, ProxyOptions options, RequestObserver observer)
    : pool_(pool),
      options_(std::move(options)),
      observer_(std::move(observer)),
      admission_(options_.max_client_connections, options_.max_buffered_request_bytes),
      drain_(pool.clock()) {}

ProxyServer::~ProxyServer() { Stop(); }

absl::StatusOr<std::unique_ptr<ProxyServer>> ProxyServer::Start(pool::Pool& pool,
                                                                ProxyOptions options,
                                                                RequestObserver observer) {
  std::unique_ptr<ProxyServer> server(
      new ProxyServer(pool, std::move(options), std::move(observer)));
  const ProxyOptions& opt = server->options_;
  absl::StatusOr<std::unique_ptr<asio::ssl::context>> tls =
      net::MakeTlsClientContext(opt.upstream_ca_file);
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

  ProxyServer* reporter = server.get();
  asio::co_spawn(
      server->workers_[0]->ioc, AcceptLoop(server.get()),
      net::ReportFailure("the data-plane accept loop", [reporter](const std::string& line) {
        reporter->ReportInternalError(line);
      }));
  for (auto& worker : server->workers_) {
    Worker* w = worker.get();
    ProxyServer* self = server.get();
    server->threads_.emplace_back([w, self] {
      // An exception out of a handler must not take every other client's stream with it: it is
      // logged and counted, and the loop carries on.
      while (true) {
        try {
          w->ioc.run();
          return;
        } catch (const std::exception& e) {
          self->ReportInternalError(absl::StrCat("data plane: ", e.what()));
        } catch (...) {
          self->ReportInternalError("data plane: an unknown exception");
        }
      }
    });
  }
  return server;
}

void ProxyServer::ReportInternalError(const std::string& what) {
  admission_.CountInternalError();
  if (options_.log) {
    options_.log(absl::StrCat("error: ", what, "; the data plane carries on"));
  } else {
    std::fprintf(stderr, "maxpool: error: %s; the data plane carries on\n", what.c_str());
  }
}

void ProxyServer::BeginDrain(std::chrono::milliseconds accept_grace) {
  std::lock_guard<std::mutex> lock(drain_mu_);
  if (drain_.Begin(absl::FromChrono(accept_grace))) TellWorkersDrainStarted();
}

void ProxyServer::AbortInFlight() {
  std::lock_guard<std::mutex> lock(drain_mu_);
  const DrainState::AbortResult result = drain_.Abort();
  if (!result.aborted) return;
  if (result.started) TellWorkersDrainStarted();
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    asio::post(w->ioc, [w] { w->OnAbort(); });
  }
}

void ProxyServer::TellWorkersDrainStarted() {
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    asio::post(w->ioc, [w] { w->OnDrain(); });
  }
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
