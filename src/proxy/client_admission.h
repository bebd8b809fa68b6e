#pragma once

// The data plane's own resource bounds, shared by every worker (lock-free): how many client
// connections are open and how many request-body bytes are buffered, against their caps, and how
// often a client was refused for each reason. The proxy takes a connection slot per accepted
// connection and reserves body bytes as a body arrives, before it is buffered; a refusal is
// answered 503 with `retry-after` and counted here for the metrics.

#include <atomic>
#include <cstdint>

namespace maxpool::proxy {

enum class ClientRefusal {
  kConnections,      // over ProxyOptions::max_client_connections
  kBufferedBytes,    // over ProxyOptions::max_buffered_request_bytes
  kUnauthenticated,  // a remote client without the proxy key (checked before its body)
  kMalformed,        // a request head that breaks the framing rules (proxy/request_head.h)
};
inline constexpr int kClientRefusalKinds = 4;

// "connections", "buffered_bytes", "unauthenticated", "malformed" (the metric's reason label).
inline constexpr const char* ClientRefusalName(ClientRefusal why) {
  switch (why) {
    case ClientRefusal::kConnections:
      return "connections";
    case ClientRefusal::kBufferedBytes:
      return "buffered_bytes";
    case ClientRefusal::kUnauthenticated:
      return "unauthenticated";
    case ClientRefusal::kMalformed:
      return "malformed";
  }
  return "malformed";
}

// What the metrics read (at scrape time).
struct ClientAdmissionStats {
  int64_t connections = 0;
  int64_t buffered_bytes = 0;
  uint64_t refused[kClientRefusalKinds] = {};
  uint64_t accept_errors =
      0;  // accept() failed (out of file descriptors, ...); the loop backed off
  uint64_t internal_errors = 0;  // exceptions that escaped a worker's loop (it carried on)
};

class ClientAdmission {
 public:
  ClientAdmission(int64_t max_connections, int64_t max_buffered_bytes)
      : max_connections_(max_connections), max_buffered_bytes_(max_buffered_bytes) {}

  // Takes a connection slot; false (nothing taken) at the cap.
  bool EnterConnection() { return Take(connections_, 1, max_connections_); }
  void LeaveConnection() { connections_.fetch_sub(1, std::memory_order_relaxed); }

  // Reserves `bytes` more of request bodies; false (nothing reserved) when that would pass the cap.
  bool ReserveBody(int64_t bytes) { return Take(buffered_, bytes, max_buffered_bytes_); }
  void ReleaseBody(int64_t bytes) { buffered_.fetch_sub(bytes, std::memory_order_relaxed); }

  void CountRefusal(ClientRefusal why) {
    refused_[static_cast<int>(why)].fetch_add(1, std::memory_order_relaxed);
  }
  void CountAcceptError() { accept_errors_.fetch_add(1, std::memory_order_relaxed); }
  void CountInternalError() { internal_errors_.fetch_add(1, std::memory_order_relaxed); }

  ClientAdmissionStats Stats() const {
    ClientAdmissionStats s;
    s.connections = connections_.load(std::memory_order_relaxed);
    s.buffered_bytes = buffered_.load(std::memory_order_relaxed);
    for (int i = 0; i < kClientRefusalKinds; ++i) {
      s.refused[i] = refused_[i].load(std::memory_order_relaxed);
    }
    s.accept_errors = accept_errors_.load(std::memory_order_relaxed);
    s.internal_errors = internal_errors_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  static bool Take(std::atomic<int64_t>& counter, int64_t n, int64_t cap) {
    int64_t now = counter.load(std::memory_order_relaxed);
    do {
      if (now + n > cap) return false;
    } while (!counter.compare_exchange_weak(now, now + n, std::memory_order_relaxed));
    return true;
  }

  const int64_t max_connections_;
  const int64_t max_buffered_bytes_;
  std::atomic<int64_t> connections_{0};
  std::atomic<int64_t> buffered_{0};
  std::atomic<uint64_t> refused_[kClientRefusalKinds] = {};
  std::atomic<uint64_t> accept_errors_{0};
  std::atomic<uint64_t> internal_errors_{0};
};

// Request-body bytes reserved for one request, released when it goes out of scope.
class BodyReservation {
 public:
  explicit BodyReservation(ClientAdmission& admission) : admission_(admission) {}
  ~BodyReservation() {
    if (bytes_ > 0) admission_.ReleaseBody(bytes_);
  }
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;

  // Grows the reservation to `total` bytes; false (unchanged) when the cap does not allow it.
  bool GrowTo(int64_t total) {
    if (total <= bytes_) return true;
    if (!admission_.ReserveBody(total - bytes_)) return false;
    bytes_ = total;
    return true;
  }
  int64_t bytes() const { return bytes_; }

 private:
  ClientAdmission& admission_;
  int64_t bytes_ = 0;
};

}  // namespace maxpool::proxy
