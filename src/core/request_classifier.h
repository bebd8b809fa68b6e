#pragma once

// Classification of one client request, computed once when it arrives (spec §2.1, §6.2): its
// weight, streaming flag, model and family, thinking-integrity needs, images, profile, session
// key and the client's stream-idle tolerance. Pure; reads the body in one streaming pass
// without copying it. Safe from any thread.

#include <string_view>

#include "core/header_source.h"
#include "core/request_info.h"

namespace maxpool::core {

// §2.1. From the request target, the buffered body and the client's headers:
// - weight = max(1, ceil(bytes / 64000)) + 1 if JSON max_tokens > 16000 + 1 if the JSON has a
//   truthy top-level `thinking` or `effort`;
// - is_count_tokens: the path (query and fragment ignored) contains /v1/messages/count_tokens
//   followed by a non-word character or the end;
// - when the body is one valid JSON value (body_scanned = true): `model` (a string) and its
//   family, truthy `stream`, requires_thinking_integrity (truthy `thinking`/`effort`, or at any
//   depth an object with `type` thinking / redacted_thinking / signature_delta or with both
//   `signature` and `thinking` keys), has_image (`type: "image"` at any depth, tool_result
//   included). Truthiness follows JSON-in-JavaScript: false, null, 0 and "" are falsy;
// - a body that is not JSON (or nests deeper than 256) gives the size weight only, and
//   body_scanned = false (not migration-safe);
// - headers: profile, session_key and client_tolerance per §2.1/§6.2 (see ControlHeader).
// `method` does not affect the result today. Never fails.
RequestInfo ClassifyRequest(std::string_view method, std::string_view target, std::string_view body,
                            const HeaderSource& headers);

// §6.2 headerValue: the trimmed value of `lower_name`; when that is missing or empty and the
// name starts with "x-maxpool-", the same suffix under the legacy "x-teamclaude-" prefix.
// Returns "" when neither has a value. The view lives as long as `headers`.
std::string_view ControlHeader(const HeaderSource& headers, std::string_view lower_name);

}  // namespace maxpool::core
