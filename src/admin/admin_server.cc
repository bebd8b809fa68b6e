#include "admin/admin_server.h"

#include <exception>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/message.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"
#include "boost/beast/http/write.hpp"

namespace maxpool::admin {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

using Response = http::response<http::string_body>;

Response MakeResponse(http::status status, unsigned version, bool keep_alive,
                      std::string_view content_type, std::string body) {
  Response response(status, version);
  response.set(http::field::server, "maxpool-admin");
  response.set(http::field::content_type, content_type);
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

// The answer to one well-formed request.
Response Route(const http::request<http::string_body>& request, Metrics& metrics,
               const AdminOptions& options) {
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  const beast::string_view full = request.target();
  std::string_view path(full.data(), full.size());
  path = path.substr(0, path.find('?'));
  const bool known = path == "/metrics" || path == "/livez" || path == "/readyz";
  if (!known) {
    return MakeResponse(http::status::not_found, version, keep_alive, kTextPlain, "not found\n");
  }
  if (request.method() != http::verb::get) {
    Response response = MakeResponse(http::status::method_not_allowed, version, keep_alive,
                                     kTextPlain, "method not allowed\n");
    response.set(http::field::allow, "GET");
    return response;
  }
  if (path == "/metrics") {
    Response response = MakeResponse(http::status::ok, version, keep_alive, kMetricsContentType,
                                     metrics.Serialize());
    response.set(http::field::cache_control, "no-store");
    return response;
  }
  if (path == "/livez")
    return MakeResponse(http::status::ok, version, keep_alive, kTextPlain, "ok\n");
  if (options.draining && options.draining()) {
    return MakeResponse(http::status::service_unavailable, version, keep_alive, kTextPlain,
                        "draining\n");
  }
  std::string detail = options.detail ? options.detail() : std::string();
  if (!detail.empty()) detail += "\n";
  if (options.not_ready) {
    if (std::optional<std::string> reason = options.not_ready()) {
      return MakeResponse(http::status::service_unavailable, version, keep_alive, kTextPlain,
                          "not ready: " + *reason + "\n" + detail);
    }
  }
  return MakeResponse(http::status::ok, version, keep_alive, kTextPlain, "ready\n" + detail);
}

}  // namespace

AdminServer::AdminServer(Metrics& metrics, AdminOptions options)
    : metrics_(metrics), options_(std::move(options)), work_(ioc_.get_executor()) {}

AdminServer::~AdminServer() { Stop(); }

// One coroutine per connection: read a bounded request, answer, loop while keep-alive. A static
// member taking its state as arguments (a capturing lambda coroutine would dangle).
asio::awaitable<void> AdminServer::Session(AdminServer* self, tcp::socket socket) {
  const AdminOptions& o = self->options_;
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(o.max_header_bytes));
    parser.body_limit(o.max_body_bytes);
    stream.expires_after(o.idle_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
    Response response;
    if (ec == http::error::header_limit) {
      response = MakeResponse(http::status::request_header_fields_too_large, 11, false, kTextPlain,
                              "request headers too large\n");
    } else if (ec == http::error::body_limit) {
      response = MakeResponse(http::status::payload_too_large, 11, false, kTextPlain,
                              "request body too large\n");
    } else if (ec == http::error::end_of_stream || ec == asio::error::eof ||
               ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
               ec == beast::error::timeout) {
      break;
    } else if (ec) {
      response = MakeResponse(http::status::bad_request, 11, false, kTextPlain,
                              absl::StrCat("malformed request: ", ec.message(), "\n"));
    } else {
      response = Route(parser.get(), self->metrics_, o);
    }
    const bool keep_alive = response.keep_alive();
    stream.expires_after(o.idle_timeout);
    auto [wec, wn] = co_await http::async_write(stream, response, kTuple);
    if (wec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> AdminServer::AcceptLoop(AdminServer* self) {
  while (!self->stopped_) {
    auto [ec, socket] = co_await self->acceptor_->async_accept(kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || self->stopped_) co_return;
      continue;
    }
    asio::co_spawn(self->ioc_, Session(self, std::move(socket)),
                   self->Reporting("an admin connection"));
  }
}

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(Metrics& metrics,
                                                                AdminOptions options) {
  std::unique_ptr<AdminServer> server(new AdminServer(metrics, std::move(options)));
  const AdminOptions& opt = server->options_;
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(opt.host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin.host \"", opt.host, "\" is not an IP address"));
  }
  auto acceptor = std::make_unique<tcp::acceptor>(server->ioc_);
  const tcp::endpoint endpoint(address, opt.port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (ec == asio::error::address_in_use) {
    return absl::FailedPreconditionError(absl::StrCat(
        "admin listener: ", opt.host, ":", opt.port,
        " is already in use. Is maxpool already running? Choose another admin.port, or find the "
        "owner with `lsof -nP -iTCP:",
        opt.port, " -sTCP:LISTEN`."));
  }
  if (ec == asio::error::access_denied) {
    return absl::PermissionDeniedError(absl::StrCat("admin listener: cannot listen on ", opt.host,
                                                    ":", opt.port,
                                                    ": choose a non-privileged port (> 1024)"));
  }
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("admin listener: cannot listen on ", opt.host, ":",
                                               opt.port, ": ", ec.message()));
  }
  server->port_ = acceptor->local_endpoint().port();
  server->acceptor_ = std::move(acceptor);
  asio::co_spawn(server->ioc_, AcceptLoop(server.get()),
                 server->Reporting("the admin accept loop"));
  AdminServer* raw = server.get();
  server->thread_ = std::thread([raw] { raw->ioc_.run(); });
  return server;
}

void AdminServer::ReportInternalError(const std::string& what) {
  metrics_.RecordInternalError("admin");
  if (options_.log) {
    options_.log(absl::StrCat("error: ", what));
  } else {
    net::ReportToStderr(what);
  }
}

net::ReportFailure AdminServer::Reporting(std::string what) {
  return net::ReportFailure(std::move(what),
                            [this](const std::string& line) { ReportInternalError(line); });
}

void AdminServer::Stop() {
  if (stopped_.exchange(true)) return;
  if (acceptor_) {
    asio::post(ioc_, [this] {
      boost::system::error_code ignored;
      acceptor_->close(ignored);
    });
  }
  work_.reset();
  ioc_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace maxpool::admin
