#include "proxy/client_transport.h"

#include <sys/socket.h>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/bind_cancellation_slot.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/buffers_suffix.hpp"

namespace maxpool::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;

asio::awaitable<bool> TcpClientTransport::WriteAll(std::span<const asio::const_buffer> buffers,
                                                   std::chrono::milliseconds timeout) {
  const size_t total = asio::buffer_size(buffers);
  auto& socket = stream_.socket();
  boost::system::error_code ec;
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  const size_t written = ec ? 0 : socket.write_some(buffers, ec);
  if (!ec && written == total) co_return true;
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) co_return false;
  // The socket's buffer is full: the rest goes asynchronously, bounded by the timeout, and never
  // cancelled from outside.
  beast::buffers_suffix<std::span<const asio::const_buffer>> rest(buffers);
  rest.consume(written);
  stream_.expires_after(timeout);
  auto [wec, n] = co_await asio::async_write(
      stream_, rest,
      asio::bind_cancellation_slot(asio::cancellation_slot(), asio::as_tuple(asio::use_awaitable)));
  stream_.expires_never();
  co_return !wec;
}

asio::awaitable<void> TcpClientTransport::WaitGone() {
  constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
  // Readable with nothing to read means the client closed (EOF) or reset.
  auto [ec] = co_await stream_.socket().async_wait(asio::ip::tcp::socket::wait_read, kTuple);
  if (ec) co_return;
  char byte;
  const ssize_t n = ::recv(stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) {
    // A pipelined request, not a close: keep waiting until cancelled.
    asio::steady_timer forever(co_await asio::this_coro::executor);
    forever.expires_at(asio::steady_timer::time_point::max());
    co_await forever.async_wait(kTuple);
  }
}

}  // namespace maxpool::proxy
