#include "core/rolling_load.h"

#include <algorithm>
#include <cmath>

namespace maxpool::core {

// Invariants: events_ is sorted by `at`; spread_head_ <= events_.size(); spread_weight_ is the
// sum of the weights of events_[spread_head_ ..]. RecentWeight() moves spread_head_ forward as
// the window start advances (back only when it moves back), and Prune() shifts it down as it
// drops events from the front, so every event enters and leaves the running sum once while the
// window slides forward: amortised O(1) per call.

void RollingLoad::Add(LoadEvent event) {
  event.duration = std::max(event.duration, absl::ZeroDuration());
  event.weight = std::max(event.weight, 1);
  spread_weight_ += event.weight;
  events_.push_back(event);
  Prune(event.at);
}

LoadSummary Combined(const LoadSummary& a, const LoadSummary& b) {
  LoadSummary out;
  out.requests = a.requests + b.requests;
  out.failed = a.failed + b.failed;
  out.weight = a.weight + b.weight;
  if (out.requests > 0) {
    const double total = static_cast<double>(a.avg_ms.value_or(0)) * a.requests +
                         static_cast<double>(b.avg_ms.value_or(0)) * b.requests;
    out.avg_ms = std::llround(total / out.requests);
  }
  return out;
}

LoadSummary RollingLoad::Summary(absl::Time now, absl::Duration window) const {
  const absl::Time cutoff = now - window;
  LoadSummary summary;
  absl::Duration total = absl::ZeroDuration();
  // Newest first: stop at the first event older than the window.
  for (auto it = events_.rbegin(); it != events_.rend() && it->at >= cutoff; ++it) {
    ++summary.requests;
    if (!it->success) ++summary.failed;
    summary.weight += it->weight;
    total += it->duration;
  }
  if (summary.requests > 0) {
    summary.avg_ms = std::llround(absl::ToDoubleMilliseconds(total) / summary.requests);
  }
  return summary;
}

int64_t RollingLoad::RecentWeight(absl::Time now, absl::Time since) {
  // No Prune() here: spread_head_ already skips everything older than the spread window, and
  // Add() prunes the horizon. This keeps the per-selection cost to one comparison when idle.
  while (spread_head_ > 0 && events_[spread_head_ - 1].at > since) {
    --spread_head_;
    spread_weight_ += events_[spread_head_].weight;
  }
  while (spread_head_ < events_.size() && events_[spread_head_].at <= since) {
    spread_weight_ -= events_[spread_head_].weight;
    ++spread_head_;
  }
  // Events stamped after `now` are outside (since, now]. Releases are stamped with the
  // time they happen, so this loop normally stops at once.
  int64_t future = 0;
  for (auto it = events_.rbegin(); it != events_.rend() && it->at > now; ++it) {
    future += it->weight;
  }
  return spread_weight_ - future;
}

void RollingLoad::Prune(absl::Time now) {
  const absl::Time cutoff = now - kHorizon;
  while (!events_.empty() && events_.front().at < cutoff) {
    if (spread_head_ > 0) {
      --spread_head_;  // the dropped event was already outside the running sum
    } else {
      spread_weight_ -= events_.front().weight;
    }
    events_.pop_front();
  }
}

}  // namespace maxpool::core
