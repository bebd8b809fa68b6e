#pragma once

// The content the fake upstream answers with: request parsing and validation, the deterministic
// answer text, and the JSON bodies of /v1/messages (anthropic-wire.md §1.4), count_tokens (§1.5)
// and /v1/models (§1.6). Pure functions, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace maxpool::fake {

enum class MessageEndpoint { kMessages, kCountTokens };

// What the fake needs from a request body.
struct MessageRequest {
  std::string model;
  bool stream = false;
  int64_t max_tokens = 0;    // 0 for count_tokens
  int64_t input_tokens = 1;  // deterministic estimate, >= 1 (same for both endpoints)
  uint64_t seed = 0;         // hash of the conversation text; seeds the answer text
};

// Parses and validates a body. Errors are InvalidArgument whose message is the API error message
// ("Request body is not valid JSON: …", "model: Field required", "max_tokens: Field required" for
// kMessages only, "messages: Field required", "messages: Input should be a valid list").
[[nodiscard]] absl::StatusOr<MessageRequest> ParseMessageRequest(std::string_view body,
                                                                 MessageEndpoint endpoint);

// Cheap check for `"stream": true` without a JSON parse (the `fixed` fast path).
bool LooksStreaming(std::string_view body);

// The answer to one request.
struct Answer {
  std::string text;  // ASCII letters, spaces and '.', safe to embed in JSON unescaped
  int64_t output_tokens = 1;
  std::string_view stop_reason = "end_turn";  // "max_tokens" when max_tokens truncated it
};

// Deterministic: the same request and text_bytes give the same text. The text is text_bytes
// long unless max_tokens (at 4 bytes per token) cuts it.
Answer MakeAnswer(const MessageRequest& request, int64_t text_bytes);
// `bytes` of deterministic prose seeded by `seed`.
std::string AnswerText(uint64_t seed, size_t bytes);

// Writes the model id as a JSON string literal (quoted, escaped).
std::string JsonString(std::string_view text);

// The non-streaming Message object, compact JSON.
std::string MessageJson(const MessageRequest& request, const Answer& answer,
                        std::string_view message_id);
// {"input_tokens":N}
std::string CountTokensJson(int64_t input_tokens);

// GET /v1/models page for the query string (limit, after_id, before_id), newest first.
// Error: InvalidArgument with the API message for a bad limit.
[[nodiscard]] absl::StatusOr<std::string> ModelsPageJson(std::string_view target);
// GET /v1/models/{id}: the ModelInfo, or NotFound.
[[nodiscard]] absl::StatusOr<std::string> ModelJson(std::string_view id);

}  // namespace maxpool::fake
