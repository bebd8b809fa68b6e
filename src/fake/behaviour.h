#pragma once

// What the fake upstream does with one request: answer normally, or produce one of the faults
// the proxy must survive (anthropic-wire.md §8, maxpool-behaviour.md §4.2-§4.5, §15). A value
// type; each account has a FIFO script of these, consumed one per request, then a default.
//
// JSON form: {"kind":"throttle_429","retry_after":120}, or the bare kind name "ok". Optional
// "times": N repeats the entry N times in a script. Unknown fields are errors (they are typos).
//
// Quota: the kinds that serve content spend quota; on an account that is already exhausted they
// answer a quota 429 instead. OAuth accounts carry the unified headers on every answer except
// throttle_429, upstream_throttle_429, headerless_429, 401 and 403; API-key accounts carry the
// standard headers on every answer except headerless_429, 401 and 403.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/json/value.hpp"

namespace maxpool::fake {

enum class BehaviourKind {
  kOk,                   // 200: JSON Message, or the SSE sequence when "stream": true
  kFixed,                // 200: a small precomputed answer; no body parsing, no quota accounting
  kQuota429,             // 429 quota exhausted: unified status rejected, 5h utilization 1.0
  kThrottle429,          // 429 "Rate limited", no unified headers
  kUpstreamThrottle429,  // 429 "... temporarily limiting requests ...", no unified headers
  kModel429,             // 429 with healthy unified buckets (< 0.999) and retry-after >= 1800
  kHeaderless429,        // 429 without any rate-limit header and without retry-after
  kOverloaded529,        // 529 overloaded_error
  kServerError,          // 500 / 502 / 503 / 504
  kUnauthorized401,      // 401 authentication_error
  kBanned403,            // 403 permission_error
  kResetBeforeHeaders,   // read the request, then reset the TCP connection
  kStall,                // 200 headers (and `after_events` events), then silence
  kStallBeforeHeaders,   // read the request, then silence
  kSlowStream,           // delay_ms between events, with `event: ping` in the gaps
  kDropMidStream,        // close after `after_events` events, in the middle of the next one
  kDelayHeaders,         // wait delay_ms, then answer like kOk
  kStreamError,          // after `after_events` events, an SSE `error` event; no message_stop
};

struct Behaviour {
  BehaviourKind kind = BehaviourKind::kOk;
  // `retry-after` seconds. Absent: a kind-specific default (quota_429: time to the reset;
  // model_429: 7200; others: no header).
  std::optional<int64_t> retry_after;
  // HTTP status for server_error (500, 502, 503 or 504). Default 500.
  std::optional<int> status;
  // delay_headers: delay before the headers; slow_stream and ok: delay before each event after
  // the first. Default: FakeOptions pacing (slow_stream_delay, delay_headers_delay, event_delay).
  std::optional<int64_t> delay_ms;
  // slow_stream: a ping every ping_ms inside each gap (0 or absent: one ping mid-gap).
  std::optional<int64_t> ping_ms;
  // Number of text_delta events. Default: FakeOptions::default_events.
  std::optional<int> events;
  // drop_mid_stream / stall / stream_error: complete SSE events written before the fault. Events
  // count from message_start = 0 and include the early ping (index 2).
  std::optional<int> after_events;
  // Length of the answer text in bytes. Default: FakeOptions::default_text_bytes.
  std::optional<int64_t> text_bytes;
  // Overrides the error message of an error kind.
  std::optional<std::string> message;
  // stream_error: the error type of the event. Default overloaded_error.
  std::optional<std::string> error_type;
  // Adds `x-should-retry: true|false` to the response.
  std::optional<bool> should_retry;

  static Behaviour Of(BehaviourKind kind) {
    Behaviour b;
    b.kind = kind;
    return b;
  }
};

// "ok", "quota_429", ... (the JSON names).
std::string_view BehaviourKindName(BehaviourKind kind);
// Inverse of BehaviourKindName; nullopt for an unknown name.
std::optional<BehaviourKind> BehaviourKindFromName(std::string_view name);

// Parses one behaviour (object or bare kind name). Error: InvalidArgument naming the field.
// "times" is rejected here; use ParseBehaviours for scripts.
[[nodiscard]] absl::StatusOr<Behaviour> ParseBehaviour(const boost::json::value& json);
// Parses a script: an array of behaviours, each entry optionally repeated by "times" (1..10000).
[[nodiscard]] absl::StatusOr<std::vector<Behaviour>> ParseBehaviours(
    const boost::json::value& json);

// The JSON form (only the parameters that are set).
boost::json::object BehaviourToJson(const Behaviour& behaviour);

// True for kinds that answer 200 with content (and therefore spend quota).
bool ServesContent(BehaviourKind kind);

}  // namespace maxpool::fake
