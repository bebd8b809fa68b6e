#include "tui/tui_queue.h"

#include <utility>

namespace maxpool::tui {

void FeedQueue::Push(FeedUpdate update) {
  absl::MutexLock lock(&mu_);
  if (std::holds_alternative<v1::PoolSnapshot>(update)) {
    // A newer snapshot makes a queued one useless.
    for (auto it = items_.begin(); it != items_.end(); ++it) {
      if (std::holds_alternative<v1::PoolSnapshot>(*it)) {
        items_.erase(it);
        break;
      }
    }
  } else if (std::holds_alternative<v1::WatchEventsResponse>(update) &&
             items_.size() >= capacity_) {
    ++dropped_;
    return;
  }
  items_.push_back(std::move(update));
}

std::vector<FeedUpdate> FeedQueue::TakeAll() {
  std::vector<FeedUpdate> out;
  absl::MutexLock lock(&mu_);
  out.reserve(items_.size() + 1);
  for (FeedUpdate& item : items_) out.push_back(std::move(item));
  items_.clear();
  if (dropped_ > 0) {
    v1::WatchEventsResponse gap;
    gap.mutable_gap()->set_dropped(dropped_);
    out.emplace_back(std::move(gap));
    dropped_ = 0;
  }
  return out;
}

}  // namespace maxpool::tui
