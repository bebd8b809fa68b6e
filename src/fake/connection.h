#pragma once

// One client connection of the fake upstream: a coroutine that reads requests (keep-alive),
// asks the API or control handler for a Plan, and carries it out: pacing, pings, stalls, cuts
// and resets (STYLE.md §4: one coroutine per connection, errors as values, expires_after before
// each step). Serves plain TCP and TLS with the same body.
//
// Every live connection has a ConnectionHandle in a ConnectionRegistry so that Stop() can close
// idle and hung connections at once and busy ones after a grace period.

#include <atomic>
#include <chrono>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "fake/api_handler.h"
#include "fake/control_api.h"
#include "fake/fake_options.h"

namespace maxpool::fake {

enum class ConnectionPhase {
  kIdle,  // waiting for a request
  kBusy,  // answering
  kHung,  // deliberately silent (stall behaviours); nothing left to finish
};

// Shared between a connection's coroutine and Stop(). `phase` is atomic; the rest is touched
// only on the connection's strand.
class ConnectionHandle : public std::enable_shared_from_this<ConnectionHandle> {
 public:
  explicit ConnectionHandle(const boost::asio::any_io_executor& strand)
      : strand_(strand), timer(strand) {}

 private:
  boost::asio::any_io_executor strand_;

 public:
  // Thread-safe: closes the socket and cancels the pacing timer, on the strand.
  void Cancel();

  std::atomic<ConnectionPhase> phase{ConnectionPhase::kIdle};
  // Strand-only.
  boost::asio::ip::tcp::socket* socket = nullptr;  // null once the stream is gone
  boost::asio::steady_timer timer;
  bool cancelled = false;
};

class ConnectionRegistry {
 public:
  void Add(const std::shared_ptr<ConnectionHandle>& handle);
  void Remove(const ConnectionHandle* handle);
  // Cancels the connections in the given phases (all when `include_busy`).
  enum class Which { kIdleAndHung, kAll };
  void Cancel(Which which);
  // Waits until no connection is registered. Returns false on timeout.
  bool WaitEmpty(std::chrono::milliseconds timeout);
  size_t size() const;

  std::atomic<bool> stopping{false};

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<const ConnectionHandle*, std::weak_ptr<ConnectionHandle>> handles_
      ABSL_GUARDED_BY(mu_);
};

// What every connection shares. All members outlive the connections.
struct ServerContext {
  const FakeOptions& options;
  const ApiHandler& api;
  const ControlApi& control;
  ConnectionRegistry& registry;
  boost::asio::ssl::context* tls = nullptr;  // null: plain HTTP
};

// Serves one accepted socket until the client closes, a timeout, or Stop(). Must be spawned on
// the socket's strand. Never throws for I/O errors.
boost::asio::awaitable<void> RunConnection(boost::asio::ip::tcp::socket socket,
                                           ServerContext& context);

}  // namespace maxpool::fake
