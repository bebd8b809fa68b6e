#include "control/pool_watch.h"

#include <utility>

namespace maxpool::control {

PoolWatch::PoolWatch(SnapshotTicker& ticker, absl::Duration interval, WatchLimit::Slot slot)
    : ticker_(ticker), slot_(std::move(slot)) {
  // Last: from here on the ticker's thread may call Deliver().
  ticker_.Add(this, interval);
}

void PoolWatch::Deliver(std::shared_ptr<const v1::PoolSnapshot> snapshot) {
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  if (writing_ != nullptr) {
    waiting_ = std::move(snapshot);
    return;
  }
  WriteLocked(std::move(snapshot));
}

void PoolWatch::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_.reset();
  if (!ok) {
    FinishLocked();  // the stream is broken: the client left
    return;
  }
  if (waiting_ != nullptr && !finished_) WriteLocked(std::move(waiting_));
  waiting_.reset();
}

void PoolWatch::OnCancel() {
  absl::MutexLock lock(&mu_);
  FinishLocked();
}

void PoolWatch::OnDone() {
  ticker_.Remove(this);
  delete this;
}

void PoolWatch::WriteLocked(std::shared_ptr<const v1::PoolSnapshot> snapshot) {
  writing_ = std::move(snapshot);
  StartWrite(writing_.get());
}

void PoolWatch::FinishLocked() {
  if (finished_) return;
  finished_ = true;
  waiting_.reset();
  Finish(grpc::Status::OK);
}

}  // namespace maxpool::control
