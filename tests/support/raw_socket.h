#pragma once

// A plain blocking TCP connection for tests that must say what no HTTP client would: malformed
// requests, headers sent slowly or never finished, a request in pieces (Expect: 100-continue).
// Reads have a timeout (SO_RCVTIMEO), so a test never hangs on a silent server. Header-only.

#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/write.hpp"

namespace maxpool::testing {

class RawSocket {
 public:
  // Connects to 127.0.0.1:port; nullptr on failure.
  static std::unique_ptr<RawSocket> Connect(uint16_t port) {
    auto raw = std::unique_ptr<RawSocket>(new RawSocket());
    boost::system::error_code ec;
    raw->socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) return nullptr;
    return raw;
  }

  // Writes all of `bytes`; false when the peer has gone (reset, broken pipe).
  bool Write(std::string_view bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()), ec);
    return !ec;
  }

  // Reads until `needle` has arrived, the peer closes, or `timeout` passes without data. Returns
  // everything read so far on this connection (and keeps it: later reads append).
  const std::string& ReadUntil(std::string_view needle, std::chrono::milliseconds timeout) {
    while (received_.find(needle) == std::string::npos && ReadOnce(timeout)) {
    }
    return received_;
  }

  // Reads until the peer closes (true) or `timeout` passes without data (false).
  bool WaitForClose(std::chrono::milliseconds timeout) {
    while (ReadOnce(timeout)) {
    }
    return closed_;
  }

  // True once a read saw EOF or a reset.
  bool closed() const { return closed_; }
  const std::string& received() const { return received_; }

  void Close() {
    boost::system::error_code ignored;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  RawSocket() : socket_(ioc_) {}

  // One read of whatever is there; false on close or timeout.
  bool ReadOnce(std::chrono::milliseconds timeout) {
    if (closed_) return false;
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buffer[16384];
    const ssize_t n = ::recv(socket_.native_handle(), buffer, sizeof(buffer), 0);
    if (n > 0) {
      received_.append(buffer, static_cast<size_t>(n));
      return true;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) closed_ = true;
    return false;
  }

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  std::string received_;
  bool closed_ = false;
};

}  // namespace maxpool::testing
