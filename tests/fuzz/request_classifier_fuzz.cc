// Fuzz target: the request classifier on a JSON body (and the control headers), as the proxy
// calls it for every request. It must never fail, weigh every request at least 1, and say a
// body was scanned only when it is one valid JSON value.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "boost/json/parse.hpp"
#include "core/header_source.h"
#include "core/request_classifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const maxpool::core::FlatHeaders headers{{"x-maxpool-profile", "fuzz"},
                                           {"x-claude-code-session-id", "s"}};
  const maxpool::core::RequestInfo info =
      maxpool::core::ClassifyRequest("POST", "/v1/messages", body, headers);
  if (info.weight < 1) __builtin_trap();
  if (info.body_scanned) {
    // The classifier reads one JSON value, decoding strings as JavaScript would (invalid UTF-8
    // is no reason to fail); Boost.JSON with the same allowance agrees it is one (depth aside:
    // each stops at its own limit, and the classifier's is the lower).
    boost::json::parse_options options;
    options.allow_invalid_utf8 = true;
    boost::system::error_code ec;
    boost::json::parse(boost::json::string_view(body.data(), body.size()), ec, {}, options);
    if (ec && ec != boost::json::error::too_deep) __builtin_trap();
  }
  return 0;
}
