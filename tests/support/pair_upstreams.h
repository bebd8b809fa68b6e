#pragma once

// Upstream connections over in-process socket pairs (proxy::Upstreams), each served by a script
// the test chose: the script gets the attempt's number and returns the exact bytes the upstream
// sends after reading the request, and then the upstream closes. No port, no TCP stack: a test
// can cut an upstream answer at every byte offset. Header-only.

#include <sys/socket.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/container/node_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/local/stream_protocol.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/read_until.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "gtest/gtest.h"
#include "proxy/upstream_pool.h"

namespace maxpool::testing {

class PairUpstreams final : public proxy::Upstreams {
 public:
  // Returns the bytes the upstream sends for attempt `n` (0-based, across every connection).
  using Script = std::function<std::string(int n)>;

  PairUpstreams(boost::asio::io_context& ioc, Script script)
      : ioc_(ioc), script_(std::move(script)) {}

  boost::asio::awaitable<absl::StatusOr<std::unique_ptr<proxy::UpstreamConnection>>> Acquire(
      const proxy::Origin& origin) override {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
      co_return absl::InternalError("socketpair failed");
    }
    boost::asio::ip::tcp::socket proxy_end(ioc_);
    proxy_end.assign(boost::asio::ip::tcp::v4(), fds[0]);
    boost::asio::local::stream_protocol::socket upstream_end(ioc_);
    upstream_end.assign(boost::asio::local::stream_protocol(), fds[1]);
    boost::asio::co_spawn(ioc_, Serve(std::move(upstream_end), attempts_++),
                          [](std::exception_ptr e) {
                            if (e) std::rethrow_exception(e);
                          });
    co_return std::make_unique<proxy::UpstreamConnection>(
        origin, boost::beast::tcp_stream(std::move(proxy_end)));
  }

  absl::StatusOr<const proxy::Origin*> OriginFor(const std::string& base_url) override {
    auto it = origins_.find(base_url);
    if (it == origins_.end()) {
      absl::StatusOr<proxy::Origin> origin = proxy::ParseOrigin(base_url);
      if (!origin.ok()) return origin.status();
      it = origins_.emplace(base_url, *std::move(origin)).first;
    }
    return &it->second;
  }

  void Return(std::unique_ptr<proxy::UpstreamConnection> /*connection*/) override { ++returned_; }

  int attempts() const { return attempts_; }
  int returned() const { return returned_; }
  // The requests read, in order (head and body).
  const std::vector<std::string>& requests() const { return requests_; }

 private:
  boost::asio::awaitable<void> Serve(boost::asio::local::stream_protocol::socket socket, int n) {
    constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);
    std::string in;
    auto [ec, head_end] = co_await boost::asio::async_read_until(
        socket, boost::asio::dynamic_buffer(in), "\r\n\r\n", kTuple);
    if (ec) co_return;
    size_t length = 0;
    const std::string head = absl::AsciiStrToLower(in.substr(0, head_end));
    if (const size_t at = head.find("content-length:"); at != std::string::npos) {
      const size_t eol = head.find("\r\n", at);
      std::string value(absl::StripAsciiWhitespace(head.substr(at + 15, eol - at - 15)));
      if (!absl::SimpleAtoi(value, &length)) length = 0;
    }
    if (in.size() < head_end + length) {
      auto [bec, bn] = co_await boost::asio::async_read(
          socket, boost::asio::dynamic_buffer(in),
          boost::asio::transfer_exactly(head_end + length - in.size()), kTuple);
      if (bec) co_return;
    }
    requests_.push_back(in);
    const std::string answer = script_(n);
    // A write error means the proxy closed first; the close below is all that is left to do.
    (void)co_await boost::asio::async_write(socket, boost::asio::buffer(answer), kTuple);
    boost::system::error_code ignored;
    socket.shutdown(boost::asio::socket_base::shutdown_both, ignored);
    socket.close(ignored);
  }

  boost::asio::io_context& ioc_;
  Script script_;
  int attempts_ = 0;
  int returned_ = 0;
  std::vector<std::string> requests_;
  absl::node_hash_map<std::string, proxy::Origin> origins_;
};

}  // namespace maxpool::testing
