#pragma once

// The one client of outbound one-shot HTTP calls: the OAuth endpoints (token, profile, usage; spec
// §7.1–§7.3) and the CLI's `api` and `probe` commands. One
// request per connection (Connection: close), TLS verified against the system store plus an
// optional extra CA file, with SNI and host-name verification. Plain http:// is allowed only to
// loopback hosts and is never a silent downgrade.
//
// The outcome says whether the request may have reached the server (`request_sent`): a refresh
// token is single-use, so a failure after the first byte was written is "ambiguous" and must not
// be retried with the same token (spec §7.3).
//
// Secrets: requests carry tokens in bodies and Authorization headers; no error message produced
// here contains a request body, a header value or the URL's query.
//
// Thread safety: SendJson() may run concurrently from any number of coroutines; the TLS context
// is only read (OpenSSL SSL_CTX is thread-safe for that).

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/ssl/context.hpp"

namespace maxpool::net {

// The User-Agent and Accept sent unless a call names its own: Claude Code's axios client (spec
// §7.3), the client the OAuth endpoints expect.
inline constexpr std::string_view kDefaultUserAgent = "axios/1.13.6";
inline constexpr std::string_view kDefaultAccept = "application/json, text/plain, */*";

// PUT, PATCH and DELETE are for `maxpool api` (a debug helper); the OAuth calls use GET and POST.
enum class HttpMethod { kGet, kPost, kPut, kPatch, kDelete };

// "GET", "POST", ...
std::string_view HttpMethodName(HttpMethod method);

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpCall {
  HttpMethod method = HttpMethod::kPost;
  // Absolute URL: https://host[:port]/path?query, or http:// to a loopback host only
  // ("localhost", 127.0.0.0/8, ::1).
  std::string url;
  // Sent as given, after the defaults (a caller's header replaces a default of the same name,
  // case-insensitively): User-Agent: kDefaultUserAgent, Accept: kDefaultAccept,
  // and, when there is a body, Content-Type: application/json. Host, Content-Length and
  // Connection: close are always set here and cannot be overridden. Names and values must not
  // contain CR, LF or NUL.
  std::vector<HttpHeader> headers;
  std::string body;
  // The whole exchange: resolve, connect, TLS handshake, write and read. Default 30 s (§7.3).
  std::chrono::milliseconds timeout{30000};
  // Resolve + TCP connect + TLS handshake must finish within this (and within `timeout`).
  // Default 10 s.
  std::chrono::milliseconds connect_timeout{10000};
  // A longer response body is a failure (kProtocol, request_sent). Default 1 MiB.
  size_t max_response_body = size_t{1} << 20;
};

struct HttpResponse {
  int status = 0;
  std::vector<HttpHeader> headers;  // in arrival order, names as sent
  std::string body;

  // The first header named `name` (case-insensitive), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
};

// Why an exchange produced no response. Names follow the Node/undici codes the spec uses.
enum class TransportError {
  kNone,               // a response arrived
  kInvalidRequest,     // EINVAL: bad URL, scheme, plain http to a non-loopback host, bad header
  kDnsNotFound,        // ENOTFOUND: the name does not exist
  kDnsTemporary,       // EAI_AGAIN: temporary resolver failure
  kConnectionRefused,  // ECONNREFUSED
  kUnreachable,        // EHOSTUNREACH / ENETUNREACH and other connect failures
  kTimeout,            // ETIMEDOUT: the connect timeout or the whole-exchange timeout passed
  kConnectionReset,    // ECONNRESET: reset, or closed before a complete response
  kTls,                // ETLS: TLS handshake or record failure (untrusted cert, wrong host …)
  kProtocol,           // EPROTO: malformed response, or one over the size limits
  kCancelled,          // ECANCELED: the awaiting coroutine was cancelled
  kOther,              // EIO: anything else
};

// "ECONNREFUSED", "ETIMEDOUT", "ETLS" … ("" for kNone).
std::string_view TransportErrorName(TransportError error);

struct HttpOutcome {
  // Set iff a complete response arrived (any status: a 400 or 500 is a response, not a failure).
  std::optional<HttpResponse> response;
  // kNone iff `response` is set.
  TransportError error = TransportError::kNone;
  // False only when the failure provably happened before any byte of the request was written:
  // invalid request, resolve, connect, TLS handshake (including their timeouts). True once the
  // write started — a timeout or reset after that is ambiguous: the server may have acted on the
  // request. True whenever `response` is set.
  bool request_sent = false;
  // What failed, where and why, e.g. "POST https://platform.claude.com:443/v1/oauth/token:
  // connect: Connection refused (ECONNREFUSED)". Never contains a body, header value or query.
  std::string message;

  bool ok() const { return response.has_value(); }
  // A transport failure after the request may have reached the server (spec §7.3 "ambiguous").
  bool ambiguous() const { return !response.has_value() && request_sent; }
  // OK when a response arrived; else InvalidArgument (kInvalidRequest), DeadlineExceeded
  // (kTimeout), Cancelled (kCancelled) or Unavailable, with `message`.
  absl::Status ToStatus() const;
};

// Performs `call` on the awaiting coroutine's executor, verifying https peers with `tls`. Never
// throws for I/O failures; every failure is reported in the outcome.
// REQUIRES: `tls` outlives the returned awaitable.
boost::asio::awaitable<HttpOutcome> SendJson(boost::asio::ssl::context& tls, HttpCall call);

// SendJson() run to completion on a private io_context on the calling thread (for the CLI).
// Note: a DNS lookup cannot be interrupted; when one overruns the timeout the outcome is reported
// on time but this call returns only once the lookup thread has finished.
HttpOutcome SendJsonBlocking(boost::asio::ssl::context& tls, HttpCall call);

}  // namespace maxpool::net
