#include "fake/connection.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/buffer.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/stream_traits.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/empty_body.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/serializer.hpp"
#include "boost/beast/http/write.hpp"
#include "boost/beast/ssl/ssl_stream.hpp"
#include "core/absl_view.h"
#include "fake/str_cat.h"
#include "fake/wire_errors.h"

namespace maxpool::fake {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using std::chrono::milliseconds;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Per-connection state the exchange steps share.
template <class Stream>
struct Exchange {
  Stream& stream;
  ConnectionHandle& handle;
  ServerContext& context;
  std::string scratch;  // reused for raw header bytes (fixed fast path)

  tcp::socket& socket() { return beast::get_lowest_layer(stream).socket(); }
  void ExpireAfter(milliseconds d) { beast::get_lowest_layer(stream).expires_after(d); }
  void ExpireNever() { beast::get_lowest_layer(stream).expires_never(); }

  // Writes raw bytes. Returns false on any error.
  template <class Buffers>
  asio::awaitable<bool> Write(const Buffers& buffers) {
    ExpireAfter(context.options.write_timeout);
    auto [ec, n] = co_await asio::async_write(stream, buffers, kTuple);
    co_return !ec;
  }

  // Waits on the pacing timer. Returns false if the connection was cancelled meanwhile.
  asio::awaitable<bool> Sleep(milliseconds d) {
    if (d.count() <= 0) co_return !handle.cancelled;
    ExpireNever();
    handle.timer.expires_after(d);
    auto [ec] = co_await handle.timer.async_wait(kTuple);
    co_return !handle.cancelled && !ec;
  }

  // The silence between two events; slow_stream puts pings in it (anthropic-wire.md §2.3).
  asio::awaitable<bool> Gap(const Plan& plan) {
    if (!plan.pings_in_gaps) co_return co_await Sleep(plan.event_delay);
    const milliseconds ping = plan.ping_interval;
    milliseconds left = plan.event_delay;
    if (ping.count() <= 0 || ping >= left) {
      const milliseconds half = left / 2;
      if (!co_await Sleep(half)) co_return false;
      if (!co_await Write(asio::buffer(PingChunk()))) co_return false;
      co_return co_await Sleep(left - half);
    }
    while (left > ping) {
      if (!co_await Sleep(ping)) co_return false;
      if (!co_await Write(asio::buffer(PingChunk()))) co_return false;
      left -= ping;
    }
    co_return co_await Sleep(left);
  }

  // Stays silent until the peer goes away (or Stop() closes the socket). Reads are discarded.
  asio::awaitable<void> Hang() {
    handle.phase = ConnectionPhase::kHung;
    ExpireNever();
    std::array<char, 512> discard;
    for (;;) {
      if (handle.cancelled) co_return;
      auto [ec] = co_await socket().async_wait(tcp::socket::wait_read, kTuple);
      if (ec) co_return;
      boost::system::error_code ignored;
      if (socket().available(ignored) == 0) co_return;  // EOF
      auto [read_ec, n] = co_await socket().async_read_some(asio::buffer(discard), kTuple);
      if (read_ec) co_return;
    }
  }

  void Reset() {
    boost::system::error_code ignored;
    socket().set_option(asio::socket_base::linger(true, 0), ignored);
    socket().close(ignored);
  }

  template <class Message>
  void SetHeaders(Message& res, Plan& plan, bool keep_alive) {
    res.result(static_cast<unsigned>(plan.status));
    const std::string_view reason = ReasonPhrase(plan.status);
    res.reason(beast::string_view(reason.data(), reason.size()));
    res.set("content-type", plan.content_type);
    for (auto& [name, value] : plan.headers) res.insert(name, value);
    res.keep_alive(keep_alive);
  }

  // The whole answer is about to go out: count it now, so that a client that has read it also
  // sees it in Stats().
  static void FinishAnswer(Plan& plan) {
    if (plan.counts_as_complete) plan.in_flight.Complete();
  }

  // Carries out a plan. Returns whether the connection can serve another request.
  asio::awaitable<bool> Execute(Plan plan, bool keep_alive) {
    keep_alive = keep_alive && !plan.close && !context.registry.stopping;
    switch (plan.action) {
      case PlanAction::kReset:
        Reset();
        co_return false;
      case PlanAction::kHangBeforeHeaders:
        co_await Hang();
        co_return false;
      case PlanAction::kFixed:
        co_return co_await WriteFixed(plan, keep_alive);
      default:
        break;
    }
    if (!co_await Sleep(plan.header_delay)) co_return false;
    if (plan.action == PlanAction::kStream) co_return co_await WriteStream(plan, keep_alive);

    http::response<http::string_body> res;
    SetHeaders(res, plan, keep_alive);
    res.body() = std::move(plan.body);
    res.prepare_payload();
    if (plan.ending == PlanEnding::kComplete) {
      FinishAnswer(plan);
      ExpireAfter(context.options.write_timeout);
      auto [ec, n] = co_await http::async_write(stream, res, kTuple);
      co_return !ec && keep_alive;
    }
    http::response_serializer<http::string_body> serializer(res);
    ExpireAfter(context.options.write_timeout);
    auto [ec, n] = co_await http::async_write_header(stream, serializer, kTuple);
    if (ec) co_return false;
    if (plan.ending == PlanEnding::kStall) {
      co_await Hang();
      co_return false;
    }
    const std::string& body = res.body();
    co_await Write(asio::buffer(body.data(), body.size() / 2));
    Reset();
    co_return false;
  }

  asio::awaitable<bool> WriteStream(Plan& plan, bool keep_alive) {
    http::response<http::empty_body> res;
    SetHeaders(res, plan, keep_alive);
    res.chunked(true);
    http::response_serializer<http::empty_body> serializer(res);
    ExpireAfter(context.options.write_timeout);
    auto [ec, n] = co_await http::async_write_header(stream, serializer, kTuple);
    if (ec) co_return false;

    const SseBody& sse = plan.sse;
    const size_t events = sse.events();
    size_t limit = events;
    if (plan.ending == PlanEnding::kStall) limit = std::min(plan.cut_after, events);
    if (plan.ending == PlanEnding::kDrop) {
      limit = events == 0 ? 0 : std::min(plan.cut_after, events - 1);
    }
    if (plan.event_delay.count() <= 0) {
      // Unpaced: every event is still its own chunk, written in one go.
      const size_t to = plan.ending == PlanEnding::kComplete ? events : limit;
      if (plan.ending == PlanEnding::kComplete) FinishAnswer(plan);
      if (!co_await Write(asio::buffer(sse.Range(0, to)))) co_return false;
    } else {
      for (size_t i = 0; i < limit; ++i) {
        if (i > 0 && !co_await Gap(plan)) co_return false;
        if (!co_await Write(asio::buffer(sse.Chunk(i)))) co_return false;
      }
      if (plan.ending == PlanEnding::kComplete) {
        FinishAnswer(plan);
        if (!co_await Write(asio::buffer(sse.Range(events, events)))) co_return false;
      }
    }
    switch (plan.ending) {
      case PlanEnding::kComplete:
        co_return keep_alive;
      case PlanEnding::kStall:
        co_await Hang();
        co_return false;
      case PlanEnding::kDrop: {
        if (limit < events) {
          // The chunk header promises the whole event; half of its bytes follow, then the
          // connection closes mid-event (maxpool-behaviour.md §15 scenario 28).
          const std::string_view chunk = sse.Chunk(limit);
          const size_t header = chunk.size() - sse.Event(limit).size() - 2;
          const size_t cut = header + std::max<size_t>(1, sse.Event(limit).size() / 2);
          co_await Write(asio::buffer(chunk.substr(0, cut)));
        }
        Reset();
        co_return false;
      }
    }
    co_return false;
  }

  asio::awaitable<bool> WriteFixed(Plan& plan, bool keep_alive) {
    scratch.clear();
    std::string_view request_id;
    if (!plan.headers.empty()) request_id = plan.headers[0].second;
    Append(&scratch, "HTTP/1.1 200 OK\r\ncontent-type: ",
           plan.fixed_stream ? "text/event-stream; charset=utf-8" : "application/json",
           "\r\nrequest-id: ", request_id, "\r\n");
    if (plan.fixed_stream) {
      scratch += "cache-control: no-cache\r\ntransfer-encoding: chunked\r\n";
    } else {
      Append(&scratch, "content-length: ", plan.fixed_body.size(), "\r\n");
    }
    if (!keep_alive) scratch += "connection: close\r\n";
    scratch += "\r\n";
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(scratch),
                                                    asio::buffer(plan.fixed_body)};
    FinishAnswer(plan);
    co_return co_await Write(buffers) && keep_alive;
  }

  // Reads and answers requests until the connection ends.
  asio::awaitable<void> Serve() {
    beast::flat_buffer buffer;
    std::optional<http::request_parser<http::string_body>> parser;
    for (;;) {
      handle.phase = ConnectionPhase::kIdle;
      if (context.registry.stopping || handle.cancelled) co_return;
      // Emplaced per request (parsers are one-shot) and reset before answering, so that a long
      // stream does not hold the request body.
      parser.emplace();
      parser->header_limit(256 * 1024);
      parser->body_limit(kMaxRequestBody);
      ExpireAfter(context.options.idle_timeout);
      auto [ec, n] = co_await http::async_read_header(stream, buffer, *parser, kTuple);
      if (ec == http::error::body_limit) {  // a declared Content-Length over the limit
        handle.phase = ConnectionPhase::kBusy;
        co_await Execute(TooLarge(), false);
        co_return;
      }
      if (ec) {
        // A parse error (not a close or timeout) gets a 400 before the connection closes.
        const bool malformed =
            ec.category() == http::make_error_code(http::error::bad_target).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message;
        if (malformed) {
          handle.phase = ConnectionPhase::kBusy;
          co_await Execute(ApiHandler::ErrorPlan(400, "Malformed HTTP request"), false);
        }
        co_return;
      }
      handle.phase = ConnectionPhase::kBusy;
      if (parser->content_length() && *parser->content_length() > kMaxRequestBody) {
        co_await Execute(TooLarge(), false);
        co_return;
      }
      const auto expect = parser->get().find(http::field::expect);
      if (expect != parser->get().end() &&
          absl::EqualsIgnoreCase(
              core::AbslView(std::string_view(expect->value().data(), expect->value().size())),
              "100-continue")) {
        if (!co_await Write(asio::buffer(std::string_view("HTTP/1.1 100 Continue\r\n\r\n")))) {
          co_return;
        }
      }
      ExpireAfter(context.options.idle_timeout);
      auto [body_ec, body_n] = co_await http::async_read(stream, buffer, *parser, kTuple);
      if (body_ec == http::error::body_limit) {
        co_await Execute(TooLarge(), false);
        co_return;
      }
      if (body_ec) co_return;
      const HttpRequest& request = parser->get();
      const std::string_view target(request.target().data(), request.target().size());
      Plan plan = ControlApi::Matches(target) ? context.control.Handle(request)
                                              : context.api.Handle(request);
      const bool keep_alive = request.keep_alive();
      parser.reset();
      if (buffer.size() == 0 && buffer.capacity() > 16 * 1024) buffer.shrink_to_fit();
      if (!co_await Execute(std::move(plan), keep_alive)) co_return;
    }
  }

  static Plan TooLarge() {
    Plan plan = ApiHandler::ErrorPlan(413, "Request exceeds the maximum allowed number of bytes.");
    plan.close = true;
    return plan;
  }
};

template <class Stream>
asio::awaitable<void> ServeStream(Stream& stream, ConnectionHandle& handle,
                                  ServerContext& context) {
  Exchange<Stream> exchange{stream, handle, context, {}};
  co_await exchange.Serve();
}

// Clears the handle's socket pointer before the stream it points into is destroyed.
struct SocketRef {
  ConnectionHandle& handle;
  ~SocketRef() { handle.socket = nullptr; }
};

struct Registration {
  ConnectionRegistry& registry;
  const ConnectionHandle* handle;
  ~Registration() { registry.Remove(handle); }
};

}  // namespace

void ConnectionHandle::Cancel() {
  asio::post(strand_, [self = shared_from_this()] {
    self->cancelled = true;
    self->timer.cancel();
    if (self->socket != nullptr) {
      boost::system::error_code ignored;
      self->socket->close(ignored);
    }
  });
}

void ConnectionRegistry::Add(const std::shared_ptr<ConnectionHandle>& handle) {
  absl::MutexLock lock(&mu_);
  handles_.emplace(handle.get(), handle);
}

void ConnectionRegistry::Remove(const ConnectionHandle* handle) {
  absl::MutexLock lock(&mu_);
  handles_.erase(handle);
}

void ConnectionRegistry::Cancel(Which which) {
  std::vector<std::shared_ptr<ConnectionHandle>> targets;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [ptr, weak] : handles_) {
      std::shared_ptr<ConnectionHandle> h = weak.lock();
      if (h == nullptr) continue;
      if (which == Which::kAll || h->phase != ConnectionPhase::kBusy) targets.push_back(h);
    }
  }
  for (const auto& h : targets) h->Cancel();
}

bool ConnectionRegistry::WaitEmpty(std::chrono::milliseconds timeout) {
  absl::MutexLock lock(&mu_);
  auto empty = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return handles_.empty(); };
  return mu_.AwaitWithTimeout(absl::Condition(&empty),
                              absl::Milliseconds(static_cast<int64_t>(timeout.count())));
}

size_t ConnectionRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return handles_.size();
}

asio::awaitable<void> RunConnection(tcp::socket socket, ServerContext& context) {
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  auto handle = std::make_shared<ConnectionHandle>(executor);
  context.registry.Add(handle);
  Registration registration{context.registry, handle.get()};
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);

  if (context.tls == nullptr) {
    beast::tcp_stream stream(std::move(socket));
    handle->socket = &stream.socket();
    SocketRef ref{*handle};
    if (context.registry.stopping) co_return;
    co_await ServeStream(stream, *handle, context);
    if (!handle->cancelled) stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *context.tls);
  handle->socket = &beast::get_lowest_layer(stream).socket();
  SocketRef ref{*handle};
  if (context.registry.stopping) co_return;
  beast::get_lowest_layer(stream).expires_after(context.options.handshake_timeout);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
  if (ec) co_return;
  co_await ServeStream(stream, *handle, context);
  if (handle->cancelled || !handle->socket->is_open()) co_return;
  beast::get_lowest_layer(stream).expires_after(milliseconds(1000));
  // A truncated close from the peer is harmless here (Beast's advanced_server_flex fail()).
  co_await stream.async_shutdown(kTuple);
}

}  // namespace maxpool::fake
