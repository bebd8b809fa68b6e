#pragma once

// Anthropic-shaped error bodies for the errors maxpool makes itself
// (`{"type":"error","error":{"type":…,"message":…}}`, anthropic-wire.md §3.1) and their SSE
// framing for streams that are already committed (§2.4).

#include <string>
#include <string_view>

namespace maxpool::proxy {

// {"type":"error","error":{"type":<type>,"message":<message>}} with JSON escaping.
std::string ErrorJson(std::string_view type, std::string_view message);

// "event: error\ndata: <ErrorJson>\n\n".
std::string ErrorEvent(std::string_view type, std::string_view message);

// The heartbeat event of spec §5.4: a real SSE event, not a comment.
inline constexpr std::string_view kPingEvent = "event: ping\ndata: {}\n\n";

}  // namespace maxpool::proxy
