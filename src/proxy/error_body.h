#pragma once

// Anthropic-shaped error bodies for the errors maxpool makes itself
// (`{"type":"error","error":{"type":…,"message":…}}`, anthropic-wire.md §3.1) and their SSE
// framing for streams that are already committed (§2.4).

#include <string>
#include <string_view>

namespace maxpool::proxy {

// {"type":"error","error":{"type":<type>,"message":<message>}} with JSON escaping; with an
// `error_code`, the error also carries "details":{"error_code":<error_code>} (the field a client
// acts on, e.g. "thread_unsupported_request").
std::string ErrorJson(std::string_view type, std::string_view message,
                      std::string_view error_code = {});

// "event: error\ndata: <ErrorJson>\n\n".
std::string ErrorEvent(std::string_view type, std::string_view message,
                       std::string_view error_code = {});

// The heartbeat event of spec §5.4: a real SSE event, not a comment.
inline constexpr std::string_view kPingEvent = "event: ping\ndata: {}\n\n";

}  // namespace maxpool::proxy
