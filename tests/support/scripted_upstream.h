#pragma once

// An upstream that answers with exact bytes a test chose, for faults no well-behaved server
// makes: interim 1xx responses, a second unsolicited response, a body cut at a chosen byte, a
// close-delimited stream. Plain HTTP on a loopback port; one thread per connection. Each request
// (read up to the end of its Content-Length body) takes the next reply of the script, then the
// default reply. Every request is recorded with the connection it came on. Header-only.

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/read_until.hpp"
#include "boost/asio/streambuf.hpp"
#include "boost/asio/write.hpp"

namespace maxpool::testing {

class ScriptedUpstream {
 public:
  struct Reply {
    Reply() = default;
    Reply(std::string reply_bytes)
        : bytes(std::move(reply_bytes)) {}  // NOLINT: implicit on purpose

    std::string bytes;                   // written as is
    bool close_after = false;            // then close the connection (FIN)
    std::chrono::milliseconds delay{0};  // before writing
    bool reset = false;                  // instead of answering, reset the connection (RST)
    std::string later;                   // written `later_delay` after `bytes`, unasked
    std::chrono::milliseconds later_delay{0};
  };
  struct Seen {
    std::string head;  // request line and headers
    std::string body;
    int connection = 0;  // 1 for the first connection accepted, and so on
  };

  ScriptedUpstream() : acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~ScriptedUpstream() {
    stopping_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    // Wakes the blocking accept.
    boost::asio::ip::tcp::socket poke(ioc_);
    poke.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ignored);
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& s : sockets_) {
        ::shutdown(s->native_handle(), SHUT_RDWR);
      }
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  uint16_t port() const { return port_; }
  std::string base_url() const { return absl::StrCat("http://127.0.0.1:", port_); }

  void Push(Reply reply) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(reply));
  }
  void SetDefault(Reply reply) {
    std::lock_guard<std::mutex> lock(mu_);
    default_ = std::move(reply);
  }
  std::vector<Seen> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  int connections() const { return connections_.load(); }

  // A complete JSON response with content-length.
  static std::string Json(int status, const std::string& body,
                          const std::string& extra_headers = {}) {
    return absl::StrCat("HTTP/1.1 ", status, " X\r\ncontent-type: application/json\r\n",
                        extra_headers, "content-length: ", body.size(), "\r\n\r\n", body);
  }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      auto socket = std::make_shared<boost::asio::ip::tcp::socket>(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec || stopping_) return;
      const int id = ++connections_;
      std::lock_guard<std::mutex> lock(mu_);
      sockets_.push_back(socket);
      threads_.emplace_back([this, socket, id] { Serve(*socket, id); });
    }
  }

  void Serve(boost::asio::ip::tcp::socket& socket, int id) {
    boost::asio::streambuf in;
    while (true) {
      boost::system::error_code ec;
      const size_t head_end = boost::asio::read_until(socket, in, "\r\n\r\n", ec);
      if (ec) return;
      std::string head(static_cast<const char*>(in.data().data()), head_end);
      in.consume(head_end);
      size_t length = 0;
      const std::string lower = absl::AsciiStrToLower(head);
      if (const size_t at = lower.find("\r\ncontent-length:"); at != std::string::npos) {
        const size_t begin = at + 17;
        const size_t end = lower.find("\r\n", begin);
        uint64_t n = 0;
        if (absl::SimpleAtoi(absl::StripAsciiWhitespace(lower.substr(begin, end - begin)), &n)) {
          length = static_cast<size_t>(n);
        }
      }
      if (in.size() < length)
        boost::asio::read(socket, in, boost::asio::transfer_exactly(length - in.size()), ec);
      if (ec) return;
      std::string body(static_cast<const char*>(in.data().data()), length);
      in.consume(length);
      Reply reply;
      {
        std::lock_guard<std::mutex> lock(mu_);
        seen_.push_back({head, body, id});
        if (!script_.empty()) {
          reply = std::move(script_.front());
          script_.pop_front();
        } else {
          reply = default_;
        }
      }
      if (reply.delay.count() > 0) std::this_thread::sleep_for(reply.delay);
      if (reply.reset) {
        ::linger lg{1, 0};
        ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        socket.close(ec);
        return;
      }
      boost::asio::write(socket, boost::asio::buffer(reply.bytes), ec);
      if (ec) return;
      if (!reply.later.empty()) {
        std::this_thread::sleep_for(reply.later_delay);
        boost::asio::write(socket, boost::asio::buffer(reply.later), ec);
        if (ec) return;
      }
      if (reply.close_after) {
        socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
        // Lets the peer read to EOF before the socket goes.
        char sink[256];
        while (socket.read_some(boost::asio::buffer(sink), ec) > 0) {
        }
        return;
      }
    }
  }

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread accept_thread_;
  mutable std::mutex mu_;
  std::deque<Reply> script_;
  Reply default_ = Reply(Json(200, R"({"id":"msg_default","type":"message"})"));
  std::vector<Seen> seen_;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets_;
  std::vector<std::thread> threads_;
};

}  // namespace maxpool::testing
