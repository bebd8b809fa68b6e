#include "control/watch_limit.h"

#include "absl/strings/str_cat.h"

namespace maxpool::control {

WatchLimit::Slot::~Slot() {
  if (limit_ != nullptr) limit_->open_.fetch_sub(1, std::memory_order_acq_rel);
}

std::optional<WatchLimit::Slot> WatchLimit::TryAcquire() {
  int open = open_.load(std::memory_order_relaxed);
  do {
    if (open >= max_streams_) return std::nullopt;
  } while (!open_.compare_exchange_weak(open, open + 1, std::memory_order_acq_rel));
  return Slot(this);
}

grpc::Status WatchLimit::Exhausted() const {
  return grpc::Status(
      grpc::StatusCode::RESOURCE_EXHAUSTED,
      absl::StrCat("this server already serves ", max_streams_,
                   " watch streams (WatchPool and WatchEvents together), its limit "
                   "control.maxWatchStreams; close a stream or raise control.maxWatchStreams"));
}

}  // namespace maxpool::control
