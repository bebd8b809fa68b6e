#pragma once

// What provider (z.ai GLM, Kimi) 429 bodies say about when to retry (spec §3.3), and the reader
// of Anthropic-shaped error bodies that the response classifier shares. Pure functions; safe
// from any thread. Bodies are untrusted: anything unexpected falls back to the defaults.

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "core/account.h"

namespace maxpool::core {

// The error object of an upstream error body: `json.error` when it is an object, else the top
// level (§3.3). `code` may be a JSON string or number ("1308" either way).
struct ErrorBody {
  bool json = false;    // the body parsed as a JSON object
  std::string type;     // `type`, "" when absent
  std::string code;     // `code`, "" when absent
  std::string message;  // `message`; for a non-JSON body, the body itself (trimmed)
};

// Parses `body` (bounded by the caller). Never fails: a body that is not a JSON object gives
// json = false and the trimmed text as `message`.
ErrorBody ParseErrorBody(std::string_view body);

// §3.3: the bench duration a provider's 429 body implies, used when `retry-after` is absent.
// z.ai: a reset time after "reset at" or "next_flush_time" in the message (optionally
//   back-quoted; a date, epoch s/ms or delay seconds; a date without an offset is read as
//   UTC+8, China time) -> the time until it; else `code` (or a leading "[NNNN]" in the message)
//   1302/1303/1305 -> 60 s, 1304/1308/1310 -> 3600 s. A reset time that is not in the future is
//   ignored (the reference would retry every second until the next fallback).
// Kimi: "after N seconds" in the message -> N; else `type` rate_limit_reached_error or
//   engine_overloaded_error -> 60 s, exceeded_current_quota_error -> 3600 s.
// Anything else (including Anthropic) -> 60 s. Always within [1, 86400] s, whole seconds.
absl::Duration ProviderRetryAfter(Provider provider, const ErrorBody& error, absl::Time now);

// The same, from the raw body.
absl::Duration ProviderRetryAfterFromBody(Provider provider, std::string_view body, absl::Time now);

}  // namespace maxpool::core
