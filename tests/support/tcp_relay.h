#pragma once

// A loopback TCP relay a test can switch off and on: while off, its port refuses connections
// (ECONNREFUSED, before any request byte is sent); while on, each connection is relayed to a
// target port. Models an outage of one endpoint (e.g. the OAuth token endpoint) while others stay
// up. Header-only; runs its own thread.

#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <thread>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"

namespace maxpool::testing {

class TcpRelay {
 public:
  // Reserves a free port; the relay starts switched off (the port refuses connections).
  explicit TcpRelay(uint16_t target_port) : target_port_(target_port), work_(ioc_.get_executor()) {
    boost::asio::ip::tcp::acceptor probe(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port_ = probe.local_endpoint().port();
    probe.close();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TcpRelay() {
    Off();
    work_.reset();
    ioc_.stop();
    thread_.join();
  }

  uint16_t port() const { return port_; }

  void On() {
    boost::asio::post(ioc_, [this] {
      if (acceptor_) return;
      acceptor_.emplace(ioc_);
      const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                    port_);
      acceptor_->open(endpoint.protocol());
      acceptor_->set_option(boost::asio::socket_base::reuse_address(true));
      acceptor_->bind(endpoint);
      acceptor_->listen();
      boost::asio::co_spawn(ioc_, Accept(this), boost::asio::detached);
    });
    Sync();
  }
  void Off() {
    boost::asio::post(ioc_, [this] {
      if (!acceptor_) return;
      boost::system::error_code ignored;
      acceptor_->close(ignored);
      acceptor_.reset();
    });
    Sync();
  }

 private:
  static constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);
  using tcp = boost::asio::ip::tcp;

  void Sync() {
    std::promise<void> done;
    boost::asio::post(ioc_, [&done] { done.set_value(); });
    done.get_future().wait();
  }

  static boost::asio::awaitable<void> Accept(TcpRelay* self) {
    while (self->acceptor_) {
      auto [ec, socket] = co_await self->acceptor_->async_accept(kTuple);
      if (ec) co_return;
      boost::asio::co_spawn(self->ioc_, Relay(self->target_port_, std::move(socket)),
                            boost::asio::detached);
    }
  }

  static boost::asio::awaitable<void> Pipe(std::shared_ptr<tcp::socket> from,
                                           std::shared_ptr<tcp::socket> to) {
    char buffer[8192];
    while (true) {
      auto [rec, n] = co_await from->async_read_some(boost::asio::buffer(buffer), kTuple);
      if (rec) break;
      auto [wec, w] =
          co_await boost::asio::async_write(*to, boost::asio::buffer(buffer, n), kTuple);
      if (wec) break;
    }
    boost::system::error_code ignored;
    to->shutdown(tcp::socket::shutdown_send, ignored);
  }

  static boost::asio::awaitable<void> Relay(uint16_t target_port, tcp::socket client) {
    auto in = std::make_shared<tcp::socket>(std::move(client));
    auto out = std::make_shared<tcp::socket>(in->get_executor());
    auto [ec] = co_await out->async_connect(
        tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), target_port), kTuple);
    if (ec) co_return;
    boost::asio::co_spawn(in->get_executor(), Pipe(in, out), boost::asio::detached);
    co_await Pipe(out, in);
  }

  uint16_t target_port_;
  uint16_t port_ = 0;
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::optional<tcp::acceptor> acceptor_;
  std::thread thread_;
};

}  // namespace maxpool::testing
