#include "proxy/drain.h"

namespace maxpool::proxy {

bool DrainState::Begin(absl::Duration accept_grace) {
  if (draining.load(std::memory_order_relaxed)) return false;
  refuse_from_.store(absl::ToUnixNanos(clock_.Now() + accept_grace), std::memory_order_relaxed);
  draining.store(true, std::memory_order_seq_cst);
  return true;
}

DrainState::AbortResult DrainState::Abort() {
  AbortResult result;
  if (aborted.load(std::memory_order_relaxed)) return result;
  const int64_t now = absl::ToUnixNanos(clock_.Now());
  if (!draining.load(std::memory_order_relaxed)) {
    refuse_from_.store(now, std::memory_order_relaxed);
    draining.store(true, std::memory_order_seq_cst);
    result.started = true;
  } else if (refuse_from_.load(std::memory_order_relaxed) > now) {
    refuse_from_.store(now, std::memory_order_relaxed);
  }
  // Set before the caller tells the workers: an exchange that starts a wait first sees it.
  aborted.store(true, std::memory_order_seq_cst);
  result.aborted = true;
  return result;
}

}  // namespace maxpool::proxy
