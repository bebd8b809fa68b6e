#pragma once

// pool::Pool's ordered hand-off of the events it makes; private to the pool's sources (pool.cc,
// pool_sync.cc).
//
// Events made under Pool::mu_ leave in the order of the critical sections that made them:
// Seal(), the last step under mu_, takes publish_mu_ when there is something to publish; Flush(),
// right after the critical section, publishes and releases it. Nothing may lock mu_ between the
// two (the lock order is mu_, then publish_mu_). The destructor flushes too, so an early return
// under the lock publishes after the lock is released.

#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "pool/pool.h"
#include "pool/pool_event.h"

namespace maxpool::pool {

class Pool::Outbox {
 public:
  explicit Outbox(Pool& pool) : pool_(pool) {}
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;
  ~Outbox() { Flush(); }

  std::vector<PoolEventBody>& events() { return events_; }

  // REQUIRES: pool.mu_ held.
  void Seal() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (events_.empty() || sealed_) return;
    pool_.publish_mu_.Lock();
    sealed_ = true;
  }

  // REQUIRES: pool.mu_ not held.
  void Flush() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    if (!events_.empty()) pool_.events_.Publish(std::move(events_));
    events_.clear();
    if (sealed_) {
      sealed_ = false;
      pool_.publish_mu_.Unlock();
    }
  }

 private:
  Pool& pool_;
  std::vector<PoolEventBody> events_;
  bool sealed_ = false;
};

}  // namespace maxpool::pool
