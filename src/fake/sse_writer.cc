#include "fake/sse_writer.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "fake/str_cat.h"
#include "fake/wire_errors.h"

namespace maxpool::fake {

void SseBody::Add(std::string_view event, std::string_view data_json) {
  const size_t size = 7 + event.size() + 7 + data_json.size() + 2;
  Span span;
  span.chunk_begin = wire_.size();
  absl::StrAppendFormat(&wire_, "%x\r\n", size);
  span.event_begin = wire_.size();
  span.event_size = size;
  Append(&wire_, "event: ", event, "\ndata: ", data_json, "\n\n\r\n");
  span.chunk_end = wire_.size();
  spans_.push_back(span);
}

void SseBody::Finish() { wire_ += "0\r\n\r\n"; }

std::string_view SseBody::Chunk(size_t i) const {
  const Span& s = spans_[i];
  return std::string_view(wire_).substr(s.chunk_begin, s.chunk_end - s.chunk_begin);
}

std::string_view SseBody::Event(size_t i) const {
  const Span& s = spans_[i];
  return std::string_view(wire_).substr(s.event_begin, s.event_size);
}

std::string_view SseBody::Range(size_t from, size_t to) const {
  const size_t terminal = spans_.empty() ? 0 : spans_.back().chunk_end;
  const size_t begin = from < spans_.size() ? spans_[from].chunk_begin : terminal;
  const size_t end = to < spans_.size() ? spans_[to].chunk_begin : wire_.size();
  return std::string_view(wire_).substr(begin, end > begin ? end - begin : 0);
}

std::string_view PingChunk() {
  static const std::string* const kPing = [] {
    SseBody body;
    body.Add("ping", R"({"type":"ping"})");
    return new std::string(body.Chunk(0));
  }();
  return *kPing;
}

SseBody BuildMessageStream(const MessageRequest& request, const Answer& answer,
                           std::string_view message_id, const StreamShape& shape) {
  SseBody body;
  std::string json;
  json.reserve(512);
  int index = 0;
  // Adds the event unless the error cut has been reached; returns false once cut.
  auto add = [&](std::string_view event) {
    if (shape.error_after >= 0 && index >= shape.error_after) return false;
    body.Add(event, json);
    ++index;
    return true;
  };
  auto finish = [&] {
    if (shape.error_after >= 0) {
      json = Cat(R"({"type":"error","error":{"details":null,"type":)", JsonString(shape.error_type),
                 R"(,"message":)", JsonString(shape.error_message), R"(},"request_id":)",
                 JsonString(shape.request_id), "}");
      body.Add("error", json);
    }
    body.Finish();
    return body;
  };

  json = Cat(
      R"({"type":"message_start","message":{"id":")", message_id,
      R"(","type":"message","role":"assistant","model":)", JsonString(request.model),
      R"(,"content":[],"stop_reason":null,"stop_sequence":null,)", R"("usage":{"input_tokens":)",
      request.input_tokens, R"(,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,)",
      R"("cache_creation":{"ephemeral_5m_input_tokens":0,)",
      R"("ephemeral_1h_input_tokens":0},"output_tokens":1,)", R"("service_tier":"standard"}}})");
  if (!add("message_start")) return finish();
  json = R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})";
  if (!add("content_block_start")) return finish();
  json = R"({"type":"ping"})";
  if (!add("ping")) return finish();

  const size_t text_size = answer.text.size();
  const size_t pieces =
      text_size == 0
          ? 0
          : std::clamp<size_t>(static_cast<size_t>(std::max(1, shape.text_events)), 1, text_size);
  size_t offset = 0;
  for (size_t i = 0; i < pieces; ++i) {
    const size_t len = text_size / pieces + (i < text_size % pieces ? 1 : 0);
    json = Cat(R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":")",
               std::string_view(answer.text).substr(offset, len), R"("}})");
    offset += len;
    if (!add("content_block_delta")) return finish();
  }
  json = R"({"type":"content_block_stop","index":0})";
  if (!add("content_block_stop")) return finish();
  json = Cat(R"({"type":"message_delta","delta":{"stop_reason":")", answer.stop_reason,
             R"(","stop_sequence":null},"usage":{"input_tokens":)", request.input_tokens,
             R"(,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,)",
             R"("output_tokens":)", answer.output_tokens, "}}");
  if (!add("message_delta")) return finish();
  json = R"({"type":"message_stop"})";
  add("message_stop");
  return finish();
}

}  // namespace maxpool::fake
