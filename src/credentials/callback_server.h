#pragma once

// The PKCE login's loopback callback listener (spec §7.2 steps 2 and 4). It binds 127.0.0.1 on
// an ephemeral port (the redirect URI names "localhost") and serves one kind of request:
//
//   GET /callback?code=…&state=…   good state  → 302 to the success page; the wait gets the code
//   GET /callback?error=…           → "Authentication failed" page (400); the wait fails
//   GET /callback, no code          → 400; the wait fails
//   GET /callback, wrong state      → 400; the wait fails
//   any other path                  → 404, the wait goes on; other methods on /callback → 405
//
// The first callback decides the result, which then stays: later callbacks are answered the
// same way but change nothing. The code is never logged or echoed.
//
// Thread safety: WaitForCode(), WaitForCodeBlocking(), Cancel() and Stop() may be called from
// any thread or executor, concurrently. The listener's own I/O runs on a strand of the executor
// given to Start() (or on the server's own thread, StartOnOwnThread()).

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/io_context.hpp"

namespace maxpool::credentials {

class CallbackServer {
 public:
  struct Options {
    // The `state` the authorize URL carried (PkceSession::state). REQUIRED: not empty.
    std::string expected_state;
    // Where a good callback redirects the browser. Default: kOAuthSuccessPageUrl.
    std::string success_url;
    // Default 0: an ephemeral port.
    uint16_t port = 0;
  };

  // Listens on 127.0.0.1:options.port with the I/O on `executor` (someone must run it).
  // Errors: InvalidArgument (empty expected_state); Unavailable when the port cannot be bound.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<CallbackServer>> Start(
      boost::asio::any_io_executor executor, Options options);
  // Same, with the I/O on a thread the server owns (for blocking callers such as the CLI).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<CallbackServer>> StartOnOwnThread(
      Options options);

  // Stop(). With Start(executor), connections still open are closed on that executor shortly
  // after; they keep what they need alive. REQUIRES: the executor's io_context outlives this.
  ~CallbackServer();
  CallbackServer(const CallbackServer&) = delete;
  CallbackServer& operator=(const CallbackServer&) = delete;

  uint16_t port() const { return port_; }
  // "http://localhost:<port>/callback".
  std::string redirect_uri() const;

  // The authorization code, once a good callback has arrived. Errors: PermissionDenied for an
  // `error` callback (the message names the OAuth error) or a state mismatch; InvalidArgument
  // for a callback without a code; DeadlineExceeded when `deadline` passes first (the server
  // keeps listening: a later wait may still get the code); Cancelled after Cancel() or Stop(),
  // or when the awaiting coroutine is cancelled.
  boost::asio::awaitable<absl::StatusOr<std::string>> WaitForCode(
      std::chrono::steady_clock::time_point deadline);
  // The same, blocking the calling thread for up to `timeout`.
  absl::StatusOr<std::string> WaitForCodeBlocking(std::chrono::steady_clock::duration timeout);

  // Ends every current and later wait with Cancelled, unless a callback already decided the
  // result (e.g. the user pasted the code instead). The listener keeps serving.
  void Cancel();

  // Cancel(), close the listener and every open connection. Idempotent; concurrent calls wait
  // for the first. With StartOnOwnThread(), also joins the thread. REQUIRES: not called from
  // that thread.
  void Stop();

  struct State;  // shared with the I/O coroutines (callback_server.cc)

 private:
  CallbackServer(std::shared_ptr<State> state, uint16_t port);
  static absl::StatusOr<std::unique_ptr<CallbackServer>> Listen(
      boost::asio::any_io_executor executor, Options options);

  // Declared first so that it is destroyed last: the listener's sockets belong to it.
  std::unique_ptr<boost::asio::io_context> own_io_;  // StartOnOwnThread() only
  std::shared_ptr<State> state_;
  uint16_t port_;
  std::thread own_thread_;
  std::once_flag stop_once_;
};

}  // namespace maxpool::credentials
