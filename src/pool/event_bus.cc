#include "pool/event_bus.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "core/absl_view.h"

namespace maxpool::pool {

namespace {

constexpr size_t kMinQueueCapacity = 16;
constexpr size_t kMinSubscriberCapacity = 8;

}  // namespace

// The state the bus shares with its subscriptions (they unsubscribe through it) and its
// dispatcher thread.
struct EventBus::Core {
  Core(const core::Clock& clock_in, const EventBusOptions& options)
      : clock(clock_in), capacity(std::max(options.queue_capacity, kMinQueueCapacity)) {}

  // Runs on the dispatcher thread until `stopping`.
  void Run();
  void Remove(const std::shared_ptr<Inbox>& inbox);
  // REQUIRES: mu held.
  void Enqueue(PoolEventBody body, absl::Time at) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return pending.empty() && lost_count == 0 && !dispatching;
  }

  const core::Clock& clock;
  const size_t capacity;

  mutable absl::Mutex mu;
  absl::CondVar wake;     // the dispatcher waits on it
  absl::CondVar flushed;  // Flush() waits on it
  uint64_t next_sequence ABSL_GUARDED_BY(mu) = 1;
  std::vector<PoolEvent> pending ABSL_GUARDED_BY(mu);
  // Events dropped because `pending` was full: sequence numbers lost_first.. (+ lost_count).
  // They always follow every event in `pending`.
  uint64_t lost_first ABSL_GUARDED_BY(mu) = 0;
  uint64_t lost_count ABSL_GUARDED_BY(mu) = 0;
  std::vector<std::shared_ptr<Inbox>> inboxes ABSL_GUARDED_BY(mu);
  bool dispatching ABSL_GUARDED_BY(mu) = false;
  uint64_t handled_through ABSL_GUARDED_BY(mu) = 0;  // every sequence <= it was dispatched
  bool stopping ABSL_GUARDED_BY(mu) = false;
};

// One subscriber's filters and bounded queue.
struct EventBus::Inbox {
  // A queued event, or a gap marker (event == nullptr).
  struct Item {
    std::shared_ptr<const PoolEvent> event;
    uint64_t gap = 0;
  };

  explicit Inbox(SubscribeOptions options)
      : capacity(std::max(options.capacity, kMinSubscriberCapacity)),
        accounts(options.accounts.begin(), options.accounts.end()),
        filter(std::move(options.filter)) {
    for (EventKind kind : options.kinds) kind_mask |= 1u << static_cast<unsigned>(kind);
  }

  bool Wants(const PoolEvent& event) const {
    if (event.sequence < first_sequence) return false;
    if (kind_mask != 0 && (kind_mask & (1u << static_cast<unsigned>(event.kind()))) == 0) {
      return false;
    }
    if (!accounts.empty()) {
      const std::string_view account = event.account();
      if (!account.empty() && !accounts.contains(core::AbslView(account))) return false;
    }
    return !filter || filter(event);
  }

  // Dispatcher thread: queues the events of `batch` this subscriber wants, then counts the
  // central queue's losses (sequence numbers lost_first.. + lost_count) that concern it.
  void Deliver(const std::vector<std::shared_ptr<const PoolEvent>>& batch, uint64_t lost_first,
               uint64_t lost_count, std::vector<const std::shared_ptr<const PoolEvent>*>& scratch) {
    scratch.clear();
    for (const std::shared_ptr<const PoolEvent>& event : batch) {
      if (Wants(*event)) scratch.push_back(&event);
    }
    uint64_t central_lost = 0;
    if (lost_count > 0) {
      const uint64_t last = lost_first + lost_count - 1;
      if (last >= first_sequence) central_lost = last - std::max(lost_first, first_sequence) + 1;
    }
    if (scratch.empty() && central_lost == 0) return;
    {
      absl::MutexLock lock(&mu);
      if (closed) return;
      for (const std::shared_ptr<const PoolEvent>* event : scratch) {
        if (queued_events >= capacity) {
          ++lost;
          ++dropped_total;
          continue;
        }
        if (lost > 0) {
          items.push_back(Item{nullptr, lost});
          lost = 0;
        }
        items.push_back(Item{*event, 0});
        ++queued_events;
      }
      lost += central_lost;
      dropped_total += central_lost;
    }
    ready.SignalAll();
  }

  void Close() {
    {
      absl::MutexLock lock(&mu);
      if (closed) return;
      closed = true;
      items.clear();
    }
    ready.SignalAll();
  }

  // Filters: immutable once subscribed. `first_sequence` is written under Core::mu before the
  // inbox is published to the dispatcher.
  const size_t capacity;
  uint32_t kind_mask = 0;  // 0 = every kind
  const absl::flat_hash_set<std::string> accounts;
  const std::function<bool(const PoolEvent&)> filter;
  uint64_t first_sequence = 0;

  mutable absl::Mutex mu;
  absl::CondVar ready;
  // Events and gap markers; at most `capacity` events (markers come one before an event, or
  // last as `lost`).
  std::deque<Item> items ABSL_GUARDED_BY(mu);
  size_t queued_events ABSL_GUARDED_BY(mu) = 0;
  uint64_t lost ABSL_GUARDED_BY(mu) = 0;  // dropped after the last queued item, not yet a marker
  uint64_t dropped_total ABSL_GUARDED_BY(mu) = 0;
  bool closed ABSL_GUARDED_BY(mu) = false;
};

void EventBus::Core::Enqueue(PoolEventBody body, absl::Time at) {
  const uint64_t sequence = next_sequence++;
  if (stopping || inboxes.empty()) return;
  if (pending.size() >= capacity) {
    if (lost_count == 0) lost_first = sequence;
    ++lost_count;
    return;
  }
  const bool was_empty = pending.empty();
  pending.push_back(PoolEvent{sequence, at, std::move(body)});
  // The dispatcher waits only while `pending` is empty (a full queue is never empty).
  if (was_empty) wake.Signal();
}

void EventBus::Core::Run() {
  std::vector<PoolEvent> batch;
  std::vector<std::shared_ptr<const PoolEvent>> shared;
  std::vector<std::shared_ptr<Inbox>> targets;
  std::vector<const std::shared_ptr<const PoolEvent>*> scratch;
  for (;;) {
    uint64_t batch_lost_first = 0;
    uint64_t batch_lost_count = 0;
    uint64_t through = 0;
    {
      absl::MutexLock lock(&mu);
      while (!stopping && pending.empty() && lost_count == 0) wake.Wait(&mu);
      if (stopping) return;
      batch.swap(pending);  // `pending` keeps the old batch's capacity: no steady-state allocation
      batch_lost_first = lost_first;
      batch_lost_count = lost_count;
      lost_count = 0;
      // Every sequence number assigned so far is in `batch`, lost, or was never queued.
      through = next_sequence - 1;
      targets = inboxes;
      dispatching = true;
    }
    shared.reserve(batch.size());
    for (PoolEvent& event : batch) {
      shared.push_back(std::make_shared<const PoolEvent>(std::move(event)));
    }
    batch.clear();
    for (const std::shared_ptr<Inbox>& inbox : targets) {
      inbox->Deliver(shared, batch_lost_first, batch_lost_count, scratch);
    }
    shared.clear();
    targets.clear();
    {
      absl::MutexLock lock(&mu);
      dispatching = false;
      handled_through = through;
    }
    flushed.SignalAll();
  }
}

void EventBus::Core::Remove(const std::shared_ptr<Inbox>& inbox) {
  absl::MutexLock lock(&mu);
  std::erase(inboxes, inbox);
}

// --- EventBus ---------------------------------------------------------------------------------

EventBus::EventBus(const core::Clock& clock, EventBusOptions options)
    : core_(std::make_shared<Core>(clock, options)),
      dispatcher_([core = core_.get()] { core->Run(); }) {}

EventBus::~EventBus() {
  {
    absl::MutexLock lock(&core_->mu);
    core_->stopping = true;
  }
  core_->wake.Signal();
  core_->flushed.SignalAll();
  dispatcher_.join();
  std::vector<std::shared_ptr<Inbox>> inboxes;
  {
    absl::MutexLock lock(&core_->mu);
    inboxes.swap(core_->inboxes);
    core_->pending.clear();
  }
  for (const std::shared_ptr<Inbox>& inbox : inboxes) inbox->Close();
}

uint64_t EventBus::Publish(PoolEventBody body) {
  const absl::Time at = core_->clock.Now();
  absl::MutexLock lock(&core_->mu);
  const uint64_t sequence = core_->next_sequence;
  core_->Enqueue(std::move(body), at);
  return sequence;
}

void EventBus::Publish(std::vector<PoolEventBody>&& bodies) {
  if (bodies.empty()) return;
  const absl::Time at = core_->clock.Now();
  absl::MutexLock lock(&core_->mu);
  for (PoolEventBody& body : bodies) core_->Enqueue(std::move(body), at);
}

std::shared_ptr<Subscription> EventBus::Subscribe(SubscribeOptions options) {
  auto inbox = std::make_shared<Inbox>(std::move(options));
  {
    absl::MutexLock lock(&core_->mu);
    inbox->first_sequence = core_->next_sequence;
    if (core_->stopping) {
      inbox->Close();
    } else {
      core_->inboxes.push_back(inbox);
    }
  }
  return std::shared_ptr<Subscription>(new Subscription(std::move(inbox), core_));
}

int EventBus::subscribers() const {
  absl::MutexLock lock(&core_->mu);
  return static_cast<int>(core_->inboxes.size());
}

void EventBus::Flush() {
  absl::MutexLock lock(&core_->mu);
  const uint64_t target = core_->next_sequence - 1;
  while (!core_->stopping && core_->handled_through < target && !core_->Idle()) {
    core_->flushed.Wait(&core_->mu);
  }
}

// --- Subscription -----------------------------------------------------------------------------

Subscription::Subscription(std::shared_ptr<EventBus::Inbox> inbox,
                           std::weak_ptr<EventBus::Core> core)
    : inbox_(std::move(inbox)), core_(std::move(core)) {}

Subscription::~Subscription() { Close(); }

std::optional<Delivery> Subscription::WaitNext(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  EventBus::Inbox& inbox = *inbox_;
  std::shared_ptr<const PoolEvent> event;
  {
    absl::MutexLock lock(&inbox.mu);
    while (!inbox.closed && inbox.items.empty() && inbox.lost == 0) {
      if (inbox.ready.WaitWithDeadline(&inbox.mu, deadline)) break;  // timed out
    }
    if (inbox.closed) return std::nullopt;
    if (inbox.items.empty()) {
      if (inbox.lost == 0) return std::nullopt;
      const uint64_t gap = inbox.lost;
      inbox.lost = 0;
      return Delivery{EventGap{gap}};
    }
    EventBus::Inbox::Item item = std::move(inbox.items.front());
    inbox.items.pop_front();
    if (item.event == nullptr) return Delivery{EventGap{item.gap}};
    --inbox.queued_events;
    event = std::move(item.event);
  }
  return Delivery{*event};  // the copy is made outside the lock
}

void Subscription::Close() {
  inbox_->Close();
  if (std::shared_ptr<EventBus::Core> core = core_.lock()) core->Remove(inbox_);
}

bool Subscription::closed() const {
  absl::MutexLock lock(&inbox_->mu);
  return inbox_->closed;
}

uint64_t Subscription::dropped() const {
  absl::MutexLock lock(&inbox_->mu);
  return inbox_->dropped_total;
}

}  // namespace maxpool::pool
