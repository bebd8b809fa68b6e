#pragma once

// The one writer of a client response (STYLE §4 "one writer per stream"): a status line and
// headers, then chunks, then the last chunk; or a complete small response. Every write is bounded
// by the client write timeout, so a half-open client cannot pin a stream (spec §14 item 41).
// A failed write marks the writer dead; later writes return false at once (§14 item 46).
//
// An HTTP/1.0 client never gets chunked encoding (RFC 9112 §7.1): its streamed response is
// delimited by closing the connection instead, so the writer turns keep-alive off for it.
//
// The bytes go through a ClientTransport (client_transport.h: a TCP socket in the proxy, Beast's
// in-memory stream in tests), one transport write per writer call. The head of a
// chunked response may be held back (Begin(..., flush=false)) and leaves with the first chunk;
// a chunk may carry the last-chunk marker with it (Chunk(data, /*last=*/true)).

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "boost/asio/awaitable.hpp"
#include "boost/asio/buffer.hpp"
#include "boost/beast/http/fields.hpp"
#include "boost/beast/http/status.hpp"
#include "proxy/client_transport.h"

namespace maxpool::proxy {

class ClientWriter {
 public:
  ClientWriter(ClientTransport& transport, std::chrono::milliseconds write_timeout,
               unsigned version, bool keep_alive)
      : transport_(transport),
        write_timeout_(write_timeout),
        version_(version),
        keep_alive_(keep_alive) {}

  // Starts a chunked response. With `flush` false the head waits for the first Chunk() or
  // Flush() and leaves in the same write. REQUIRES: !started().
  boost::asio::awaitable<bool> Begin(unsigned status, boost::beast::http::fields headers,
                                     bool flush = true);
  // Starts `200 text/event-stream` for heartbeats and in-band errors (spec §5.4).
  boost::asio::awaitable<bool> BeginEventStream();
  // Sends a held-back head now, if any.
  boost::asio::awaitable<bool> Flush();
  // One chunk (with the held-back head, if any); `last` also ends the response.
  boost::asio::awaitable<bool> Chunk(std::string_view data, bool last = false);
  boost::asio::awaitable<bool> Finish();
  // A complete response with a body and content-length. REQUIRES: !started().
  boost::asio::awaitable<bool> Respond(unsigned status, boost::beast::http::fields headers,
                                       std::string body);
  // The answer to a HEAD request: the head alone, with the content-length the body would have had
  // (none when unknown). REQUIRES: !started().
  boost::asio::awaitable<bool> RespondHead(unsigned status, boost::beast::http::fields headers,
                                           std::optional<uint64_t> content_length);

  bool started() const { return started_; }
  bool event_stream() const { return event_stream_; }
  bool finished() const { return finished_; }
  bool dead() const { return dead_; }
  bool keep_alive() const { return keep_alive_ && !dead_; }
  void set_keep_alive(bool keep_alive) { keep_alive_ = keep_alive; }
  uint64_t body_bytes() const { return body_bytes_; }  // real body bytes (not heartbeats)
  void CountBodyBytes(size_t n) { body_bytes_ += n; }

 private:
  // Writes every byte of `buffers` (at most a handful) under the write timeout; a failure marks
  // the writer dead.
  boost::asio::awaitable<bool> WriteAll(std::span<const boost::asio::const_buffer> buffers);
  // How a response's body is delimited.
  enum class Framing { kChunked, kLength, kClose, kNone };
  // The status line and header block of a response, with its framing fields set.
  std::string Head(unsigned status, boost::beast::http::fields& headers, Framing framing,
                   uint64_t content_length) const;
  // Chunked for HTTP/1.1 clients; close-delimited for HTTP/1.0 ones.
  bool chunked() const { return version_ >= 11; }

  ClientTransport& transport_;
  std::chrono::milliseconds write_timeout_;
  unsigned version_;
  bool keep_alive_;
  bool started_ = false;
  bool event_stream_ = false;
  bool finished_ = false;
  bool dead_ = false;
  uint64_t body_bytes_ = 0;
  std::string pending_head_;  // a chunked head not yet written
};

}  // namespace maxpool::proxy
