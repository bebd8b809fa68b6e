#pragma once

// Settings of the data plane, built once from the config (spec §8, §12.11) and shared read-only
// by every connection.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace maxpool::proxy {

class ExchangeSink;

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

  std::chrono::milliseconds header_timeout{30000};  // slow clients
  std::chrono::milliseconds idle_keepalive{120000};
  std::chrono::milliseconds ttfb{120000};
  std::chrono::milliseconds stream_idle{240000};
  std::chrono::milliseconds body_timeout{300000};
  std::chrono::milliseconds client_write_timeout{60000};
  std::chrono::milliseconds stream_grace{10000};
  std::chrono::milliseconds heartbeat{10000};
  std::chrono::milliseconds connect_timeout{10000};

  // `--log-to DIR` (spec §11.1): every finished request's record goes here (proxy/
  // exchange_capture.h). Null (the default): nothing is captured.
  std::shared_ptr<ExchangeSink> request_sink;
};

}  // namespace maxpool::proxy
