#include "proxy/exchange.h"

#include <algorithm>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/bind_cancellation_slot.hpp"
#include "boost/asio/experimental/awaitable_operators.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/http/buffer_body.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/span_body.hpp"
#include "boost/beast/http/write.hpp"
#include "boost/json/parse.hpp"
#include "core/absl_view.h"
#include "core/hold_policy.h"
#include "core/request_classifier.h"
#include "core/response_classifier.h"
#include "proxy/error_body.h"
#include "proxy/exchange_capture.h"
#include "proxy/fields_source.h"
#include "proxy/header_rewrite.h"
#include "proxy/sse_tracker.h"

namespace maxpool::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string_view View(beast::string_view s) { return std::string_view(s.data(), s.size()); }

bool IsEventStream(const http::fields& fields) {
  return View(fields[http::field::content_type]).find("text/event-stream") !=
         std::string_view::npos;
}

// The error type and message of an upstream error body, for in-band SSE errors.
std::pair<std::string, std::string> ErrorOf(std::string_view body, unsigned status) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(boost::json::string_view(body.data(), body.size()), ec);
  if (!ec && v.is_object()) {
    if (const auto* e = v.as_object().if_contains("error"); e != nullptr && e->is_object()) {
      const auto& o = e->as_object();
      std::string type = o.contains("type") && o.at("type").is_string()
                             ? std::string(o.at("type").as_string())
                             : "api_error";
      std::string message = o.contains("message") && o.at("message").is_string()
                                ? std::string(o.at("message").as_string())
                                : absl::StrCat("Upstream returned ", status);
      return {type, message};
    }
  }
  return {"api_error", absl::StrCat("Upstream returned ", status)};
}

std::string TransportCode(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "ETIMEDOUT";
  if (ec == asio::error::connection_reset) return "ECONNRESET";
  if (ec == asio::error::connection_refused) return "ECONNREFUSED";
  if (ec == asio::error::broken_pipe) return "EPIPE";
  if (ec == asio::error::eof || ec == http::error::end_of_stream) return "ECONNRESET";
  return ec.message();
}

// What an attempt that threw ran into.
std::string DescribeFailure(std::exception_ptr thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const std::exception& e) {
    return absl::StrCat("internal error: ", e.what());
  } catch (...) {
    return "internal error";
  }
}

// Why a hop failed, for the request log: `"a" rate-limited 30s`.
std::string FailureNote(std::string_view account, const core::ResponseVerdict& verdict) {
  std::string what(core::FailureClassName(verdict.failure));
  std::replace(what.begin(), what.end(), '_', '-');
  std::string note = absl::StrCat("\"", core::AbslView(account), "\" ", what);
  if (verdict.retry_after > absl::ZeroDuration()) {
    absl::StrAppend(&note, " ", absl::ToInt64Seconds(verdict.retry_after), "s");
  }
  return note;
}

}  // namespace

struct Exchange::UpstreamFailure {
  unsigned status = 0;
  http::fields headers;
  std::string body;
};

struct Exchange::AttemptResult {
  enum class Kind { kDone, kFailed, kClientGone, kStaleConnection } kind = Kind::kFailed;
  // The response was read to its end and nothing followed it: the connection may serve the next
  // request. False on every other path, which closes or drops the connection.
  bool reusable = false;
  core::ResponseVerdict verdict;
  core::AttemptContext context;
  UpstreamFailure failure;
};

Exchange::Exchange(ExchangeEnv env, ClientTransport& client,
                   const http::request<http::string_body>& request, bool keep_alive)
    : env_(env),
      client_(client),
      request_(request),
      writer_(client, env.options.client_write_timeout, request.version(), keep_alive) {}

Exchange::~Exchange() = default;

void Exchange::InjectFault(AttemptStep step) const {
  if (env_.options.attempt_fault && env_.options.attempt_fault(step)) {
    throw std::runtime_error(absl::StrCat("injected fault at step ", static_cast<int>(step)));
  }
}

// The I/O of one request: performs what the request loop (pool::RequestLoop) decides and reports
// back what came of it, until there is nothing left to do.
asio::awaitable<ExchangeSummary> Exchange::Run() {
  run_started_ = std::chrono::steady_clock::now();
  const std::string_view target = View(request_.target());
  if (target.starts_with("/v1/oauth/token")) {
    co_await RelayOAuthToken();
    co_return summary_;
  }
  if (env_.options.request_sink != nullptr) {
    capture_ = std::make_unique<ExchangeCapture>(*env_.options.request_sink,
                                                 View(request_.method_string()));
  }
  if (Aborted()) {  // e.g. admitted just as the drain deadline passed
    co_await EndAborted();
    co_return summary_;
  }
  FieldsSource headers(request_.base());
  loop_.emplace(
      env_.pool,
      core::ClassifyRequest(View(request_.method_string()), target, request_.body(), headers),
      static_cast<int64_t>(request_.body().size()));
  pool::RequestAction action = loop_->Start(Progress());
  using Kind = pool::RequestAction::Kind;
  while (true) {
    if (Aborted()) {  // the drain deadline: no failover, no hold; the answer ends with the drain's
      loop_->Abandon();
      co_await EndAborted();
      break;
    }
    if (action.kind == Kind::kClaim) {
      const pool::FleetClaim claim = co_await env_.pool.fleet_gate()->Claim(loop_->grant().lease);
      if (Aborted()) continue;
      action = loop_->OnClaimed(claim, Progress());
    } else if (action.kind == Kind::kRefreshThenSend) {
      auto freshen = env_.pool.FreshToken(loop_->grant(), std::move(action.refused_token));
      const credentials::FreshToken fresh = co_await std::move(freshen);
      if (Aborted()) continue;
      action = loop_->OnRefreshed(fresh, Progress());
    } else if (action.kind == Kind::kSend) {
      AttemptResult result = co_await Attempt(loop_->grant());
      if (result.kind == AttemptResult::Kind::kDone) break;
      if (Aborted()) continue;
      if (result.kind == AttemptResult::Kind::kClientGone) {
        action = loop_->OnClientGone();
        continue;
      }
      const unsigned answer_status = result.failure.status;
      failed_answer_ = std::make_unique<UpstreamFailure>(std::move(result.failure));
      action = loop_->OnAttemptFailed(result.verdict, std::move(result.context), answer_status,
                                      Progress());
    } else if (action.kind == Kind::kHold) {
      action = co_await Hold(action);
    } else if (action.kind == Kind::kRelayFailure) {
      co_await RelayFailure();
      break;
    } else if (action.kind == Kind::kReplyError) {
      co_await SendError(action.error, action.error_code);
      break;
    } else {  // kEnd
      break;
    }
  }
  SummarizeLoop();
  co_return summary_;
}

void Exchange::SummarizeLoop() {
  if (!loop_->account_label().empty()) summary_.account = loop_->account_label();
  summary_.attempts = loop_->attempts();
  summary_.held = loop_->held();
  summary_.failure = loop_->last_failure();
  if (loop_->client_gone()) summary_.client_gone = true;
}

asio::awaitable<Exchange::AttemptResult> Exchange::Attempt(const pool::Grant& grant) {
  const std::string& base =
      grant.credential.upstream.empty() ? env_.options.default_upstream : grant.credential.upstream;
  AttemptResult result;
  if (capture_) {
    capture_->BeginHop(grant.lease.account_name, base + std::string(View(request_.target())));
  }
  absl::StatusOr<const Origin*> origin = env_.upstreams.OriginFor(base);
  if (!origin.ok()) {
    result.verdict.failure = core::FailureClass::kUpstream5xx;
    result.context.transport_error = std::string(origin.status().message());
    if (capture_) capture_->AddError(result.context.transport_error);
    co_return result;
  }
  for (int tries = 0; tries < 2; ++tries) {
    if (Aborted()) {
      result.kind = AttemptResult::Kind::kFailed;
      co_return result;
    }
    absl::StatusOr<std::unique_ptr<UpstreamConnection>> conn =
        co_await env_.upstreams.Acquire(**origin);
    if (!conn.ok()) {
      result.context.transport_error = std::string(conn.status().message());
      result.verdict.failure = core::ClassifyTransportError(result.context.transport_error);
      if (capture_) capture_->AddError(result.context.transport_error);
      co_return result;
    }
    UpstreamConnection& c = **conn;
    // An attempt that throws (a header Beast refuses to build, an injected fault) is a failure
    // like any other: its lease is released, and nothing reaches the client from it.
    std::exception_ptr thrown;
    try {
      InjectFault(AttemptStep::kConnection);
      // (Not a conditional expression: GCC 12 mis-evaluates co_await inside ?:.)
      if (c.tls()) {
        result = co_await AttemptOn(c.ssl(), c, grant);
      } else {
        result = co_await AttemptOn(c.tcp(), c, grant);
      }
    } catch (...) {
      thrown = std::current_exception();
    }
    if (thrown) {
      boost::system::error_code ignored;
      c.tcp().socket().close(ignored);
      result = AttemptResult{};
      result.verdict.failure = core::FailureClass::kUpstream5xx;
      result.context.transport_error = DescribeFailure(thrown);
      if (capture_) capture_->AddError(result.context.transport_error);
      if (!loop_->holds_lease()) {
        // It threw after its answer was settled: the connection to the client ends with it.
        result.kind = AttemptResult::Kind::kDone;
        writer_.set_keep_alive(false);
      }
      co_return result;
    }
    if (result.kind == AttemptResult::Kind::kStaleConnection) continue;  // idle peer close
    if (result.reusable && c.tcp().socket().is_open()) env_.upstreams.Return(std::move(*conn));
    co_return result;
  }
  result.kind = AttemptResult::Kind::kFailed;
  result.verdict.failure = core::FailureClass::kNetwork;
  result.context.transport_error = "ECONNRESET";
  co_return result;
}

template <class Stream>
asio::awaitable<Exchange::AttemptResult> Exchange::AttemptOn(Stream& stream,
                                                             UpstreamConnection& conn,
                                                             const pool::Grant& grant) {
  AttemptResult result;
  const ProxyOptions& opt = env_.options;
  InjectFault(AttemptStep::kBuildRequest);
  http::request<http::span_body<const char>> req{
      request_.method(), conn.origin().path_prefix + std::string(View(request_.target())), 11};
  BuildUpstreamHeaders(request_.base(), grant.credential, /*strip_beta=*/false,
                       conn.origin().authority(), req.base());
  req.body() = {request_.body().data(), request_.body().size()};
  req.keep_alive(true);
  req.prepare_payload();
  if (capture_) {
    capture_->SetRequest(
        absl::StrCat(conn.origin().tls ? "https://" : "http://", conn.origin().authority(),
                     core::AbslView(View(req.target()))),
        req.base());
  }

  auto close_upstream = [&conn] {
    boost::system::error_code ignored;
    conn.tcp().socket().close(ignored);
  };
  auto network_failure = [&](const boost::system::error_code& ec) {
    close_upstream();
    result.kind =
        conn.reused ? AttemptResult::Kind::kStaleConnection : AttemptResult::Kind::kFailed;
    result.verdict.failure = core::FailureClass::kNetwork;
    result.context.transport_error = TransportCode(ec);
    if (capture_) capture_->AddError(result.context.transport_error);
    return result;
  };

  if (Aborted()) {  // a wait starts only while not aborted: the abort may have come between two
    result.kind = AttemptResult::Kind::kFailed;
    co_return result;
  }
  const auto sent_at = std::chrono::steady_clock::now();
  if (summary_.before_upstream.count() < 0 && !loop_->held()) {
    summary_.before_upstream = sent_at - run_started_;
  }
  conn.tcp().expires_after(opt.ttfb);
  auto [wec, written] = co_await http::async_write(stream, req, kTuple);
  if (wec) co_return network_failure(wec);
  InjectFault(AttemptStep::kSend);

  // Response headers, racing the client leaving and (for streams) the heartbeat grace (§5.4).
  // Interim 1xx answers are read and dropped (RFC 9110 §15.2), so the final answer is the one
  // relayed and nothing of this exchange is left on the connection for the next request.
  const bool head_request = request_.method() == http::verb::head;
  std::optional<http::response_parser<http::buffer_body>> parser;
  auto fresh_parser = [&] {
    parser.emplace();
    parser->body_limit(boost::none);
    parser->skip(head_request);  // a HEAD answer has no body, whatever its content-length says
  };
  fresh_parser();
  auto read_header = [&]() -> asio::awaitable<boost::system::error_code> {
    while (true) {
      auto [ec, n] = co_await http::async_read_header(stream, conn.buffer(), *parser, kTuple);
      if (ec) co_return ec;
      const unsigned interim = parser->get().result_int();
      if (interim >= 200 || interim == 101) co_return ec;
      fresh_parser();
    }
  };
  auto grace_then_heartbeats = [&]() -> asio::awaitable<void> {
    if (!writer_.started()) {
      if (!loop_->info().streaming) {
        asio::steady_timer forever(co_await asio::this_coro::executor);
        forever.expires_at(asio::steady_timer::time_point::max());
        co_await forever.async_wait(kTuple);
        co_return;
      }
      asio::steady_timer grace(co_await asio::this_coro::executor);
      grace.expires_after(opt.stream_grace);
      auto [ec] = co_await grace.async_wait(kTuple);
      if (ec) co_return;
      if (!co_await writer_.BeginEventStream() || !co_await writer_.Chunk(kPingEvent)) co_return;
    }
    co_await Heartbeats();
  };
  // A plain JSON request needs no heartbeat branch: one coroutine fewer per attempt.
  boost::system::error_code header_ec;
  bool client_gone = false;
  if (Aborted()) {
    header_ec = asio::error::operation_aborted;
  } else if (!loop_->info().streaming && !writer_.started()) {
    auto raced = co_await (read_header() || WatchClientGone());
    client_gone = raced.index() != 0;
    if (!client_gone) header_ec = std::get<0>(raced);
  } else {
    auto raced = co_await (read_header() || WatchClientGone() || grace_then_heartbeats());
    client_gone = raced.index() != 0;
    if (!client_gone) header_ec = std::get<0>(raced);
  }
  conn.tcp().expires_never();
  if (client_gone || writer_.dead()) {
    close_upstream();
    result.kind = AttemptResult::Kind::kClientGone;
    co_return result;
  }
  if (header_ec) co_return network_failure(header_ec);
  conn.reused = false;  // a response arrived: later failures are real
  summary_.upstream_ttfb = std::chrono::steady_clock::now() - sent_at;

  InjectFault(AttemptStep::kResponseHead);
  auto& response = parser->get();
  const unsigned status = response.result_int();
  if (capture_) capture_->SetResponse(status, response.base());
  if (status == 101) {
    // An upgrade nobody asked for: what follows is not HTTP. The upstream misbehaved.
    close_upstream();
    result.kind = AttemptResult::Kind::kFailed;
    result.verdict.failure = core::FailureClass::kUpstream5xx;
    result.context.status = 101;
    result.context.transport_error = "the upstream switched protocols (101) unasked";
    if (capture_) capture_->AddError(result.context.transport_error);
    co_return result;
  }
  FieldsSource response_headers(response.base());
  env_.pool.Observe(grant.lease, static_cast<int>(status), response_headers);
  // Only a response read to its end, with nothing after it, leaves the connection in step for the
  // next request (checked again when the pool hands it out).
  auto in_step = [&] {
    return parser->is_done() && parser->keep_alive() && conn.buffer().size() == 0;
  };

  // Relay buffers are recycled per worker and uninitialised on purpose: allocating or zeroing
  // 16 KiB per attempt was the largest single cost of a small request (perf of bench/overhead).
  std::optional<RelayBuffers::Handle> relay;
  std::span<char> buffer;
  auto ensure_buffer = [&] {
    if (!relay) {
      relay.emplace(env_.buffers.Take());
      buffer = relay->span();
    }
  };
  // Reads the next piece of the body into `into`; returns bytes read and the error, if any.
  auto read_into = [&](std::span<char> into, std::chrono::milliseconds timeout)
      -> asio::awaitable<std::pair<size_t, boost::system::error_code>> {
    if (aborted_) co_return std::pair{size_t{0}, make_error_code(asio::error::operation_aborted)};
    response.body().data = into.data();
    response.body().size = into.size();
    conn.tcp().expires_after(timeout);
    auto [ec, n] = co_await http::async_read_some(stream, conn.buffer(), *parser, kTuple);
    conn.tcp().expires_never();
    InjectFault(AttemptStep::kResponseBody);
    if (ec == http::error::need_buffer) ec = {};
    // One read parses one chunk; every further chunk already received goes out in the same
    // client write. (Not the parser's eager mode: it would wait on the socket for the next
    // chunk's header before returning what it has, delaying each event until the next.)
    while (!ec && !parser->is_done() && conn.buffer().size() > 0 && response.body().size > 0) {
      boost::system::error_code put_ec;
      const size_t used = parser->put(conn.buffer().data(), put_ec);
      conn.buffer().consume(used);
      if (put_ec == http::error::need_more || put_ec == http::error::need_buffer) break;
      if (put_ec) {
        ec = put_ec;
        break;
      }
      if (used == 0) break;
    }
    co_return std::pair{into.size() - response.body().size, ec};
  };
  // Reads the next piece of the body into the relay buffer.
  auto read_some = [&](std::chrono::milliseconds timeout) {
    ensure_buffer();
    return read_into(buffer, timeout);
  };

  const core::UpstreamContext context{grant.type, grant.provider, loop_->info().family,
                                      loop_->info().model,
                                      absl::FromChrono(opt.provider_403_cooldown)};
  if (status >= 400) {
    // An error: read (a bounded part of) its body and classify it (§4.2: 64 KiB).
    UpstreamFailure& failure = result.failure;
    failure.status = status;
    CopyResponseHeaders(response.base(), failure.headers);
    while (!parser->is_done() && failure.body.size() < opt.max_error_body_bytes) {
      auto [n, ec] = co_await read_some(opt.body_timeout);
      failure.body.append(buffer.data(), n);
      if (ec) break;
    }
    if (!in_step()) close_upstream();
    if (aborted_) {
      close_upstream();
      result.kind = AttemptResult::Kind::kFailed;
      co_return result;
    }
    result.verdict = core::ClassifyResponse(static_cast<int>(status), response_headers,
                                            failure.body, context, env_.pool.clock().Now());
    result.context.status = static_cast<int>(status);
    if (capture_) {
      capture_->AppendBody(failure.body, ExchangeRecord::BodyKind::kError);
      if (result.verdict.failure != core::FailureClass::kNone) {
        capture_->SetNote(FailureNote(grant.lease.account_name, result.verdict));
      }
    }
    if (result.verdict.failure != core::FailureClass::kNone) {
      result.kind = AttemptResult::Kind::kFailed;
      co_return result;
    }
    // Relayed as is (e.g. 501): the body is already read.
    if (writer_.started()) {
      auto [type, message] = ErrorOf(failure.body, status);
      std::string event = ErrorEvent(type, message);
      if (capture_) capture_->SetClientResponse(200, event);
      co_await writer_.Chunk(event);
      co_await writer_.Finish();
    } else {
      http::fields out = failure.headers;
      out.set("x-maxpool-account", grant.lease.account_name);
      co_await writer_.Respond(status, std::move(out), std::move(failure.body));
    }
    loop_->Answered(status);
    summary_.status = status;
    result.kind = AttemptResult::Kind::kDone;
    result.reusable = in_step();
    co_return result;
  }

  if (head_request && !writer_.started()) {
    // The head alone, with the length a GET would have had (RFC 9110 §9.3.2).
    http::fields out;
    CopyResponseHeaders(response.base(), out);
    out.set("x-maxpool-account", grant.lease.account_name);
    const boost::optional<uint64_t> declared = parser->content_length();
    const std::optional<uint64_t> length =
        declared ? std::optional<uint64_t>(*declared) : std::nullopt;
    const bool delivered = co_await writer_.RespondHead(status, std::move(out), length);
    loop_->Answered(status);
    summary_.status = status;
    summary_.client_gone = !delivered;
    result.kind = AttemptResult::Kind::kDone;
    result.reusable = in_step();
    co_return result;
  }

  // Success: relay as it arrives (§4.8).
  const bool event_stream = IsEventStream(response.base());
  if (writer_.started() && !event_stream) {
    // A JSON answer under an already committed SSE stream must not be written raw (§14 item 38).
    while (!parser->is_done()) {
      auto [n, ec] = co_await read_some(opt.body_timeout);
      if (capture_) {
        capture_->AppendBody(std::string_view(buffer.data(), n), ExchangeRecord::BodyKind::kBody);
      }
      if (ec) break;
    }
    if (aborted_) {
      close_upstream();
      result.kind = AttemptResult::Kind::kFailed;
      co_return result;
    }
    std::string event = ErrorEvent(
        "api_error", "The upstream sent a non-streaming response to a streaming request; retry.");
    if (capture_) capture_->SetClientResponse(200, event);
    co_await writer_.Chunk(event);
    co_await writer_.Finish();
    loop_->Answered(status);
    summary_.status = 200;
    result.kind = AttemptResult::Kind::kDone;
    result.reusable = in_step();
    co_return result;
  }
  if (!writer_.started() && !event_stream && response.has_content_length() &&
      parser->content_length().value_or(0) <= opt.max_error_body_bytes * 16) {
    // A small JSON answer of known length (a Message is a few KiB): read it, then send header
    // and body in one write, with its length. Streams and large bodies are relayed as they come.
    std::string body(static_cast<size_t>(parser->content_length().value_or(0)), '\0');
    size_t filled = 0;
    boost::system::error_code body_ec;
    while (!parser->is_done() && !body_ec) {
      auto [n, ec] = co_await read_into(std::span<char>(body.data() + filled, body.size() - filled),
                                        opt.body_timeout);
      filled += n;
      body_ec = ec;
    }
    if (body_ec) {
      // Nothing reached the client yet: an ordinary network failure, eligible for failover.
      co_return network_failure(body_ec);
    }
    http::fields out;
    CopyResponseHeaders(response.base(), out);
    out.set("x-maxpool-account", grant.lease.account_name);
    writer_.CountBodyBytes(body.size());
    if (status == 200) SetUsage(UsageFromJson(body));
    if (capture_) capture_->AppendBody(body, ExchangeRecord::BodyKind::kBody);
    const bool reusable = in_step();
    const bool delivered = co_await writer_.Respond(status, std::move(out), std::move(body));
    loop_->Answered(status);
    summary_.status = status;
    summary_.client_gone = !delivered;
    result.kind = AttemptResult::Kind::kDone;
    result.reusable = reusable;
    co_return result;
  }
  if (!writer_.started()) {
    http::fields out;
    CopyResponseHeaders(response.base(), out);
    out.set("x-maxpool-account", grant.lease.account_name);
    // The head leaves with the first body bytes when they came with it (one write, not two);
    // otherwise at once, so the client sees the status while the model thinks.
    const bool body_waiting = conn.buffer().size() > 0;
    if (!co_await writer_.Begin(status, std::move(out), /*flush=*/!body_waiting)) {
      close_upstream();
      result.kind = AttemptResult::Kind::kClientGone;
      co_return result;
    }
  }
  summary_.status = writer_.event_stream() ? 200 : status;
  SseTracker tracker;
  std::string json_body;  // non-streaming bodies, for usage (bounded)
  // Why the relay ended short of a complete answer; empty when it completed.
  std::string broke;
  const auto captured_kind =
      event_stream ? ExchangeRecord::BodyKind::kStreamed : ExchangeRecord::BodyKind::kBody;
  if (capture_) capture_->AppendBody({}, captured_kind);
  while (!parser->is_done()) {
    auto [n, ec] = co_await read_some(event_stream ? opt.stream_idle : opt.body_timeout);
    // An event stream is complete only with its message_stop (or the upstream's own error event),
    // however the upstream framed it: a chunked end, its length, or closing the connection.
    const bool body_ended = parser->is_done() && !ec;
    bool complete = body_ended;
    if (n > 0) {
      const std::string_view piece(buffer.data(), n);
      if (capture_) capture_->AppendBody(piece, captured_kind);
      if (event_stream) {
        tracker.Feed(piece);
        complete = body_ended && tracker.Complete();
      } else if (json_body.size() + n <= opt.max_error_body_bytes * 16) {
        json_body.append(piece);
      }
      writer_.CountBodyBytes(n);
      // The last piece carries the end of the response in the same write.
      InjectFault(AttemptStep::kClientWrite);
      if (!co_await writer_.Chunk(piece, /*last=*/complete)) {
        close_upstream();
        result.kind = AttemptResult::Kind::kClientGone;
        co_return result;
      }
    } else if (event_stream) {
      complete = body_ended && tracker.Complete();
    }
    // (A plain member read per piece: the abort handler runs on this thread.)
    if (ec || (aborted_ && !parser->is_done())) {
      broke = TransportCode(ec ? ec : make_error_code(asio::error::operation_aborted));
      break;
    }
    if (body_ended && !complete) broke = "the upstream ended the stream without message_stop";
  }
  if (event_stream) {
    SetUsage(tracker.usage());  // a broken stream's tokens were spent too
  } else if (status == 200 && !json_body.empty()) {
    SetUsage(UsageFromJson(json_body));
  }
  if (!broke.empty()) {
    // Never end a broken stream cleanly (§4.8, §14 item 45): the client sees an error event.
    close_upstream();
    summary_.truncated = true;
    if (capture_ && !aborted_) {
      capture_->AddError(absl::StrCat("the upstream stream broke before its end: ", broke));
    }
    if (aborted_) {
      // The drain deadline: the stream ends with the shutdown's error; a plain body is cut short
      // and its connection closes (keep-alive is off). Not the account's fault.
      summary_.aborted = true;
      if (event_stream || writer_.event_stream()) {
        std::string frame = tracker.AtEventBoundary() ? std::string() : std::string("\n\n");
        frame += ErrorEvent("overloaded_error", kShutdownMessage);
        if (capture_) capture_->SetClientResponse(200, frame);
        co_await writer_.Chunk(frame);
        co_await writer_.Finish();
      }
      loop_->Abandon();
      result.kind = AttemptResult::Kind::kDone;
      co_return result;
    }
    if (event_stream || writer_.event_stream()) {
      std::string frame = tracker.AtEventBoundary() ? std::string() : std::string("\n\n");
      frame += ErrorEvent("api_error",
                          "The upstream closed the stream before it was complete; please retry.");
      if (capture_) capture_->SetClientResponse(200, frame);
      co_await writer_.Chunk(frame);
      co_await writer_.Finish();
    } else {
      writer_.set_keep_alive(false);  // the body is short: the client must not trust it
    }
    result.kind = AttemptResult::Kind::kDone;
    loop_->Cut(std::move(broke));
    co_return result;
  }
  const bool reusable = in_step();
  co_await writer_.Finish();
  loop_->Answered(status);
  result.kind = AttemptResult::Kind::kDone;
  result.reusable = reusable;
  co_return result;
}

asio::awaitable<void> Exchange::Heartbeats() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (true) {
    timer.expires_after(env_.options.heartbeat);
    auto [ec] = co_await timer.async_wait(kTuple);
    if (ec) co_return;
    if (!co_await writer_.Chunk(kPingEvent)) co_return;  // client gone
    auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) co_return;
  }
}

asio::awaitable<pool::RequestAction> Exchange::Hold(const pool::RequestAction& hold) {
  std::variant<pool::HoldResult, std::monostate> waited;
  if (hold.begin_stream_when_queued) {
    // The heartbeat stream is committed once the ticket is queued (§5.1 steps 5 and 7), so a
    // request refused by a full queue still gets a plain 429.
    asio::steady_timer queued(co_await asio::this_coro::executor);
    queued.expires_at(asio::steady_timer::time_point::max());
    auto commit_then_heartbeats = [&]() -> asio::awaitable<void> {
      co_await queued.async_wait(kTuple);
      auto state = co_await asio::this_coro::cancellation_state;
      if (state.cancelled() != asio::cancellation_type::none) co_return;  // the hold ended first
      if (!co_await writer_.BeginEventStream() || !co_await writer_.Chunk(kPingEvent)) co_return;
      co_await Heartbeats();
    };
    auto on_queued = [&queued] { queued.expires_at(asio::steady_timer::time_point::min()); };
    waited = co_await (env_.pool.Hold(loop_->info(), loop_->route(), hold.hold_until, on_queued) ||
                       commit_then_heartbeats());
  } else if (writer_.event_stream()) {
    waited =
        co_await (env_.pool.Hold(loop_->info(), loop_->route(), hold.hold_until) || Heartbeats());
  } else {
    waited = co_await (env_.pool.Hold(loop_->info(), loop_->route(), hold.hold_until) ||
                       WatchClientGone());
  }
  if (Aborted())
    co_return pool::RequestAction{};  // the cancellation ended the hold (or it
                                      // ended just before): the drain answers
  if (waited.index() != 0) co_return loop_->OnClientGone();
  co_return loop_->OnHoldEnded(std::get<0>(waited), Progress());
}

// Every argument of a co_await below is a named local or a trivial value: GCC 12 destroys
// temporaries with destructors that live across a co_await twice (ASan: double free).
asio::awaitable<void> Exchange::RelayFailure() {
  const UpstreamFailure& failure = *failed_answer_;
  summary_.status = failure.status;
  if (writer_.started()) {
    auto [type, message] = ErrorOf(failure.body, failure.status);
    const std::string event = ErrorEvent(type, message);
    if (capture_) capture_->SetClientResponse(200, event);
    co_await writer_.Chunk(event);
    co_await writer_.Finish();
    co_return;
  }
  http::fields out = failure.headers;
  out.set("x-maxpool-account", loop_->last_account());
  std::string body = failure.body;
  co_await writer_.Respond(failure.status, std::move(out), std::move(body));
}

asio::awaitable<void> Exchange::SendError(unsigned status, std::string_view type,
                                          const std::string& message,
                                          std::optional<int> retry_after,
                                          std::string_view error_code) {
  if (writer_.started()) {
    summary_.status = 200;
    std::string event = ErrorEvent(type, message, error_code);
    if (capture_) capture_->SetClientResponse(200, event);
    co_await writer_.Chunk(event);
    co_await writer_.Finish();
    co_return;
  }
  summary_.status = status;
  http::fields headers;
  headers.set(http::field::content_type, "application/json");
  if (retry_after) headers.set(http::field::retry_after, std::to_string(*retry_after));
  std::string body = ErrorJson(type, message, error_code);
  if (capture_) capture_->SetClientResponse(status, body);
  co_await writer_.Respond(status, std::move(headers), std::move(body));
}

asio::awaitable<void> Exchange::EndAborted() {
  summary_.aborted = true;
  writer_.set_keep_alive(false);
  if (writer_.dead()) {
    summary_.client_gone = true;
    co_return;
  }
  if (writer_.started()) {  // a committed SSE stream (heartbeats): it ends with an error event
    const std::string message(kShutdownMessage);
    co_await SendError(200, "overloaded_error", message, std::nullopt);
    co_return;
  }
  const std::string message(kDrainingMessage);
  co_await SendError(503, "overloaded_error", message, kDrainingRetryAfterSeconds);
}

void Exchange::FinishCapture() {
  if (summary_.aborted) capture_->AddError("ended by the drain deadline");
  if (summary_.client_gone) capture_->AddError("the client went away");
  capture_->Submit(summary_.account, summary_.attempts, View(request_.target()), request_.base(),
                   request_.body());
  capture_.reset();
}

// Not captured for the request log: its bodies are the client's own OAuth tokens.
asio::awaitable<void> Exchange::RelayOAuthToken() {
  static const std::string kUnreachable = "Upstream unreachable";
  // Relayed untouched to the default upstream with no account credential (spec §7.5).
  summary_.account = "(oauth relay)";
  absl::StatusOr<Origin> origin = ParseOrigin(env_.options.default_upstream);
  if (!origin.ok()) {
    co_await SendError(502, "proxy_error", kUnreachable, std::nullopt);
    co_return;
  }
  absl::StatusOr<std::unique_ptr<UpstreamConnection>> conn =
      co_await env_.upstreams.Acquire(*origin);
  if (!conn.ok()) {
    if (Aborted()) {
      co_await EndAborted();
    } else {
      co_await SendError(502, "proxy_error", kUnreachable, std::nullopt);
    }
    co_return;
  }
  UpstreamConnection& c = **conn;
  http::request<http::span_body<const char>> req{
      request_.method(), origin->path_prefix + std::string(View(request_.target())), 11};
  req.set(http::field::host, origin->authority());
  auto copy = [&](http::field field, std::string_view fallback) {
    const std::string_view value = View(request_[field]);
    req.set(field, value.empty() ? fallback : value);
  };
  copy(http::field::content_type, "application/json");
  copy(http::field::accept, "application/json");
  copy(http::field::user_agent, "maxpool");
  req.body() = {request_.body().data(), request_.body().size()};
  req.keep_alive(false);
  req.prepare_payload();
  http::response<http::string_body> res;
  boost::system::error_code ec;
  c.tcp().expires_after(env_.options.ttfb);
  if (c.tls()) {
    std::tie(ec, std::ignore) = co_await http::async_write(c.ssl(), req, kTuple);
    if (!ec)
      std::tie(ec, std::ignore) = co_await http::async_read(c.ssl(), c.buffer(), res, kTuple);
  } else {
    std::tie(ec, std::ignore) = co_await http::async_write(c.tcp(), req, kTuple);
    if (!ec)
      std::tie(ec, std::ignore) = co_await http::async_read(c.tcp(), c.buffer(), res, kTuple);
  }
  if (ec) {
    if (Aborted()) {
      co_await EndAborted();
    } else {
      co_await SendError(502, "proxy_error", kUnreachable, std::nullopt);
    }
    co_return;
  }
  http::fields out;
  CopyResponseHeaders(res.base(), out);
  summary_.status = res.result_int();
  co_await writer_.Respond(res.result_int(), std::move(out), std::move(res.body()));
}

}  // namespace maxpool::proxy
