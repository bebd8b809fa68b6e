#pragma once

// A tiny synchronous HTTP/1.1 client (plain or TLS) for tests that talk to the fake upstream or
// to the proxy: one keep-alive connection, whole responses or a streamed body read piece by
// piece as it arrives, and a timeout on every step. Also a strict SSE parser for checking the
// framing of streamed answers.
//
// Not thread-safe: one client per thread. Every call blocks until done or until the timeout.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace maxpool::fake {

using ClientHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  ClientHeaders headers;  // as received
  std::string body;       // empty after ReadHeaders()

  // The first value of the header (case-insensitive name), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
  // Every value of the header, in order.
  std::vector<std::string> Headers(std::string_view name) const;
};

struct ClientOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  // TLS: verify the server against ca_file (PEM) and server_name (SNI and host check).
  bool tls = false;
  std::string ca_file;
  std::string server_name = "localhost";
  // Per step (connect, write, read of headers, each ReadSome). Default 10 s.
  std::chrono::milliseconds timeout{10000};
};

class BlockingHttpClient {
 public:
  // Connects (and handshakes). Errors: Unavailable (refused, TLS failure), DeadlineExceeded.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BlockingHttpClient>> Connect(
      ClientOptions options);
  ~BlockingHttpClient();
  BlockingHttpClient(const BlockingHttpClient&) = delete;
  BlockingHttpClient& operator=(const BlockingHttpClient&) = delete;

  void set_timeout(std::chrono::milliseconds timeout);

  // Sends a request and reads the whole response. Adds Host and Content-Length.
  [[nodiscard]] absl::StatusOr<HttpResponse> Request(std::string_view method,
                                                     std::string_view target,
                                                     const ClientHeaders& headers = {},
                                                     std::string_view body = {});

  // Incremental use: Send, ReadHeaders, then ReadSome until it returns "".
  [[nodiscard]] absl::Status Send(std::string_view method, std::string_view target,
                                  const ClientHeaders& headers = {}, std::string_view body = {});
  // Writes raw bytes (hand-made or malformed requests). Then ReadHeaders as usual.
  [[nodiscard]] absl::Status SendRaw(std::string_view bytes);
  // The status and headers (body left unread). Errors: Unavailable when the connection closed
  // or reset, DeadlineExceeded when nothing arrived in time.
  [[nodiscard]] absl::StatusOr<HttpResponse> ReadHeaders();
  // The next body bytes as they arrive (at least one byte), or "" once the body is complete.
  // Bytes received just before a failure are returned first; the failure comes on the next call.
  [[nodiscard]] absl::StatusOr<std::string> ReadSome();
  // Appends the rest of the body to `out`. OK when the body completed; otherwise the error, with
  // whatever arrived before it appended.
  [[nodiscard]] absl::Status ReadBodyInto(std::string& out);
  bool body_complete() const;

  // Waits until the server closes the connection. OK on EOF or reset; DeadlineExceeded if it
  // stays open for the timeout. Any bytes received are discarded.
  [[nodiscard]] absl::Status WaitForClose();
  void Close();

 private:
  struct Impl;
  explicit BlockingHttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One SSE event (anthropic-wire.md §2.2 / the SDK's SSEDecoder rules).
struct SseEvent {
  std::string event;
  std::string data;  // data lines joined with '\n'
};

struct SseParse {
  std::vector<SseEvent> events;
  std::string residual;  // bytes after the last blank line (an incomplete event)
};

// Splits a stream body into events. Lines end with "\n" (a trailing "\r" is dropped); ':' lines
// are comments; "field: value" drops one leading space.
SseParse ParseSse(std::string_view body);

}  // namespace maxpool::fake
