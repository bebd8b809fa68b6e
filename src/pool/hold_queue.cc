#include "pool/hold_queue.h"

#include <utility>

#include "boost/asio/post.hpp"
#include "core/shared_breaker.h"

namespace maxpool::pool {

void HoldWaker::Wake() {
  // Timers are not thread-safe: cancel on the timer's own executor. The handler owns a reference,
  // so the timer outlives a waiter that finishes before the handler runs.
  boost::asio::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
}

HoldQueue::HoldQueue(const core::QueueSettings& settings)
    : max_waiting_(settings.max_concurrent_queued), max_bytes_(settings.max_queued_bytes) {}

std::optional<uint64_t> HoldQueue::Register(int64_t bytes, std::string session_key,
                                            absl::Time deadline, std::shared_ptr<HoldWaker> waker,
                                            absl::Time now, bool* reaped) {
  bool any_reaped = false;
  while (!tickets_.empty() && tickets_.front().deadline <= now) {
    EraseAt(0);
    any_reaped = true;
  }
  if (reaped != nullptr) *reaped = any_reaped;

  const int waiting = size();
  if (waiting >= max_waiting_) return std::nullopt;
  if (waiting > 0 && queued_bytes_ + bytes > max_bytes_) return std::nullopt;

  HoldTicket ticket;
  ticket.id = next_id_++;
  ticket.bytes = bytes;
  ticket.session_key = std::move(session_key);
  ticket.queued_at = now;
  ticket.deadline = deadline;
  ticket.waker = std::move(waker);
  queued_bytes_ += bytes;
  tickets_.push_back(std::move(ticket));
  return tickets_.back().id;
}

HoldQueue::AdmitResult HoldQueue::TryAdmit(uint64_t id, absl::Time now, bool in_ramp) {
  for (size_t i = 0; i < tickets_.size(); ++i) {
    const HoldTicket& ticket = tickets_[i];
    if (ticket.id != id) {
      if (ticket.deadline > now) return {Admission::kNotHead, {}};
      continue;  // stale: its waiter has only the final check left
    }
    if (in_ramp && last_admission_ &&
        now < *last_admission_ + core::SharedBreaker::kAdmissionSpacing) {
      return {Admission::kRampSpacing, *last_admission_ + core::SharedBreaker::kAdmissionSpacing};
    }
    EraseAt(i);
    last_admission_ = now;
    return {Admission::kAdmitted, {}};
  }
  return {Admission::kGone, {}};
}

bool HoldQueue::Remove(uint64_t id, absl::Time now, bool* was_head) {
  bool live_ahead = false;
  for (size_t i = 0; i < tickets_.size(); ++i) {
    if (tickets_[i].id != id) {
      live_ahead = live_ahead || tickets_[i].deadline > now;
      continue;
    }
    EraseAt(i);
    if (was_head != nullptr) *was_head = !live_ahead;
    return true;
  }
  if (was_head != nullptr) *was_head = false;
  return false;
}

std::vector<std::shared_ptr<HoldWaker>> HoldQueue::Wakers() const {
  std::vector<std::shared_ptr<HoldWaker>> wakers;
  wakers.reserve(tickets_.size());
  for (const HoldTicket& ticket : tickets_) {
    if (ticket.waker) wakers.push_back(ticket.waker);
  }
  return wakers;
}

std::shared_ptr<HoldWaker> HoldQueue::HeadWaker(absl::Time now) const {
  for (const HoldTicket& ticket : tickets_) {
    if (ticket.deadline > now) return ticket.waker;
  }
  return nullptr;
}

const HoldTicket* HoldQueue::Find(uint64_t id) const {
  for (const HoldTicket& ticket : tickets_) {
    if (ticket.id == id) return &ticket;
  }
  return nullptr;
}

void HoldQueue::EraseAt(size_t index) {
  queued_bytes_ -= tickets_[index].bytes;
  tickets_.erase(tickets_.begin() + static_cast<std::ptrdiff_t>(index));
}

}  // namespace maxpool::pool
