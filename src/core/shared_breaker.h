#pragma once

// The shared Anthropic circuit breaker (spec §4.6). It opens when Anthropic throttles the whole
// fleet (every eligible account failed the same request), blocks every Claude account until it
// expires, then lets exactly one real request probe recovery. The probe's outcome closes it or
// defers it (5, 10, 20 s); four failed probes close it for good ("probe budget exhausted").
// After closing, queued requests are admitted at most one per 250 ms for 5 s.
// Not thread-safe; owned by core::Router.

#include <optional>
#include <string>

#include "absl/time/time.h"

namespace maxpool::core {

class SharedBreaker {
 public:
  static constexpr int kProbeBudget = 4;
  static constexpr absl::Duration kAdmissionRamp = absl::Seconds(5);
  static constexpr absl::Duration kAdmissionSpacing = absl::Milliseconds(250);

  // Opens (or extends) the breaker until max(until, now + retry_after). Clears the probe state.
  void Open(absl::Time now, absl::Duration retry_after, std::string reason);

  // True while Claude accounts must not be routed: before `until`, or after it while the probe is
  // in flight.
  bool Blocking(absl::Time now) const;

  // True from Open() until Close().
  bool open() const { return until_.has_value(); }

  // Claims the single recovery probe when the breaker has expired and no probe is in flight.
  // Returns the generation to hand back to OnProbe*(), or nullopt when no probe is due.
  std::optional<int> TryClaimProbe(absl::Time now);

  // The probe got response headers with a status that is not a capacity signal, or finished with
  // success: the upstream is healthy again.
  void OnProbeSucceeded(absl::Time now, int generation);
  // The probe failed. Ignored when the breaker was re-opened since the claim (that failure is
  // already accounted for). Otherwise defers by 5, 10, 20 s, and closes after the 4th failure.
  void OnProbeFailed(absl::Time now, int generation);
  // The probe never reached the upstream (client left, token refresh failed): no penalty.
  void RelinquishProbe(int generation);

  // How long until a Claude request may try again, while Blocking(): `until - now`, or 1 s while
  // the probe is in flight.
  absl::Duration RetryAfter(absl::Time now) const;

  // Cluster mode: takes an opening another replica made at `opened_at` (until `until`), so this
  // replica does not spend a request per account to learn that the upstream throttles. Taken
  // only when it is news: the breaker is closed and the opening is later than its last closing
  // (an opening this replica's own probe already saw through is not taken again), or it is open
  // and the opening is later than its own and ends later. Returns whether it was taken.
  bool Adopt(absl::Time now, absl::Time opened_at, absl::Time until, std::string reason);

  // During the 5 s after closing, queued requests are admitted at most one per 250 ms.
  bool InAdmissionRamp(absl::Time now) const;

  std::optional<absl::Time> until() const { return until_; }
  const std::string& reason() const { return reason_; }
  bool probe_in_flight() const { return probe_in_flight_; }
  int failed_probes() const { return failed_probes_; }
  int open_count() const { return open_count_; }
  std::optional<absl::Time> last_opened_at() const { return last_opened_at_; }
  std::optional<absl::Time> closed_at() const { return closed_at_; }

 private:
  void Close(absl::Time now);

  std::optional<absl::Time> until_;
  std::string reason_;
  bool probe_in_flight_ = false;
  int failed_probes_ = 0;
  int open_count_ = 0;  // also the generation of the current opening
  std::optional<absl::Time> last_opened_at_;
  std::optional<absl::Time> closed_at_;
};

}  // namespace maxpool::core
