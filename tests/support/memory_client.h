#pragma once

// A client of an exchange in memory: proxy::ClientTransport over Beast's test stream, so a test
// drives proxy::Exchange with no socket on the client side. What the exchange wrote is read back
// with Received(); Leave() is the client closing its end. Header-only.

#include <span>
#include <string>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/_experimental/test/stream.hpp"
#include "proxy/client_transport.h"

namespace maxpool::testing {

class MemoryClient final : public proxy::ClientTransport {
 public:
  explicit MemoryClient(boost::asio::io_context& ioc) : stream_(ioc), peer_(ioc), gone_(ioc) {
    stream_.connect(peer_);
    gone_.expires_at(boost::asio::steady_timer::time_point::max());
  }

  boost::asio::awaitable<bool> WriteAll(std::span<const boost::asio::const_buffer> buffers,
                                        std::chrono::milliseconds /*timeout*/) override {
    if (left_) co_return false;
    auto [ec, n] = co_await boost::asio::async_write(
        stream_, buffers, boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return !ec;
  }

  boost::asio::awaitable<void> WaitGone() override {
    while (!left_) {
      // Ends with operation_aborted on Leave() and on the caller's cancellation alike.
      (void)co_await gone_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      auto state = co_await boost::asio::this_coro::cancellation_state;
      if (state.cancelled() != boost::asio::cancellation_type::none) co_return;
    }
  }

  // Everything the exchange wrote so far.
  std::string Received() const { return std::string(peer_.str()); }
  // The client closes its end: writes fail from now on, and WaitGone() returns.
  void Leave() {
    left_ = true;
    gone_.cancel();
  }

 private:
  boost::beast::test::stream stream_;
  boost::beast::test::stream peer_;
  boost::asio::steady_timer gone_;
  bool left_ = false;
};

}  // namespace maxpool::testing
