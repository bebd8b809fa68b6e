#pragma once

// The gap between two usage probes of a sweep (spec §12.2). The usage endpoint is rate-limited
// per source address, so probes go one at a time: base gap = clamp(interval / 6, 6 s, 20 s);
// after a 429 the gap grows x1.5 up to 120 s, after a success it shrinks x0.9 back to the base.
// Not thread-safe: one prober owns one.

#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"

namespace maxpool::core {

class ProbePacing {
 public:
  explicit ProbePacing(absl::Duration interval);

  absl::Duration base_gap() const { return base_; }
  absl::Duration gap() const { return gap_; }
  void OnRateLimited();
  void OnSuccess();

 private:
  absl::Duration base_;
  absl::Duration gap_;
};

// Where the sweep numbered `sweep` starts among `count` accounts: each sweep starts one further
// on, so a sweep cut short never starves the accounts at the end of the list.
inline size_t ProbeSweepStart(uint64_t sweep, size_t count) {
  return count == 0 ? 0 : static_cast<size_t>(sweep % count);
}

}  // namespace maxpool::core
