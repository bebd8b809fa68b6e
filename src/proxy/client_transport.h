#pragma once

// The byte stream to one client, as an exchange sees it: writes bounded by a timeout, and a wait
// that ends when the client goes away. The proxy's clients are TCP connections
// (TcpClientTransport); tests drive an exchange over Beast's in-memory test stream with an
// implementation of their own (tests/support/memory_client.h). One exchange's at a time, on its
// connection's executor.

#include <chrono>
#include <span>

#include "boost/asio/awaitable.hpp"
#include "boost/asio/buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"

namespace maxpool::proxy {

class ClientTransport {
 public:
  virtual ~ClientTransport() = default;
  // Writes every byte of `buffers` (at most a handful) within `timeout`. False when the client
  // is gone or too slow to take them. Never cancelled from outside: a half-written chunk would
  // corrupt the stream.
  virtual boost::asio::awaitable<bool> WriteAll(std::span<const boost::asio::const_buffer> buffers,
                                                std::chrono::milliseconds timeout) = 0;
  // Returns once the client closed or reset its end. Bytes of a pipelined request are not a
  // close: the wait goes on. Ends early on cancellation (the caller's wait ended first).
  virtual boost::asio::awaitable<void> WaitGone() = 0;
};

// A client on a TCP connection. A write is first tried at once on the non-blocking socket; only
// what the socket does not take is written asynchronously under the timeout (few syscalls per
// response).
class TcpClientTransport final : public ClientTransport {
 public:
  explicit TcpClientTransport(boost::beast::tcp_stream& stream) : stream_(stream) {}
  boost::asio::awaitable<bool> WriteAll(std::span<const boost::asio::const_buffer> buffers,
                                        std::chrono::milliseconds timeout) override;
  boost::asio::awaitable<void> WaitGone() override;

 private:
  boost::beast::tcp_stream& stream_;
};

}  // namespace maxpool::proxy
