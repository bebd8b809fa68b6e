#pragma once

// Polling for state that another thread settles shortly after the event a test observed (e.g.
// the proxy releases a lease just after the client has read the last byte). Header-only.

#include <chrono>
#include <thread>

namespace maxpool::testing {

// Polls `done` every 5 ms for up to `limit`; true once it held.
template <class F>
bool Eventually(F done, std::chrono::milliseconds limit = std::chrono::milliseconds(2000)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace maxpool::testing
