#pragma once

// The hand-over from the telemetry threads (tui_feed.h) to the UI thread: a bounded, thread-safe
// queue of updates (a snapshot, an event, a connection change). Only the newest snapshot is kept;
// events beyond the bound are dropped and counted, and the count comes out as a gap marker.

#include <cstddef>
#include <deque>
#include <string>
#include <variant>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "maxpool/v1/telemetry.pb.h"

namespace maxpool::tui {

// The snapshot stream is up.
struct LinkUp {};
// The snapshot stream failed or ended; the next attempt is at `retry_at`.
struct LinkDown {
  std::string error;
  absl::Time retry_at;
};

using FeedUpdate = std::variant<v1::PoolSnapshot, v1::WatchEventsResponse, LinkUp, LinkDown>;

class FeedQueue {
 public:
  explicit FeedQueue(size_t capacity = 4096) : capacity_(capacity) {}

  void Push(FeedUpdate update);
  // Everything queued, oldest first (a gap marker where events were dropped).
  std::vector<FeedUpdate> TakeAll();

 private:
  const size_t capacity_;
  absl::Mutex mu_;
  std::deque<FeedUpdate> items_ ABSL_GUARDED_BY(mu_);
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace maxpool::tui
