#include "net/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/experimental/awaitable_operators.hpp"
#include "boost/asio/experimental/concurrent_channel.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/address.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/error.hpp"
#include "boost/asio/ssl/host_name_verification.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/core/error.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/error.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"
#include "boost/beast/http/write.hpp"
#include "boost/beast/ssl/ssl_stream.hpp"
#include "net/http_url.h"

namespace maxpool::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }
constexpr uint32_t kMaxResponseHeaderBytes = 64 * 1024;

// Where the call goes, from its URL.
struct Target {
  bool tls = true;
  std::string host;  // name or IP address as text, without brackets (SNI, verification)
  std::string port;
  uint16_t port_number = 0;
  bool literal = false;  // `host` is an IP address: no resolve, no SNI
  asio::ip::address address;
  std::string authority;  // Host header: host[:port], the port only when not the default
  std::string target;     // path?query, at least "/"
  std::string display;    // scheme://host:port/path, for messages (no query: it may be secret)
};

absl::StatusOr<Target> ParseTarget(std::string_view url_text) {
  absl::StatusOr<net::HttpUrl> url = net::ParseHttpUrl(url_text);
  if (!url.ok()) return url.status();
  Target target;
  target.tls = url->tls;
  target.host = url->host;
  target.port = url->port;
  target.port_number = url->port_number;
  target.literal = url->address.has_value();
  if (target.literal) target.address = *url->address;
  target.authority = url->authority();
  target.target = url->path.empty() ? "/" : url->path;
  target.display = absl::StrCat(url->scheme, "://", url->host_text, ":", url->port, target.target);
  if (url->query) absl::StrAppend(&target.target, "?", *url->query);
  return target;
}

bool HasControlCharacters(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

const error_code& HttpErrorSample() {
  static const error_code sample = http::make_error_code(http::error::body_limit);
  return sample;
}

// Classifies a failure of `step`. `past_deadline`: the step's deadline had passed when it failed
// (a timeout surfacing through the TLS layer under another code is still a timeout).
TransportError Classify(const error_code& ec, bool past_deadline) {
  if (ec == beast::error::timeout) return TransportError::kTimeout;
  if (ec == asio::error::operation_aborted) {
    return past_deadline ? TransportError::kTimeout : TransportError::kCancelled;
  }
  if (past_deadline) return TransportError::kTimeout;
  if (ec == asio::error::connection_refused) return TransportError::kConnectionRefused;
  if (ec == asio::error::connection_reset || ec == asio::error::connection_aborted ||
      ec == asio::error::broken_pipe || ec == asio::error::eof ||
      ec == asio::error::not_connected || ec == http::error::end_of_stream ||
      ec == http::error::partial_message || ec == asio::ssl::error::stream_truncated) {
    return TransportError::kConnectionReset;
  }
  if (ec == asio::error::host_unreachable || ec == asio::error::network_unreachable ||
      ec == asio::error::network_down) {
    return TransportError::kUnreachable;
  }
  if (ec.category() == asio::error::get_ssl_category() ||
      ec.category() == asio::ssl::error::get_stream_category()) {
    return TransportError::kTls;
  }
  if (ec.category() == HttpErrorSample().category()) return TransportError::kProtocol;
  return TransportError::kOther;
}

TransportError ClassifyResolve(const error_code& ec) {
  if (ec == asio::error::host_not_found_try_again) return TransportError::kDnsTemporary;
  if (ec == asio::error::operation_aborted) return TransportError::kCancelled;
  if (ec == asio::error::host_not_found || ec == asio::error::no_data ||
      ec == asio::error::service_not_found || ec == asio::error::no_recovery) {
    return TransportError::kDnsNotFound;
  }
  return TransportError::kDnsTemporary;
}

HttpOutcome Failure(TransportError error, bool request_sent, std::string_view what,
                    std::string_view step, std::string_view detail) {
  HttpOutcome outcome;
  outcome.error = error;
  outcome.request_sent = request_sent;
  outcome.message = absl::StrCat(View(what), ": ", View(step), ": ", View(detail), " (",
                                 View(TransportErrorName(error)), ")");
  return outcome;
}

// --- Resolve with a deadline ---------------------------------------------------------------
// getaddrinfo runs on Asio's resolver thread and cannot be interrupted, so the lookup delivers
// its result through a channel and the coroutine stops waiting at the deadline; a late result
// is dropped.

using ResolveChannel = asio::experimental::concurrent_channel<void(boost::system::error_code,
                                                                   tcp::resolver::results_type)>;

struct ResolveJob {
  explicit ResolveJob(const asio::any_io_executor& executor)
      : resolver(executor), channel(executor, 1) {}
  tcp::resolver resolver;
  ResolveChannel channel;
};

struct Resolved {
  error_code ec;
  std::vector<tcp::endpoint> endpoints;
  bool timed_out = false;
};

// REQUIRES: `host` and `port` outlive the awaitable (the caller co_awaits it at once).
asio::awaitable<Resolved> Resolve(const std::string& host, const std::string& port,
                                  Clock::time_point deadline) {
  const auto executor = co_await asio::this_coro::executor;
  auto job = std::make_shared<ResolveJob>(executor);
  job->resolver.async_resolve(host, port,
                              [job](const error_code& ec, tcp::resolver::results_type results) {
                                job->channel.try_send(ec, std::move(results));
                              });
  asio::steady_timer timer(executor, deadline);
  auto receive = job->channel.async_receive(kTuple);
  auto wait = timer.async_wait(kTuple);
  auto race = std::move(receive) || std::move(wait);
  auto raced = co_await std::move(race);
  Resolved resolved;
  if (raced.index() == 1) {
    const error_code timer_ec = std::get<0>(std::get<1>(raced));
    resolved.timed_out = !timer_ec;
    resolved.ec = timer_ec ? timer_ec : asio::error::timed_out;
    co_return resolved;
  }
  auto& [ec, results] = std::get<0>(raced);
  resolved.ec = ec;
  if (!ec) {
    for (const auto& entry : results) resolved.endpoints.push_back(entry.endpoint());
    if (resolved.endpoints.empty()) resolved.ec = asio::error::host_not_found;
  }
  co_return resolved;
}

// --- One exchange on a connected stream ----------------------------------------------------

http::request<http::string_body> BuildRequest(const HttpCall& call, const Target& target) {
  const std::string_view verb = HttpMethodName(call.method);
  http::request<http::string_body> request(
      http::string_to_verb(boost::beast::string_view(verb.data(), verb.size())), target.target, 11);
  request.set(http::field::host, target.authority);
  request.set(http::field::user_agent, kDefaultUserAgent);
  request.set(http::field::accept, kDefaultAccept);
  if (!call.body.empty()) request.set(http::field::content_type, "application/json");
  for (const HttpHeader& header : call.headers) request.set(header.name, header.value);
  // Ours alone: the framing and the connection's fate.
  request.set(http::field::host, target.authority);
  request.erase(http::field::content_length);
  request.erase(http::field::transfer_encoding);
  request.set(http::field::connection, "close");
  request.body() = call.body;
  request.prepare_payload();
  return request;
}

std::string TlsFailureDetail(SSL* ssl, const error_code& ec) {
  std::string detail = ec.message();
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    absl::StrAppend(&detail, " (", X509_verify_cert_error_string(verify), ")");
  }
  return detail;
}

struct ExchangeArgs {
  const Target* target;
  const std::vector<tcp::endpoint>* endpoints;
  http::request<http::string_body>* request;
  size_t max_response_body;
  Clock::time_point connect_deadline;
  Clock::time_point deadline;
  const std::string* what;
};

// Connect, (handshake,) write, read. `Stream` is beast::tcp_stream or an ssl_stream over one.
template <class Stream, bool kTls>
asio::awaitable<HttpOutcome> Exchange(Stream& stream, ExchangeArgs args) {
  const std::string& what = *args.what;
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);

  tcp.expires_at(args.connect_deadline);
  auto [cec, endpoint] = co_await tcp.async_connect(*args.endpoints, kTuple);
  if (cec) {
    const TransportError error = Classify(cec, Clock::now() >= args.connect_deadline);
    co_return Failure(error, false, what, "connect", cec.message());
  }
  error_code ignored;
  tcp.socket().set_option(tcp::no_delay(true), ignored);

  if constexpr (kTls) {
    const Target& target = *args.target;
    // SNI for names only (RFC 6066 §3: never an IP literal). Not the SSL_set_tlsext_host_name
    // macro: it contains an old-style cast.
    if (!target.literal &&
        !SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(target.host.c_str()))) {
      co_return Failure(TransportError::kTls, false, what, "TLS", "cannot set SNI");
    }
    // OpenSSL's own name check as well as Asio's: it records X509_V_ERR_HOSTNAME_MISMATCH, so
    // the failure says why.
    const int name_set = target.literal
                             ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream.native_handle()),
                                                             target.host.c_str())
                             : SSL_set1_host(stream.native_handle(), target.host.c_str());
    if (name_set != 1) {
      co_return Failure(TransportError::kTls, false, what, "TLS", "cannot set the expected name");
    }
    stream.set_verify_mode(asio::ssl::verify_peer);
    stream.set_verify_callback(asio::ssl::host_name_verification(target.host));
    tcp.expires_at(args.connect_deadline);
    auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kTuple);
    if (hec) {
      const TransportError error = Classify(hec, Clock::now() >= args.connect_deadline);
      co_return Failure(error, false, what, "TLS handshake",
                        TlsFailureDetail(stream.native_handle(), hec));
    }
  }

  // From the first byte written on, the server may act on the request (spec §7.3).
  tcp.expires_at(args.deadline);
  auto [wec, written] = co_await http::async_write(stream, *args.request, kTuple);
  if (wec) {
    // Nothing written: the server cannot have seen the request, so it may be sent again.
    const bool sent = written > 0;
    co_return Failure(Classify(wec, Clock::now() >= args.deadline), sent, what, "write",
                      wec.message());
  }

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxResponseHeaderBytes);
  parser.body_limit(args.max_response_body);
  auto [rec, read] = co_await http::async_read(stream, buffer, parser, kTuple);
  error_code read_ec = rec;
  if (read_ec == asio::ssl::error::stream_truncated && parser.is_header_done() &&
      !parser.is_done()) {
    // A body delimited by the connection's end, closed without close_notify: complete as far
    // as HTTP is concerned.
    error_code eof_ec;
    parser.put_eof(eof_ec);
    if (!eof_ec && parser.is_done()) read_ec = {};
  }
  tcp.expires_never();
  if (read_ec) {
    std::string detail = read_ec.message();
    if (read_ec == http::error::body_limit) {
      detail = absl::StrCat("response body over ", args.max_response_body, " bytes");
    }
    co_return Failure(Classify(read_ec, Clock::now() >= args.deadline), true, what, "read", detail);
  }
  tcp.socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp.close();

  http::response<http::string_body> message = parser.release();
  HttpOutcome outcome;
  outcome.request_sent = true;
  HttpResponse& response = outcome.response.emplace();
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.push_back(
        HttpHeader{std::string(field.name_string()), std::string(field.value())});
  }
  response.body = std::move(message.body());
  co_return outcome;
}

}  // namespace

std::optional<std::string_view> HttpResponse::Header(std::string_view name) const {
  for (const HttpHeader& header : headers) {
    if (absl::EqualsIgnoreCase(View(header.name), View(name))) {
      return std::string_view(header.value);
    }
  }
  return std::nullopt;
}

std::string_view TransportErrorName(TransportError error) {
  switch (error) {
    case TransportError::kNone:
      return "";
    case TransportError::kInvalidRequest:
      return "EINVAL";
    case TransportError::kDnsNotFound:
      return "ENOTFOUND";
    case TransportError::kDnsTemporary:
      return "EAI_AGAIN";
    case TransportError::kConnectionRefused:
      return "ECONNREFUSED";
    case TransportError::kUnreachable:
      return "EHOSTUNREACH";
    case TransportError::kTimeout:
      return "ETIMEDOUT";
    case TransportError::kConnectionReset:
      return "ECONNRESET";
    case TransportError::kTls:
      return "ETLS";
    case TransportError::kProtocol:
      return "EPROTO";
    case TransportError::kCancelled:
      return "ECANCELED";
    case TransportError::kOther:
      return "EIO";
  }
  return "EIO";
}

absl::Status HttpOutcome::ToStatus() const {
  if (response.has_value()) return absl::OkStatus();
  switch (error) {
    case TransportError::kInvalidRequest:
      return absl::InvalidArgumentError(message);
    case TransportError::kTimeout:
      return absl::DeadlineExceededError(message);
    case TransportError::kCancelled:
      return absl::CancelledError(message);
    default:
      return absl::UnavailableError(message);
  }
}

std::string_view HttpMethodName(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kPost:
      return "POST";
    case HttpMethod::kPut:
      return "PUT";
    case HttpMethod::kPatch:
      return "PATCH";
    case HttpMethod::kDelete:
      return "DELETE";
  }
  return "GET";
}

asio::awaitable<HttpOutcome> SendJson(asio::ssl::context& tls, HttpCall call) {
  const std::string_view method = HttpMethodName(call.method);
  absl::StatusOr<Target> target = ParseTarget(call.url);
  if (!target.ok()) {
    HttpOutcome outcome;
    outcome.error = TransportError::kInvalidRequest;
    outcome.message = absl::StrCat(View(method), " ", target.status().message(), " (EINVAL)");
    co_return outcome;
  }
  const std::string what = absl::StrCat(View(method), " ", target->display);
  for (const HttpHeader& header : call.headers) {
    if (header.name.empty() || HasControlCharacters(header.name) ||
        HasControlCharacters(header.value)) {
      // The name only: the value may be a token.
      co_return Failure(
          TransportError::kInvalidRequest, false, what, "header",
          absl::StrCat("invalid header \"",
                       HasControlCharacters(header.name) ? "(unprintable)" : header.name, "\""));
    }
  }

  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + call.timeout;
  const Clock::time_point connect_deadline = std::min(deadline, start + call.connect_timeout);

  std::vector<tcp::endpoint> endpoints;
  if (target->literal) {
    endpoints.emplace_back(target->address, target->port_number);
  } else {
    Resolved resolved = co_await Resolve(target->host, target->port, connect_deadline);
    if (resolved.timed_out) {
      co_return Failure(TransportError::kTimeout, false, what, "resolve", "timed out");
    }
    if (resolved.ec) {
      co_return Failure(ClassifyResolve(resolved.ec), false, what, "resolve",
                        resolved.ec.message());
    }
    endpoints = std::move(resolved.endpoints);
  }

  http::request<http::string_body> request = BuildRequest(call, *target);
  ExchangeArgs args{&*target,         &endpoints, &request, call.max_response_body,
                    connect_deadline, deadline,   &what};
  const auto executor = co_await asio::this_coro::executor;
  HttpOutcome outcome;
  if (target->tls) {
    beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
    outcome = co_await Exchange<beast::ssl_stream<beast::tcp_stream>, true>(stream, args);
  } else {
    beast::tcp_stream stream(executor);
    outcome = co_await Exchange<beast::tcp_stream, false>(stream, args);
  }
  co_return outcome;
}

HttpOutcome SendJsonBlocking(asio::ssl::context& tls, HttpCall call) {
  asio::io_context io;
  HttpOutcome outcome;
  std::exception_ptr failure;
  asio::co_spawn(io, SendJson(tls, std::move(call)),
                 [&outcome, &failure](std::exception_ptr e, HttpOutcome result) {
                   failure = e;
                   outcome = std::move(result);
                 });
  io.run();
  if (failure) std::rethrow_exception(failure);  // a bug (e.g. bad_alloc), not an I/O failure
  return outcome;
}

}  // namespace maxpool::net
