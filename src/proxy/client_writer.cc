#include "proxy/client_writer.h"

#include <unistd.h>

#include <array>
#include <charconv>
#include <string>

#include "boost/beast/http/message.hpp"
#include "boost/beast/http/rfc7230.hpp"

namespace maxpool::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
// Every response names the process that served it (spec §4.8 `x-maxpool-worker`).
const std::string& WorkerPid() {
  static const std::string pid = std::to_string(::getpid());
  return pid;
}

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";

asio::const_buffer Buffer(std::string_view s) { return asio::const_buffer(s.data(), s.size()); }
}  // namespace

std::string ClientWriter::Head(unsigned status, http::fields& headers, Framing framing,
                               uint64_t content_length) const {
  headers.set("x-maxpool-worker", WorkerPid());
  headers.erase(http::field::transfer_encoding);
  headers.erase(http::field::content_length);
  headers.erase(http::field::connection);
  if (version_ >= 11) {
    if (!keep_alive_) headers.set(http::field::connection, "close");
  } else if (keep_alive_) {
    headers.set(http::field::connection, "keep-alive");
  }
  switch (framing) {
    case Framing::kChunked:
      headers.set(http::field::transfer_encoding, "chunked");
      break;
    case Framing::kLength:
      headers.set(http::field::content_length, std::to_string(content_length));
      break;
    case Framing::kClose:
    case Framing::kNone:
      break;
  }
  const std::string_view reason = http::obsolete_reason(static_cast<http::status>(status));
  std::string head;
  head.reserve(1024);
  head.append(version_ >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ");
  head.append(std::to_string(status));
  head.push_back(' ');
  head.append(reason.data(), reason.size());
  head.append(kCrlf);
  for (const auto& field : headers) {
    head.append(field.name_string().data(), field.name_string().size());
    head.append(": ");
    head.append(field.value().data(), field.value().size());
    head.append(kCrlf);
  }
  head.append(kCrlf);
  return head;
}

asio::awaitable<bool> ClientWriter::WriteAll(std::span<const asio::const_buffer> buffers) {
  if (dead_) co_return false;
  const bool written = co_await transport_.WriteAll(buffers, write_timeout_);
  if (!written) dead_ = true;
  co_return written;
}

asio::awaitable<bool> ClientWriter::Begin(unsigned status, http::fields headers, bool flush) {
  if (dead_) co_return false;
  if (!chunked()) keep_alive_ = false;  // the body ends where the connection does
  pending_head_ = Head(status, headers, chunked() ? Framing::kChunked : Framing::kClose, 0);
  started_ = true;
  if (!flush) co_return true;
  co_return co_await Flush();
}

asio::awaitable<bool> ClientWriter::BeginEventStream() {
  http::fields headers;
  headers.set(http::field::content_type, "text/event-stream");
  headers.set(http::field::cache_control, "no-cache");
  headers.set("x-accel-buffering", "no");
  event_stream_ = true;
  co_return co_await Begin(200, std::move(headers));
}

asio::awaitable<bool> ClientWriter::Flush() {
  if (dead_) co_return false;
  if (pending_head_.empty()) co_return true;
  const std::string head = std::move(pending_head_);
  pending_head_.clear();
  const asio::const_buffer buffers[] = {Buffer(head)};
  co_return co_await WriteAll(buffers);
}

asio::awaitable<bool> ClientWriter::Chunk(std::string_view data, bool last) {
  if (dead_) co_return false;
  if (finished_) co_return true;
  const std::string head = std::move(pending_head_);
  pending_head_.clear();
  std::array<asio::const_buffer, 5> buffers;
  size_t count = 0;
  if (!head.empty()) buffers[count++] = Buffer(head);
  std::array<char, 20> size_line{};
  if (!chunked()) {
    if (!data.empty()) buffers[count++] = Buffer(data);
  } else {
    if (!data.empty()) {
      const auto [end, ec] =
          std::to_chars(size_line.data(), size_line.data() + 16, data.size(), 16);
      char* p = end;
      *p++ = '\r';
      *p++ = '\n';
      buffers[count++] =
          asio::const_buffer(size_line.data(), static_cast<size_t>(p - size_line.data()));
      buffers[count++] = Buffer(data);
      buffers[count++] = Buffer(kCrlf);
    }
    if (last) buffers[count++] = Buffer(kLastChunk);
  }
  if (last) finished_ = true;
  if (count == 0) co_return true;
  co_return co_await WriteAll(std::span<const asio::const_buffer>(buffers.data(), count));
}

asio::awaitable<bool> ClientWriter::Finish() {
  if (dead_) co_return false;
  if (finished_) co_return true;
  co_return co_await Chunk({}, /*last=*/true);
}

asio::awaitable<bool> ClientWriter::Respond(unsigned status, http::fields headers,
                                            std::string body) {
  if (dead_) co_return false;
  const std::string head = Head(status, headers, Framing::kLength, body.size());
  started_ = true;
  finished_ = true;
  const asio::const_buffer buffers[] = {Buffer(head), Buffer(body)};
  co_return co_await WriteAll(buffers);
}

asio::awaitable<bool> ClientWriter::RespondHead(unsigned status, http::fields headers,
                                                std::optional<uint64_t> content_length) {
  if (dead_) co_return false;
  const std::string head = Head(status, headers, content_length ? Framing::kLength : Framing::kNone,
                                content_length.value_or(0));
  started_ = true;
  finished_ = true;
  const asio::const_buffer buffers[] = {Buffer(head)};
  co_return co_await WriteAll(buffers);
}

}  // namespace maxpool::proxy
