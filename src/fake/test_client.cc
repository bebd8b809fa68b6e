#include "fake/test_client.h"

#include <array>
#include <limits>

#include "absl/strings/match.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/asio/ssl/host_name_verification.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/buffer_body.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"
#include "boost/beast/http/write.hpp"
#include "boost/beast/ssl/ssl_stream.hpp"
#include "core/absl_view.h"
#include "fake/str_cat.h"

namespace maxpool::fake {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

absl::Status FromError(const boost::system::error_code& ec, std::string_view step) {
  if (ec == beast::error::timeout) {
    return absl::DeadlineExceededError(Cat(step, ": timed out"));
  }
  return absl::UnavailableError(Cat(step, ": ", ec.message()));
}

bool SameName(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(core::AbslView(a), core::AbslView(b));
}

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (SameName(n, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> HttpResponse::Headers(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers) {
    if (SameName(n, name)) out.push_back(v);
  }
  return out;
}

struct BlockingHttpClient::Impl {
  explicit Impl(ClientOptions opts) : options(std::move(opts)) {}

  template <class F>
  auto WithStream(F&& f) {
    if (tls_stream) return f(*tls_stream);
    return f(*plain);
  }
  beast::tcp_stream& lowest() { return tls_stream ? beast::get_lowest_layer(*tls_stream) : *plain; }
  // Runs the io_context until the started operation has completed.
  void Run() {
    ioc.restart();
    ioc.run();
  }

  ClientOptions options;
  asio::io_context ioc;
  std::optional<asio::ssl::context> tls_context;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_stream;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::buffer_body>> parser;
  std::array<char, 16384> chunk{};
  absl::Status pending;  // a failure to report after the bytes that preceded it
};

BlockingHttpClient::BlockingHttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BlockingHttpClient::~BlockingHttpClient() { Close(); }

absl::StatusOr<std::unique_ptr<BlockingHttpClient>> BlockingHttpClient::Connect(
    ClientOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  Impl& c = *impl;
  boost::system::error_code ec;
  tcp::resolver resolver(c.ioc);
  auto endpoints = resolver.resolve(c.options.host, std::to_string(c.options.port), ec);
  if (ec) return FromError(ec, "resolve");
  if (c.options.tls) {
    c.tls_context.emplace(asio::ssl::context::tls_client);
    c.tls_context->set_verify_mode(asio::ssl::verify_peer);
    if (!c.options.ca_file.empty()) {
      c.tls_context->load_verify_file(c.options.ca_file, ec);
      if (ec) return FromError(ec, "load CA file");
    }
    c.tls_stream = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(c.ioc, *c.tls_context);
    c.tls_stream->set_verify_callback(asio::ssl::host_name_verification(c.options.server_name));
    // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
    if (SSL_ctrl(c.tls_stream->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                 TLSEXT_NAMETYPE_host_name, c.options.server_name.data()) != 1) {
      return absl::UnavailableError("cannot set SNI");
    }
  } else {
    c.plain = std::make_unique<beast::tcp_stream>(c.ioc);
  }
  c.lowest().expires_after(c.options.timeout);
  c.lowest().async_connect(endpoints,
                           [&ec](boost::system::error_code e, const tcp::endpoint&) { ec = e; });
  c.Run();
  if (ec) return FromError(ec, "connect");
  if (c.tls_stream) {
    c.lowest().expires_after(c.options.timeout);
    c.tls_stream->async_handshake(asio::ssl::stream_base::client,
                                  [&ec](boost::system::error_code e) { ec = e; });
    c.Run();
    if (ec) return FromError(ec, "TLS handshake");
  }
  return std::unique_ptr<BlockingHttpClient>(new BlockingHttpClient(std::move(impl)));
}

void BlockingHttpClient::set_timeout(std::chrono::milliseconds timeout) {
  impl_->options.timeout = timeout;
}

absl::Status BlockingHttpClient::Send(std::string_view method, std::string_view target,
                                      const ClientHeaders& headers, std::string_view body) {
  Impl& c = *impl_;
  http::request<http::string_body> request;
  const http::verb verb = http::string_to_verb(beast::string_view(method.data(), method.size()));
  if (verb == http::verb::unknown) {
    request.method_string(beast::string_view(method.data(), method.size()));
  } else {
    request.method(verb);
  }
  request.target(beast::string_view(target.data(), target.size()));
  request.version(11);
  request.set(http::field::host, Cat(c.options.host, ":", c.options.port));
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.body() = std::string(body);
  if (!body.empty() || verb == http::verb::post || verb == http::verb::put) {
    request.prepare_payload();
  }
  boost::system::error_code ec;
  c.lowest().expires_after(c.options.timeout);
  c.WithStream([&](auto& stream) {
    http::async_write(stream, request, [&ec](boost::system::error_code e, size_t) { ec = e; });
  });
  c.Run();
  c.parser.reset();
  c.pending = absl::OkStatus();
  if (ec) return FromError(ec, "write request");
  return absl::OkStatus();
}

absl::Status BlockingHttpClient::SendRaw(std::string_view bytes) {
  Impl& c = *impl_;
  boost::system::error_code ec;
  c.lowest().expires_after(c.options.timeout);
  c.WithStream([&](auto& stream) {
    asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()),
                      [&ec](boost::system::error_code e, size_t) { ec = e; });
  });
  c.Run();
  c.parser.reset();
  c.pending = absl::OkStatus();
  if (ec) return FromError(ec, "write");
  return absl::OkStatus();
}

absl::StatusOr<HttpResponse> BlockingHttpClient::ReadHeaders() {
  Impl& c = *impl_;
  c.parser.emplace();
  c.parser->body_limit(std::numeric_limits<uint64_t>::max());
  boost::system::error_code ec;
  c.lowest().expires_after(c.options.timeout);
  c.WithStream([&](auto& stream) {
    http::async_read_header(stream, c.buffer, *c.parser,
                            [&ec](boost::system::error_code e, size_t) { ec = e; });
  });
  c.Run();
  if (ec) return FromError(ec, "read response headers");
  HttpResponse response;
  response.status = static_cast<int>(c.parser->get().result_int());
  for (const auto& field : c.parser->get()) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return response;
}

bool BlockingHttpClient::body_complete() const { return impl_->parser && impl_->parser->is_done(); }

absl::StatusOr<std::string> BlockingHttpClient::ReadSome() {
  Impl& c = *impl_;
  if (!c.pending.ok()) return std::exchange(c.pending, absl::OkStatus());
  if (!c.parser) return absl::FailedPreconditionError("ReadHeaders first");
  for (;;) {
    if (c.parser->is_done()) return std::string();
    auto& body = c.parser->get().body();
    body.data = c.chunk.data();
    body.size = c.chunk.size();
    boost::system::error_code ec;
    c.lowest().expires_after(c.options.timeout);
    c.WithStream([&](auto& stream) {
      http::async_read_some(stream, c.buffer, *c.parser,
                            [&ec](boost::system::error_code e, size_t) { ec = e; });
    });
    c.Run();
    if (ec == http::error::need_buffer) ec = {};
    const size_t got = c.chunk.size() - body.size;
    if (ec) {
      absl::Status status = FromError(ec, "read body");
      if (got == 0) return status;
      c.pending = std::move(status);
    }
    if (got > 0) return std::string(c.chunk.data(), got);
  }
}

absl::Status BlockingHttpClient::ReadBodyInto(std::string& out) {
  for (;;) {
    absl::StatusOr<std::string> piece = ReadSome();
    if (!piece.ok()) return piece.status();
    if (piece->empty()) return absl::OkStatus();
    out += *piece;
  }
}

absl::StatusOr<HttpResponse> BlockingHttpClient::Request(std::string_view method,
                                                         std::string_view target,
                                                         const ClientHeaders& headers,
                                                         std::string_view body) {
  if (absl::Status s = Send(method, target, headers, body); !s.ok()) return s;
  absl::StatusOr<HttpResponse> response = ReadHeaders();
  if (!response.ok()) return response.status();
  if (absl::Status s = ReadBodyInto(response->body); !s.ok()) return s;
  return response;
}

absl::Status BlockingHttpClient::WaitForClose() {
  Impl& c = *impl_;
  std::array<char, 4096> discard;
  for (;;) {
    boost::system::error_code ec;
    c.lowest().expires_after(c.options.timeout);
    c.lowest().async_read_some(asio::buffer(discard),
                               [&ec](boost::system::error_code e, size_t) { ec = e; });
    c.Run();
    if (ec == beast::error::timeout) return FromError(ec, "wait for close");
    if (ec) return absl::OkStatus();
  }
}

void BlockingHttpClient::Close() {
  if (!impl_) return;
  boost::system::error_code ignored;
  tcp::socket& socket = impl_->lowest().socket();
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

SseParse ParseSse(std::string_view body) {
  SseParse out;
  SseEvent current;
  bool has_fields = false;
  bool has_data = false;
  size_t consumed = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t nl = body.find('\n', pos);
    if (nl == std::string_view::npos) break;
    std::string_view line = body.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (has_fields) out.events.push_back(std::move(current));
      current = SseEvent{};
      has_fields = has_data = false;
      consumed = pos;
      continue;
    }
    if (line.front() == ':') continue;
    const size_t colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    has_fields = true;
    if (field == "event") {
      current.event = std::string(value);
    } else if (field == "data") {
      if (has_data) current.data += '\n';
      current.data += value;
      has_data = true;
    }
  }
  out.residual = std::string(body.substr(consumed));
  return out;
}

}  // namespace maxpool::fake
