#pragma once

// Keep-alive connections to upstream origins (spec §12.11, §14 item 58: HTTP/1.1, one request
// per connection at a time). A connection is pooled and reused only while it is in step: its
// last response read to the end and nothing received since. TLS goes through OpenSSL with
// certificate and host-name verification against the system store (plus an optional extra CA file);
// it is never turned off. Plain HTTP is allowed only to loopback hosts.
//
// Thread safety: none. Each proxy worker thread owns one UpstreamPool, used only by coroutines on
// that thread's io_context.

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/statusor.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/ssl/ssl_stream.hpp"

namespace maxpool::proxy {

// scheme://host:port of an upstream base URL, plus its path prefix ("" for "https://h").
struct Origin {
  bool tls = true;
  std::string host;
  std::string port;
  std::string path_prefix;
  std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
  // The Host header value: the port only when it is not the scheme's default (RFC 9110 §7.2).
  std::string authority() const { return port == (tls ? "443" : "80") ? host : host + ":" + port; }
};

// Parses "https://api.anthropic.com" or "http://127.0.0.1:8080/prefix" with net::ParseHttpUrl
// (labelled "upstream URL"): INVALID_ARGUMENT for a bad URL, a scheme other than http/https, user
// info, a bad port, or plain http to a host that is not loopback. `host` keeps an IPv6 literal's
// brackets.
absl::StatusOr<Origin> ParseOrigin(std::string_view base_url);

class UpstreamConnection {
 public:
  UpstreamConnection(boost::asio::io_context& ioc, boost::asio::ssl::context* tls, Origin origin);
  // A plain connection already established (a test's in-process socket pair).
  UpstreamConnection(Origin origin, boost::beast::tcp_stream stream);

  bool tls() const { return ssl_ != nullptr; }
  boost::beast::tcp_stream& tcp() { return ssl_ ? boost::beast::get_lowest_layer(*ssl_) : *tcp_; }
  boost::beast::ssl_stream<boost::beast::tcp_stream>& ssl() { return *ssl_; }
  boost::beast::flat_buffer& buffer() { return buffer_; }
  const Origin& origin() const { return origin_; }
  // Open, with no byte waiting to be read, neither buffered nor on the socket (a peer's close or a
  // response nobody asked for would be): only then may it carry the next request.
  bool Quiet();
  // True when this connection served an earlier request (it may have been closed by the peer
  // while idle; a failure before any response byte is then retried on a fresh connection).
  bool reused = false;
  std::chrono::steady_clock::time_point idle_since;

 private:
  friend class UpstreamPool;
  Origin origin_;
  std::unique_ptr<boost::beast::tcp_stream> tcp_;
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> ssl_;
  boost::beast::flat_buffer buffer_;
};

struct UpstreamPoolOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds idle_expiry{30000};
  size_t max_idle_per_origin = 64;
};

// Where an exchange gets its upstream connections: UpstreamPool in the proxy; tests hand out
// connections over in-process socket pairs to script an upstream byte by byte.
class Upstreams {
 public:
  virtual ~Upstreams() = default;
  // An idle connection to `origin`, or a new one. The error says which step failed and why.
  virtual boost::asio::awaitable<absl::StatusOr<std::unique_ptr<UpstreamConnection>>> Acquire(
      const Origin& origin) = 0;
  // ParseOrigin(base_url); the pointer stays valid for the Upstreams' life.
  virtual absl::StatusOr<const Origin*> OriginFor(const std::string& base_url) = 0;
  // Hands back a connection whose last response was read completely with keep-alive.
  virtual void Return(std::unique_ptr<UpstreamConnection> connection) = 0;
};

class UpstreamPool final : public Upstreams {
 public:
  UpstreamPool(boost::asio::io_context& ioc, boost::asio::ssl::context& tls,
               UpstreamPoolOptions options);

  // An idle connection to `origin`, or a new one (resolve, connect, TLS handshake with SNI and
  // verification). The error says which step failed and why (for logs and the network class).
  boost::asio::awaitable<absl::StatusOr<std::unique_ptr<UpstreamConnection>>> Acquire(
      const Origin& origin) override;

  // ParseOrigin(base_url), remembered per base URL: the hot path parses each URL once. The
  // pointer stays valid for the pool's life.
  absl::StatusOr<const Origin*> OriginFor(const std::string& base_url) override;

  // Hands back a connection whose last response was read completely with keep-alive; dropped
  // unless Quiet().
  void Return(std::unique_ptr<UpstreamConnection> connection) override;

  size_t idle_count() const;

 private:
  boost::asio::io_context& ioc_;
  boost::asio::ssl::context& tls_;
  UpstreamPoolOptions options_;
  absl::flat_hash_map<std::string, std::deque<std::unique_ptr<UpstreamConnection>>> idle_;
  absl::node_hash_map<std::string, Origin> origins_;  // stable addresses
};

}  // namespace maxpool::proxy
