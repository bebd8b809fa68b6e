#include "core/probe_pacing.h"

#include <algorithm>

namespace maxpool::core {
namespace {

constexpr absl::Duration kMinGap = absl::Seconds(6);
constexpr absl::Duration kMaxBaseGap = absl::Seconds(20);
constexpr absl::Duration kMaxGap = absl::Seconds(120);

}  // namespace

ProbePacing::ProbePacing(absl::Duration interval)
    : base_(std::clamp(interval / 6, kMinGap, kMaxBaseGap)), gap_(base_) {}

void ProbePacing::OnRateLimited() { gap_ = std::min(kMaxGap, gap_ * 1.5); }

void ProbePacing::OnSuccess() { gap_ = std::max(base_, gap_ * 0.9); }

}  // namespace maxpool::core
