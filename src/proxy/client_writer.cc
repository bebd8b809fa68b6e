#include "proxy/client_writer.h"

#include <unistd.h>

#include <string>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/bind_cancellation_slot.hpp"
#include "boost/asio/buffer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/http/chunk_encode.hpp"
#include "boost/beast/http/empty_body.hpp"
#include "boost/beast/http/string_body.hpp"
#include "boost/beast/http/write.hpp"
#include "proxy/error_body.h"

namespace maxpool::proxy {
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {
// Every response names the process that served it (spec §4.8 `x-maxpool-worker`).
const std::string& WorkerPid() {
  static const std::string pid = std::to_string(::getpid());
  return pid;
}

// Writes are never cancelled from outside (a half-written chunk would corrupt the stream); the
// write timeout bounds them instead.
auto Uncancellable() {
  return asio::bind_cancellation_slot(asio::cancellation_slot(),
                                      asio::as_tuple(asio::use_awaitable));
}
}  // namespace

asio::awaitable<bool> ClientWriter::Begin(unsigned status, http::fields headers) {
  if (dead_) co_return false;
  http::response<http::empty_body> res{static_cast<http::status>(status), version_,
                                       http::empty_body::value_type{}, std::move(headers)};
  res.set("x-maxpool-worker", WorkerPid());
  res.keep_alive(keep_alive_);
  res.chunked(true);
  http::response_serializer<http::empty_body> serializer{res};
  stream_.expires_after(write_timeout_);
  auto [ec, n] = co_await http::async_write_header(stream_, serializer, Uncancellable());
  stream_.expires_never();
  started_ = true;
  if (ec) dead_ = true;
  co_return !dead_;
}

asio::awaitable<bool> ClientWriter::BeginEventStream() {
  http::fields headers;
  headers.set(http::field::content_type, "text/event-stream");
  headers.set(http::field::cache_control, "no-cache");
  headers.set("x-accel-buffering", "no");
  event_stream_ = true;
  co_return co_await Begin(200, std::move(headers));
}

asio::awaitable<bool> ClientWriter::Chunk(std::string_view data) {
  if (dead_ || data.empty()) co_return !dead_;
  stream_.expires_after(write_timeout_);
  auto [ec, n] =
      co_await asio::async_write(stream_, http::make_chunk(asio::buffer(data)), Uncancellable());
  stream_.expires_never();
  if (ec) dead_ = true;
  co_return !dead_;
}

asio::awaitable<bool> ClientWriter::Finish() {
  if (dead_ || finished_) co_return !dead_;
  stream_.expires_after(write_timeout_);
  auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), Uncancellable());
  stream_.expires_never();
  finished_ = true;
  if (ec) dead_ = true;
  co_return !dead_;
}

asio::awaitable<bool> ClientWriter::Respond(unsigned status, http::fields headers,
                                            std::string body) {
  if (dead_) co_return false;
  http::response<http::string_body> res{static_cast<http::status>(status), version_,
                                        std::move(body), std::move(headers)};
  res.set("x-maxpool-worker", WorkerPid());
  res.keep_alive(keep_alive_);
  res.prepare_payload();
  stream_.expires_after(write_timeout_);
  auto [ec, n] = co_await http::async_write(stream_, res, Uncancellable());
  stream_.expires_never();
  started_ = true;
  finished_ = true;
  if (ec) dead_ = true;
  co_return !dead_;
}

}  // namespace maxpool::proxy
