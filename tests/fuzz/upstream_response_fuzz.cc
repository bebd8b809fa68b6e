// Fuzz target: an upstream's answer as an attempt reads it. Beast's response parser with the
// data plane's settings (no body limit; interim 1xx answers read and dropped, 101 refused), fed in
// fuzzer-chosen pieces, including extra bytes after the message and odd framings; the headers go
// to the quota reading and the response classifier, and the body through the SSE tracker in
// relay-sized pieces.

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "boost/beast/http/buffer_body.hpp"
#include "boost/beast/http/parser.hpp"
#include "core/quota.h"
#include "core/quota_headers.h"
#include "core/response_classifier.h"
#include "proxy/fields_source.h"
#include "proxy/sse_tracker.h"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider provider(data, size);
  const bool head_request = provider.ConsumeBool();
  const size_t piece = provider.ConsumeIntegralInRange<size_t>(1, 8192);
  const std::string bytes = provider.ConsumeRemainingBytesAsString();
  std::string_view rest(bytes);

  std::optional<http::response_parser<http::buffer_body>> parser;
  auto fresh = [&] {
    parser.emplace();
    parser->body_limit(boost::none);
    parser->skip(head_request);
  };
  fresh();
  std::array<char, 4096> relay;
  maxpool::proxy::SseTracker tracker;
  std::string pending;
  bool headers_seen = false;
  auto more = [&] {  // the next read; false once the upstream has nothing more
    if (rest.empty()) return false;
    const size_t n = std::min(rest.size(), piece);
    pending.append(rest.substr(0, n));
    rest.remove_prefix(n);
    return true;
  };
  while (!parser->is_done()) {
    if (parser->is_header_done() && !headers_seen) {
      const unsigned status = parser->get().result_int();
      if (status == 101) return 0;  // an upgrade nobody asked for: the attempt fails
      if (status < 200) {           // interim: dropped, the final answer follows
        fresh();
        continue;
      }
      headers_seen = true;
      const maxpool::proxy::FieldsSource headers(parser->get().base());
      const absl::Time now = absl::FromUnixSeconds(1795694400);
      maxpool::core::QuotaReading quota;
      maxpool::core::ApplyResponseHeaders(quota, headers, now);
      const maxpool::core::ResponseVerdict verdict = maxpool::core::ClassifyResponse(
          static_cast<int>(status), headers, "", maxpool::core::UpstreamContext{}, now);
      if (verdict.retry_after < absl::ZeroDuration()) __builtin_trap();
    }
    if (headers_seen) {
      parser->get().body().data = relay.data();
      parser->get().body().size = relay.size();
    }
    if (pending.empty() && !more()) break;
    boost::system::error_code ec;
    const size_t used = parser->put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (headers_seen)
      tracker.Feed(std::string_view(relay.data(), relay.size() - parser->get().body().size));
    if (ec == http::error::need_buffer) continue;
    if (ec == http::error::need_more) {
      if (!more()) break;  // the upstream closed mid-message
      continue;
    }
    if (ec) break;
  }
  return 0;
}
