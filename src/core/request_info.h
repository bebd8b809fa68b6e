#pragma once

// What the core needs to know about one client request (spec §2.1), computed once when the
// request arrives (request_classifier.h) and read by every routing decision for it.

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "core/model_family.h"

namespace maxpool::core {

// The body's `thread.type` (spec §12.4): a turn that starts or continues a server-side thread.
enum class ThreadIntent { kNone, kCreate, kContinue };

struct RequestInfo {
  int weight = 1;                // max(1, ceil(bytes/64000)) + big max_tokens + thinking/effort
  bool is_count_tokens = false;  // /v1/messages/count_tokens
  bool streaming = false;        // truthy JSON `stream`
  std::string model;
  ModelFamily family = ModelFamily::kNone;
  bool requires_thinking_integrity = false;  // signed thinking present (or thinking/effort set)
  bool body_scanned = false;  // the body parsed as JSON (only then is it migration-safe)
  bool has_image = false;
  size_t body_bytes = 0;
  std::string profile = "claude";  // x-maxpool-profile (§6.2)
  std::string session_key;         // x-maxpool-session, else x-claude-code-session-id
  std::optional<absl::Duration> client_tolerance;  // 0.8 x x-maxpool-client-stream-idle-ms
  ThreadIntent thread = ThreadIntent::kNone;       // the body's thread.type
};

}  // namespace maxpool::core
