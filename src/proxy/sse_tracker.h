#pragma once

// Watches the bytes of a relayed SSE stream without changing or delaying them (spec §4.8):
// it knows whether the stream currently ends on an event boundary (so a truncated stream can be
// told from a complete one) and reads token usage from `message_start` and `message_delta`
// events. Bounded memory: an event longer than kMaxEventBytes is not parsed for usage.
// Not thread-safe; one per stream.

#include <cstdint>
#include <string>
#include <string_view>

namespace maxpool::proxy {

struct TokenUsage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;  // cumulative in message_delta: the maximum seen
};

class SseTracker {
 public:
  static constexpr size_t kMaxEventBytes = 64 * 1024;

  SseTracker() { pending_.reserve(4096); }

  // Feeds the next relayed bytes.
  void Feed(std::string_view bytes);

  // True when every byte fed so far belongs to a complete event (ends with a blank line), or
  // nothing was fed.
  bool AtEventBoundary() const { return pending_.empty() && !overflow_; }

  bool saw_message_stop() const { return saw_message_stop_; }
  // The stream said it is over: `message_stop`, or the upstream's own `error` event. A stream
  // that ends without either was cut short, whatever its framing said.
  bool Complete() const { return saw_message_stop_ || saw_error_; }
  const TokenUsage& usage() const { return usage_; }

 private:
  void OnEvent(std::string_view event);
  // The current event ends with `tail` (the bytes of this feed that belong to it).
  void EndEvent(std::string_view tail);

  std::string pending_;  // bytes of the current, unfinished event
  bool overflow_ = false;
  bool line_has_content_ = false;  // the current line has a character other than '\r'
  bool saw_message_stop_ = false;
  bool saw_error_ = false;
  TokenUsage usage_;
};

// Usage from a non-streaming Message body (`usage.input_tokens`, `usage.output_tokens`).
TokenUsage UsageFromJson(std::string_view body);

}  // namespace maxpool::proxy
