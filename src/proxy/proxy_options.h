#pragma once

// Settings of the data plane, built once from the config (spec §8, §12.11) and shared read-only
// by every connection.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace maxpool::proxy {

class ExchangeSink;

// The steps of one upstream attempt, for fault injection (ProxyOptions::attempt_fault).
enum class AttemptStep {
  kConnection,    // an upstream connection was obtained
  kBuildRequest,  // the upstream request is being built (headers, credential)
  kSend,          // the request was written upstream
  kResponseHead,  // the response head arrived
  kResponseBody,  // a piece of the response body arrived
  kClientWrite,   // a piece of the answer was written to the client
};

struct ProxyOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 3456;
  int threads = 1;
  // proxy.apiKey: required from non-loopback clients (x-api-key), compared in constant time.
  std::string api_key;
  std::string default_upstream = "https://api.anthropic.com";
  std::string upstream_ca_file;  // extra trusted CA (PEM) for upstream TLS, e.g. in tests

  size_t max_body_bytes = size_t{32} << 20;    // 413 request_too_large above
  size_t max_header_bytes = size_t{64} << 10;  // 431 above
  size_t max_error_body_bytes = size_t{64} << 10;
  size_t relay_buffer_bytes = size_t{16} << 10;
  // Bounds on what clients can make the proxy hold (proxy/client_admission.h): open client
  // connections, and request-body bytes buffered across every request. Beyond either, 503.
  int64_t max_client_connections = 4096;
  int64_t max_buffered_request_bytes = int64_t{512} << 20;
  // Whether loopback clients must send the proxy key too (a shared host). Remote clients always
  // must when a key is set.
  bool key_required_on_loopback = false;

  std::chrono::milliseconds header_timeout{30000};  // slow clients
  std::chrono::milliseconds idle_keepalive{120000};
  std::chrono::milliseconds ttfb{120000};
  std::chrono::milliseconds stream_idle{240000};
  std::chrono::milliseconds body_timeout{300000};
  std::chrono::milliseconds client_write_timeout{60000};
  std::chrono::milliseconds stream_grace{10000};
  std::chrono::milliseconds heartbeat{10000};
  std::chrono::milliseconds connect_timeout{10000};
  // How long a provider account is benched after a 403 (spec §4.4,
  // MAXPOOL_PROVIDER_403_COOLDOWN_SEC; at least 60 s).
  std::chrono::seconds provider_403_cooldown{1800};

  // Fault injection, as Envoy's fault filter does it: called at each step of an upstream attempt;
  // returning true makes the attempt throw there. Tests use it to prove that an attempt failing
  // anywhere hands its lease back and fails over. Null (always, outside tests): no faults.
  std::function<bool(AttemptStep)> attempt_fault;

  // Told about failures inside the data plane that no request reports (an exception escaping a
  // worker's loop, which then carries on). Any thread. Null: written to stderr.
  std::function<void(const std::string&)> log;

  // `--log-to DIR` (spec §11.1): every finished request's record goes here (proxy/
  // exchange_capture.h). Null (the default): nothing is captured.
  std::shared_ptr<ExchangeSink> request_sink;
};

}  // namespace maxpool::proxy
