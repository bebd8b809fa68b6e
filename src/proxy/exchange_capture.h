#pragma once

// What the per-request files of `maxpool server --log-to DIR` record (spec §11.1), captured by
// the exchange as it runs. The proxy only captures; a sink (app/request_file_log.h) formats,
// masks the credentials and writes, off the I/O threads.
//
// Cost: nothing unless ProxyOptions::request_sink is set: the exchange then owns one
// ExchangeCapture (its hooks are behind a null check). With a sink, a request costs a copy of its
// headers and body, and of the final hop's response body up to ExchangeSink::max_body_bytes().
//
// Only the final hop is kept: BeginHop() discards the previous one (a hop that failed over);
// the record's `retry` counts the hops before it.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boost/beast/http/fields.hpp"

namespace maxpool::proxy {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One finished request. Header values are as sent and received: the injected credentials are
// NOT masked here (the sink masks them before anything leaves the process).
struct ExchangeRecord {
  enum class BodyKind {
    kNone,      // no response body read (no response, or a failure before it)
    kError,     // an upstream error response's body (status >= 400)
    kBody,      // a plain (JSON) response body
    kStreamed,  // an SSE stream, as the upstream sent it
  };

  uint64_t id = 0;  // 1, 2, ... per sink
  std::chrono::system_clock::time_point started;
  std::string account;  // the final hop's account, else e.g. "(none available)"
  int retry = 0;        // hops before the final one
  std::string method;
  // The final hop's upstream URL and headers; the client's target and headers when no hop was
  // sent (upstream_request false).
  std::string url;
  HeaderList request_headers;
  bool upstream_request = false;
  std::string request_body;

  // The final hop's upstream response: status 0 when none arrived.
  unsigned status = 0;
  std::string note;  // why that hop failed, e.g. `"a" rate-limited 30s`; empty when it did not
  HeaderList response_headers;
  BodyKind body_kind = BodyKind::kNone;
  std::string response_body;         // the first max_body_bytes() of it
  uint64_t response_body_bytes = 0;  // all of it, as received
  std::string error;                 // transport error, broken stream, client gone, drain

  // An answer maxpool made itself (no account left, hold expired, drain, an in-band SSE error):
  // 0 when the client got the upstream's response.
  unsigned client_status = 0;
  std::string client_body;

  // Bytes held, roughly (for the sink's queue bound).
  size_t ApproxBytes() const;
};

// Where finished records go. Implementations must be thread-safe.
class ExchangeSink {
 public:
  explicit ExchangeSink(size_t max_body_bytes) : max_body_bytes_(max_body_bytes) {}
  virtual ~ExchangeSink() = default;

  // Takes one finished request. Called on an I/O thread: must neither block nor do I/O.
  virtual void Submit(std::unique_ptr<ExchangeRecord> record) = 0;

  // The next request id (1, 2, ...).
  uint64_t NextId() { return next_id_.fetch_add(1, std::memory_order_relaxed) + 1; }
  // A response body is kept up to this many bytes; the rest is only counted.
  size_t max_body_bytes() const { return max_body_bytes_; }

 private:
  const size_t max_body_bytes_;
  std::atomic<uint64_t> next_id_{0};
};

// Fills one ExchangeRecord during one exchange, then hands it to the sink. Not thread-safe (the
// exchange's executor only).
class ExchangeCapture {
 public:
  ExchangeCapture(ExchangeSink& sink, std::string_view method);

  // A new hop to `account` at `url`: the previous hop's request and response are discarded.
  void BeginHop(std::string_view account, std::string url);
  // The hop's request as sent (its exact URL and headers); clears a response from an earlier try
  // of the same hop (a stale pooled connection).
  void SetRequest(std::string url, const boost::beast::http::fields& headers);
  void SetResponse(unsigned status, const boost::beast::http::fields& headers);
  void SetNote(std::string note) { record_->note = std::move(note); }
  // Appends response body bytes, keeping at most max_body_bytes() of them.
  void AppendBody(std::string_view piece, ExchangeRecord::BodyKind kind);
  // Adds to the record's error text ("; " between several).
  void AddError(std::string_view error);
  void SetClientResponse(unsigned status, std::string_view body);

  // Completes the record and submits it; the capture is spent afterwards. `hops` counts every
  // hop sent. When none was, `account`, `target` and `client_headers` stand in for the hop's.
  void Submit(std::string account, int hops, std::string_view target,
              const boost::beast::http::fields& client_headers, std::string_view request_body);

 private:
  ExchangeSink& sink_;
  std::unique_ptr<ExchangeRecord> record_;
  bool hop_started_ = false;
};

}  // namespace maxpool::proxy
