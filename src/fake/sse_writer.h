#pragma once

// A streamed /v1/messages answer, pre-encoded for the wire: each SSE event
// ("event: X\ndata: {json}\n\n", anthropic-wire.md §2.2) is one HTTP/1.1 chunk, and the whole
// body lives in one string, so writing it costs no allocation per event. Built once per
// request; immutable and thread-compatible afterwards.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "fake/message_builder.h"

namespace maxpool::fake {

class SseBody {
 public:
  // Appends one event as a chunk. `data_json` is compact JSON whose "type" equals `event`.
  void Add(std::string_view event, std::string_view data_json);
  // Appends the last-chunk marker "0\r\n\r\n". Call once, after the last Add.
  void Finish();

  size_t events() const { return spans_.size(); }
  // Event i with its chunk framing ("<hex>\r\n" … "\r\n").
  std::string_view Chunk(size_t i) const;
  // Event i's SSE bytes alone (no chunk framing).
  std::string_view Event(size_t i) const;
  // Chunks [from, to) and, when to == events(), the last-chunk marker: one contiguous range.
  std::string_view Range(size_t from, size_t to) const;
  // The whole encoded body.
  std::string_view wire() const { return wire_; }

 private:
  struct Span {
    size_t chunk_begin;
    size_t event_begin;
    size_t event_size;
    size_t chunk_end;
  };
  std::string wire_;
  std::vector<Span> spans_;
};

// The ping event `event: ping\ndata: {"type":"ping"}\n\n` as one chunk.
std::string_view PingChunk();

// How a stream is cut short (Behaviours stream_error; the other faults only stop writing).
struct StreamShape {
  int text_events = 4;   // number of content_block_delta events (>= 1 when there is text)
  int error_after = -1;  // >= 0: replace event `error_after` and everything after it with
                         // an SSE error event (no message_stop)
  std::string_view error_type = "overloaded_error";
  std::string_view error_message = "Overloaded";
  std::string_view request_id;  // echoed in the error event
};

// The §2.1 sequence: message_start (usage.input_tokens, output_tokens 1), content_block_start,
// ping, text_events × content_block_delta, content_block_stop, message_delta (stop_reason,
// cumulative usage.output_tokens), message_stop.
SseBody BuildMessageStream(const MessageRequest& request, const Answer& answer,
                           std::string_view message_id, const StreamShape& shape);

}  // namespace maxpool::fake
