#pragma once

// Rolling load of one account (spec §10.1): outcomes of the requests it finished in the last
// hour, summarised over 15 minutes and 1 hour. The weight inside the scheduler's spread window
// (`spreadWindowMs`, 15 minutes by default, at most the hour kept) drives its spread term, so it
// is kept as a running sum: reading it is amortised O(1).
// Not thread-safe; the owner of the account serialises access.

#include <cstdint>
#include <deque>
#include <optional>

#include "absl/time/time.h"

namespace maxpool::core {

struct LoadEvent {
  absl::Time at;
  absl::Duration duration;  // >= 0
  int weight = 1;           // >= 1
  bool success = true;
  int status = 0;
};

struct LoadSummary {
  int requests = 0;
  int failed = 0;
  int64_t weight = 0;
  std::optional<int64_t> avg_ms;  // round(sum of durations / requests), nullopt when empty
  bool operator==(const LoadSummary&) const = default;
};

// Two summaries as one (cluster mode: this replica's and the others'): counts and weights add,
// and the mean duration is weighted by each side's requests.
LoadSummary Combined(const LoadSummary& a, const LoadSummary& b);

class RollingLoad {
 public:
  static constexpr absl::Duration kHorizon = absl::Hours(1);

  // Appends an event (duration clamped to >= 0, weight to >= 1) and prunes events older than
  // the horizon. Events must be added in non-decreasing `at` order.
  void Add(LoadEvent event);

  // Summary of the events with at >= now - window. REQUIRES: window <= kHorizon.
  LoadSummary Summary(absl::Time now, absl::Duration window) const;

  // Sum of weights of the events in (since, now]: `since` is now minus the spread window.
  // Amortised O(1) while `since` moves forward; a `since` that moves back (a longer window, a
  // clock set back) takes the events it uncovers back into the sum.
  int64_t RecentWeight(absl::Time now, absl::Time since);

  // Drops events older than now - kHorizon.
  void Prune(absl::Time now);

  bool empty() const { return events_.empty(); }

 private:
  std::deque<LoadEvent> events_;
  size_t spread_head_ = 0;     // index of the first event inside the spread window
  int64_t spread_weight_ = 0;  // sum of weights from spread_head_ to the end
};

}  // namespace maxpool::core
