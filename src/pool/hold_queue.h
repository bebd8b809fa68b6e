#pragma once

// The FIFO hold queue of spec §5.3–5.5: tickets for requests waiting for capacity, the caps on
// waiters and queued bytes, head-only admission (spaced 250 ms apart during the breaker's
// admission ramp), stale-head reaping, and the wake-up handles of waiting coroutines.
// Owned by pool::Pool, which serialises access to it under its own mutex: HoldQueue itself is
// not thread-safe. HoldWaker::Wake() is the one call that may be made from any thread.
//
// Invariants: ticket ids are strictly increasing from front to back; queued_bytes() is the sum
// of the tickets' bytes.
//
// Ghost tickets (§5.5): a waiter whose client leaves is cancelled through its cancellation slot
// and removes its own ticket at once (Pool::Hold), so there is no separate ghost-eviction pass.
// Registration still reaps heads whose deadline has passed but whose coroutine has not run yet.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/steady_timer.hpp"
#include "core/retry_plan.h"
#include "core/settings.h"

namespace maxpool::pool {

enum class HoldOutcome {
  kAdmitted,       // may be routed now; the RouteState carries the admission
  kExpired,        // the hold window ended without capacity
  kNotRecovering,  // the oracle says capacity will not return in time (error fast)
  kQueueFull,      // refused at registration: too many waiters or too many queued bytes
  kCancelled,      // the caller's cancellation slot fired (client gone)
};

struct HoldResult {
  HoldOutcome outcome = HoldOutcome::kExpired;
  core::RetryPlan plan;  // the last oracle answer, for the error message and retry-after
};

// The wake-up handle of one waiter: the timer its coroutine sleeps on. The timer belongs to the
// waiter's executor and is touched only there; Wake() posts the cancellation to that executor,
// and the posted handler keeps the waker alive.
class HoldWaker : public std::enable_shared_from_this<HoldWaker> {
 public:
  explicit HoldWaker(const boost::asio::any_io_executor& executor) : timer_(executor) {}
  HoldWaker(const HoldWaker&) = delete;
  HoldWaker& operator=(const HoldWaker&) = delete;

  // Any thread: ends the waiter's sleep. No wake is lost: the waiter evaluates and starts its
  // sleep within one handler on its serialised executor, so a wake posted meanwhile runs after
  // the sleep has started and ends it (at worst one extra evaluation).
  void Wake();

  // Only on the timer's executor.
  boost::asio::steady_timer& timer() { return timer_; }

 private:
  boost::asio::steady_timer timer_;
};

struct HoldTicket {
  uint64_t id = 0;
  int64_t bytes = 0;  // the request body's length
  std::string session_key;
  absl::Time queued_at;
  absl::Time deadline;  // queueStartedAt + W (§5.1 step 5)
  std::shared_ptr<HoldWaker> waker;
};

class HoldQueue {
 public:
  explicit HoldQueue(const core::QueueSettings& settings);
  HoldQueue(const HoldQueue&) = delete;
  HoldQueue& operator=(const HoldQueue&) = delete;

  // §5.5 registration: reaps stale heads (deadline <= now), then refuses (nullopt) when
  // size() >= max_concurrent_queued, or when the queue is not empty and queued_bytes() + bytes >
  // max_queued_bytes. Otherwise appends a ticket at the tail and returns its id. `reaped`, when
  // given, is set to whether any ticket was reaped (the new head, if live, should be woken).
  std::optional<uint64_t> Register(int64_t bytes, std::string session_key, absl::Time deadline,
                                   std::shared_ptr<HoldWaker> waker, absl::Time now,
                                   bool* reaped = nullptr);

  enum class Admission {
    kAdmitted,     // the ticket was the live head and is removed
    kNotHead,      // a live ticket is ahead of it
    kRampSpacing,  // the head, but the post-breaker ramp spaces admissions (see `retry_at`)
    kGone,         // no such ticket (reaped or removed)
  };
  struct AdmitResult {
    Admission admission = Admission::kGone;
    absl::Time retry_at;  // kRampSpacing: when the next admission may happen
  };
  // Admits ticket `id` when it is the head: tickets ahead of it whose deadline has passed do not
  // count (their waiters only have a final check left). `in_ramp` is the breaker's admission
  // ramp (§4.6): then at most one admission per SharedBreaker::kAdmissionSpacing.
  AdmitResult TryAdmit(uint64_t id, absl::Time now, bool in_ramp);

  // Removes ticket `id`. Returns false when it was not queued. `was_head`, when given, is set to
  // whether no live ticket (deadline > now) was ahead of it.
  bool Remove(uint64_t id, absl::Time now, bool* was_head = nullptr);

  bool Contains(uint64_t id) const { return Find(id) != nullptr; }
  // Every ticket's waker, front to back (to be woken after the caller unlocks).
  std::vector<std::shared_ptr<HoldWaker>> Wakers() const;
  // The first live ticket's waker, or nullptr when there is none.
  std::shared_ptr<HoldWaker> HeadWaker(absl::Time now) const;

  int size() const { return static_cast<int>(tickets_.size()); }
  int64_t queued_bytes() const { return queued_bytes_; }
  std::optional<absl::Time> last_admission() const { return last_admission_; }

 private:
  const HoldTicket* Find(uint64_t id) const;
  void EraseAt(size_t index);

  const int max_waiting_;
  const int64_t max_bytes_;
  std::deque<HoldTicket> tickets_;
  int64_t queued_bytes_ = 0;
  uint64_t next_id_ = 1;
  std::optional<absl::Time> last_admission_;
};

}  // namespace maxpool::pool
