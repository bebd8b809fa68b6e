#pragma once

// Options of the fake upstream server (FakeUpstream::Start). Plain data.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/clock.h"

namespace maxpool::fake {

struct FakeOptions {
  // Listener. Default 127.0.0.1, port 0 = ephemeral (read it back with FakeUpstream::port()).
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  // io_context threads. Default 1.
  int threads = 1;
  // Both set: serve HTTPS with this PEM certificate chain and private key.
  std::string tls_cert_file;
  std::string tls_key_file;

  // Pacing defaults (a behaviour's own parameters override them).
  int default_events = 4;                               // text_delta events per answer
  int64_t default_text_bytes = 64;                      // answer length
  std::chrono::milliseconds event_delay{0};             // between events of every stream
  std::chrono::milliseconds slow_stream_delay{200};     // slow_stream's delay_ms
  std::chrono::milliseconds delay_headers_delay{1000};  // delay_headers' delay_ms

  // Fast path for load tests: every POST /v1/messages gets a small precomputed answer (JSON or
  // SSE), with no authentication, body parsing, recording or quota accounting. Default off.
  bool fixed_responses = false;
  // Record requests for Requests(). Bodies can be left out to save memory. Oldest dropped past
  // max_recorded_requests.
  bool record_requests = true;
  bool record_bodies = true;
  size_t max_recorded_requests = 2000;
  // Answer 400 "anthropic-version: header is required" when the header is missing, as the API
  // does. Default on.
  bool require_anthropic_version = true;
  // Unknown credentials become accounts on first use (type oauth for "sk-ant-oat…" Bearer tokens,
  // apikey otherwise) instead of getting 401. Default off.
  bool accept_unknown_credentials = false;

  // Timeouts: waiting for the next request on a keep-alive connection, each write, the TLS
  // handshake; and how long Stop() lets busy exchanges finish before closing them.
  std::chrono::milliseconds idle_timeout{120000};
  std::chrono::milliseconds write_timeout{60000};
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds stop_grace{1000};

  // Time source for quota resets and windows. Default (nullptr): the system clock. Must outlive
  // the server and be safe to call from the server's threads. Delays always use real time.
  const core::Clock* clock = nullptr;
};

}  // namespace maxpool::fake
