#include "core/shared_breaker.h"

#include <algorithm>

namespace maxpool::core {

void SharedBreaker::Open(absl::Time now, absl::Duration retry_after, std::string reason) {
  const absl::Time until = now + retry_after;
  until_ = until_ ? std::max(*until_, until) : until;
  reason_ = std::move(reason);
  probe_in_flight_ = false;
  failed_probes_ = 0;
  ++open_count_;
  last_opened_at_ = now;
  closed_at_.reset();
}

bool SharedBreaker::Adopt(absl::Time now, absl::Time opened_at, absl::Time until,
                          std::string reason) {
  if (until <= now) return false;
  if (until_) {
    if (last_opened_at_ && opened_at <= *last_opened_at_) return false;
    if (until <= *until_) return false;
  } else if (closed_at_ && opened_at <= *closed_at_) {
    return false;
  }
  Open(now, until - now, std::move(reason));
  return true;
}

bool SharedBreaker::Blocking(absl::Time now) const {
  if (!until_) return false;
  return now < *until_ || probe_in_flight_;
}

std::optional<int> SharedBreaker::TryClaimProbe(absl::Time now) {
  if (!until_ || now < *until_ || probe_in_flight_) return std::nullopt;
  probe_in_flight_ = true;
  return open_count_;
}

void SharedBreaker::OnProbeSucceeded(absl::Time now, int generation) {
  if (!until_ || generation != open_count_) return;
  Close(now);
}

void SharedBreaker::OnProbeFailed(absl::Time now, int generation) {
  if (!until_ || generation != open_count_) return;
  ++failed_probes_;
  if (failed_probes_ >= kProbeBudget) {
    Close(now);  // probe budget exhausted: per-account handling resumes
    return;
  }
  const absl::Duration defer =
      std::min(absl::Seconds(60), absl::Seconds(5) * (1 << (failed_probes_ - 1)));
  until_ = now + defer;
  probe_in_flight_ = false;
}

void SharedBreaker::RelinquishProbe(int generation) {
  if (generation == open_count_) probe_in_flight_ = false;
}

absl::Duration SharedBreaker::RetryAfter(absl::Time now) const {
  if (!until_) return absl::ZeroDuration();
  if (now < *until_) return *until_ - now;
  return absl::Seconds(1);
}

bool SharedBreaker::InAdmissionRamp(absl::Time now) const {
  return closed_at_ && now >= *closed_at_ && now < *closed_at_ + kAdmissionRamp;
}

void SharedBreaker::Close(absl::Time now) {
  until_.reset();
  reason_.clear();
  probe_in_flight_ = false;
  failed_probes_ = 0;
  closed_at_ = now;
}

}  // namespace maxpool::core
