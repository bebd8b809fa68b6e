#include "proxy/upstream_pool.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/ip/address.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/host_name_verification.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "net/http_url.h"

namespace maxpool::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

absl::StatusOr<Origin> ParseOrigin(std::string_view base_url) {
  absl::StatusOr<net::HttpUrl> url = net::ParseHttpUrl(base_url, "upstream URL");
  if (!url.ok()) return url.status();
  Origin origin;
  origin.tls = url->tls;
  origin.host = url->host_text;
  origin.port = url->port;
  origin.path_prefix = url->path;
  while (!origin.path_prefix.empty() && origin.path_prefix.back() == '/') {
    origin.path_prefix.pop_back();
  }
  return origin;
}

UpstreamConnection::UpstreamConnection(Origin origin, beast::tcp_stream stream)
    : origin_(std::move(origin)), tcp_(std::make_unique<beast::tcp_stream>(std::move(stream))) {
  buffer_.reserve(8192);
}

UpstreamConnection::UpstreamConnection(asio::io_context& ioc, asio::ssl::context* tls,
                                       Origin origin)
    : origin_(std::move(origin)) {
  // Room for a response head and a small body in one read (the default first read is 512 bytes).
  buffer_.reserve(8192);
  if (tls != nullptr) {
    ssl_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, *tls);
  } else {
    tcp_ = std::make_unique<beast::tcp_stream>(ioc);
  }
}

bool UpstreamConnection::Quiet() {
  if (!tcp().socket().is_open() || buffer_.size() > 0) return false;
  if (ssl_ && SSL_pending(ssl_->native_handle()) > 0) return false;
  char byte;
  const ssize_t n = ::recv(tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  // 0: the peer closed; > 0: bytes nobody asked for. Either way the connection is out of step.
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

UpstreamPool::UpstreamPool(asio::io_context& ioc, asio::ssl::context& tls,
                           UpstreamPoolOptions options)
    : ioc_(ioc), tls_(tls), options_(options) {}

asio::awaitable<absl::StatusOr<std::unique_ptr<UpstreamConnection>>> UpstreamPool::Acquire(
    const Origin& origin) {
  const std::string key = origin.key();
  if (auto it = idle_.find(key); it != idle_.end()) {
    auto& idle = it->second;
    const auto now = std::chrono::steady_clock::now();
    while (!idle.empty()) {
      std::unique_ptr<UpstreamConnection> conn = std::move(idle.back());
      idle.pop_back();
      if (now - conn->idle_since < options_.idle_expiry && conn->Quiet()) {
        conn->reused = true;
        co_return conn;
      }
    }
  }

  auto conn = std::make_unique<UpstreamConnection>(ioc_, origin.tls ? &tls_ : nullptr, origin);
  tcp::resolver resolver(ioc_);
  auto [rec, endpoints] = co_await resolver.async_resolve(origin.host, origin.port, kTuple);
  if (rec) {
    co_return absl::UnavailableError(
        absl::StrCat("resolve ", origin.host, ": ", rec.message(), " (EAI_AGAIN)"));
  }
  conn->tcp().expires_after(options_.connect_timeout);
  auto [cec, endpoint] = co_await conn->tcp().async_connect(endpoints, kTuple);
  if (cec) {
    const char* code = cec == beast::error::timeout             ? "ETIMEDOUT"
                       : cec == asio::error::connection_refused ? "ECONNREFUSED"
                                                                : "ECONNRESET";
    co_return absl::UnavailableError(
        absl::StrCat("connect ", origin.key(), ": ", cec.message(), " (", code, ")"));
  }
  conn->tcp().socket().set_option(tcp::no_delay(true));
  if (origin.tls) {
    auto& ssl = conn->ssl();
    if (!SSL_ctrl(ssl.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(origin.host.c_str()))) {
      co_return absl::UnavailableError(absl::StrCat("TLS SNI for ", origin.host, " failed"));
    }
    ssl.set_verify_mode(asio::ssl::verify_peer);
    ssl.set_verify_callback(asio::ssl::host_name_verification(origin.host));
    conn->tcp().expires_after(options_.connect_timeout);
    auto [hec] = co_await ssl.async_handshake(asio::ssl::stream_base::client, kTuple);
    if (hec) {
      co_return absl::UnavailableError(
          absl::StrCat("TLS handshake with ", origin.key(), ": ", hec.message()));
    }
  }
  conn->tcp().expires_never();
  co_return conn;
}

absl::StatusOr<const Origin*> UpstreamPool::OriginFor(const std::string& base_url) {
  if (auto it = origins_.find(base_url); it != origins_.end()) return &it->second;
  absl::StatusOr<Origin> origin = ParseOrigin(base_url);
  if (!origin.ok()) return origin.status();
  return &origins_.emplace(base_url, *std::move(origin)).first->second;
}

void UpstreamPool::Return(std::unique_ptr<UpstreamConnection> connection) {
  if (!connection || !connection->Quiet()) return;
  connection->tcp().expires_never();
  connection->idle_since = std::chrono::steady_clock::now();
  auto& idle = idle_[connection->origin().key()];
  if (idle.size() >= options_.max_idle_per_origin) return;
  idle.push_back(std::move(connection));
}

size_t UpstreamPool::idle_count() const {
  size_t n = 0;
  for (const auto& [key, idle] : idle_) n += idle.size();
  return n;
}

}  // namespace maxpool::proxy
