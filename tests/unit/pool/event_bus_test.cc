// pool::EventBus: ordering and sequence numbers, filters, explicit loss (gap markers) for slow
// subscribers and a full central queue, a Publish() that never waits for a subscriber, Close()
// and lifetimes, and concurrent publishers and subscribers (docs/architecture.md principle 2).

#include "pool/event_bus.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "support/fake_clock.h"

namespace maxpool::pool {
namespace {

using ::maxpool::testing::FakeClock;

Failover FailoverOf(std::string account, int status = 429) {
  return Failover{std::move(account), "rate_limited", status, FailoverNext::kRetry};
}

// Everything queued for `sub` now, after the bus has dispatched what was published.
std::vector<Delivery> Drain(EventBus& bus, Subscription& sub) {
  bus.Flush();
  std::vector<Delivery> out;
  while (std::optional<Delivery> next = sub.WaitNext(absl::ZeroDuration())) {
    out.push_back(std::move(*next));
  }
  return out;
}

std::vector<PoolEvent> EventsOnly(const std::vector<Delivery>& deliveries) {
  std::vector<PoolEvent> out;
  for (const Delivery& d : deliveries) {
    EXPECT_TRUE(std::holds_alternative<PoolEvent>(d)) << "unexpected gap";
    if (const PoolEvent* event = std::get_if<PoolEvent>(&d)) out.push_back(*event);
  }
  return out;
}

int StatusOf(const PoolEvent& event) { return std::get<Failover>(event.body).status; }

TEST(EventBus, DeliversInOrderWithConsecutiveSequenceNumbersAndTheClocksTime) {
  FakeClock clock;
  EventBus bus(clock);
  std::shared_ptr<Subscription> sub = bus.Subscribe();
  const absl::Time start = clock.Now();
  uint64_t first = 0;
  for (int i = 0; i < 100; ++i) {
    const uint64_t sequence = bus.Publish(FailoverOf("A", i));
    if (i == 0) first = sequence;
    EXPECT_EQ(sequence, first + static_cast<uint64_t>(i));
    clock.Advance(absl::Seconds(1));
  }
  const std::vector<PoolEvent> events = EventsOnly(Drain(bus, *sub));
  ASSERT_EQ(events.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(events[i].sequence, first + static_cast<uint64_t>(i));
    EXPECT_EQ(events[i].at, start + absl::Seconds(i));
    EXPECT_EQ(events[i].kind(), EventKind::kFailover);
    EXPECT_EQ(events[i].account(), "A");
    EXPECT_EQ(StatusOf(events[i]), i);
  }
}

TEST(EventBus, BatchPublishKeepsOrder) {
  FakeClock clock;
  EventBus bus(clock);
  std::shared_ptr<Subscription> sub = bus.Subscribe();
  std::vector<PoolEventBody> batch;
  batch.push_back(FailoverOf("A", 1));
  batch.push_back(HoldStarted{7, true, 1});
  batch.push_back(FailoverOf("B", 2));
  bus.Publish(std::move(batch));
  const std::vector<PoolEvent> events = EventsOnly(Drain(bus, *sub));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].account(), "A");
  EXPECT_EQ(events[1].kind(), EventKind::kHoldStarted);
  EXPECT_EQ(events[2].account(), "B");
  EXPECT_EQ(events[1].sequence, events[0].sequence + 1);
  EXPECT_EQ(events[2].sequence, events[1].sequence + 1);
}

TEST(EventBus, SubscriberSeesOnlyEventsPublishedAfterSubscribing) {
  FakeClock clock;
  EventBus bus(clock);
  std::shared_ptr<Subscription> early = bus.Subscribe();
  bus.Publish(FailoverOf("A", 1));
  std::shared_ptr<Subscription> late = bus.Subscribe();
  bus.Publish(FailoverOf("A", 2));
  EXPECT_EQ(EventsOnly(Drain(bus, *early)).size(), 2u);
  const std::vector<PoolEvent> events = EventsOnly(Drain(bus, *late));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(StatusOf(events[0]), 2);
}

TEST(EventBus, FiltersByKindAccountAndPredicate) {
  FakeClock clock;
  EventBus bus(clock);
  SubscribeOptions by_kind;
  by_kind.kinds = {EventKind::kFailover, EventKind::kHoldEnded};
  std::shared_ptr<Subscription> kinds = bus.Subscribe(by_kind);
  SubscribeOptions by_account;
  by_account.accounts = {"A"};
  std::shared_ptr<Subscription> accounts = bus.Subscribe(by_account);
  SubscribeOptions both;
  both.kinds = {EventKind::kFailover};
  both.accounts = {"B"};
  both.filter = [](const PoolEvent& event) { return StatusOf(event) >= 500; };
  std::shared_ptr<Subscription> combined = bus.Subscribe(both);

  bus.Publish(FailoverOf("A", 429));  // 1
  bus.Publish(FailoverOf("B", 429));  // 2
  bus.Publish(FailoverOf("B", 529));  // 3
  bus.Publish(AccountStateChanged{"A", AccountState::kActive, AccountState::kThrottled,
                                  "rate_limited"});                     // 4
  bus.Publish(HoldStarted{1, false, 1});                                // 5
  bus.Publish(HoldEnded{1, HoldOutcome::kAdmitted, absl::Seconds(2)});  // 6

  const std::vector<PoolEvent> by_kinds = EventsOnly(Drain(bus, *kinds));
  ASSERT_EQ(by_kinds.size(), 4u);
  EXPECT_EQ(by_kinds[0].kind(), EventKind::kFailover);
  EXPECT_EQ(by_kinds[1].kind(), EventKind::kFailover);
  EXPECT_EQ(by_kinds[2].kind(), EventKind::kFailover);
  EXPECT_EQ(by_kinds[3].kind(), EventKind::kHoldEnded);

  // Events about account A, plus the events about no account (holds).
  const std::vector<PoolEvent> by_accounts = EventsOnly(Drain(bus, *accounts));
  ASSERT_EQ(by_accounts.size(), 4u);
  EXPECT_EQ(by_accounts[0].kind(), EventKind::kFailover);
  EXPECT_EQ(by_accounts[0].account(), "A");
  EXPECT_EQ(by_accounts[1].kind(), EventKind::kAccountStateChanged);
  EXPECT_EQ(by_accounts[2].kind(), EventKind::kHoldStarted);
  EXPECT_EQ(by_accounts[3].kind(), EventKind::kHoldEnded);

  const std::vector<PoolEvent> filtered = EventsOnly(Drain(bus, *combined));
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0].account(), "B");
  EXPECT_EQ(StatusOf(filtered[0]), 529);
  // Filtered-out events are not losses.
  EXPECT_EQ(combined->dropped(), 0u);
}

// A subscriber that does not read loses what does not fit, and learns exactly how much, at the
// point of the loss; a fast subscriber on the same bus gets everything.
TEST(EventBus, SlowSubscriberGetsAnExactGapThenNewerEvents) {
  FakeClock clock;
  EventBus bus(clock);
  SubscribeOptions small;
  small.capacity = 8;
  std::shared_ptr<Subscription> slow = bus.Subscribe(small);
  std::shared_ptr<Subscription> fast = bus.Subscribe();

  for (int i = 0; i < 20; ++i) bus.Publish(FailoverOf("A", i));
  bus.Flush();
  EXPECT_EQ(slow->dropped(), 12u);

  // The slow one reads its 8 events, then the gap.
  for (int i = 0; i < 8; ++i) {
    std::optional<Delivery> next = slow->WaitNext(absl::ZeroDuration());
    ASSERT_TRUE(next.has_value());
    ASSERT_TRUE(std::holds_alternative<PoolEvent>(*next));
    EXPECT_EQ(StatusOf(std::get<PoolEvent>(*next)), i);
  }
  std::optional<Delivery> gap = slow->WaitNext(absl::ZeroDuration());
  ASSERT_TRUE(gap.has_value());
  ASSERT_TRUE(std::holds_alternative<EventGap>(*gap));
  EXPECT_EQ(std::get<EventGap>(*gap).dropped, 12u);
  EXPECT_FALSE(slow->WaitNext(absl::ZeroDuration()).has_value());

  // Newer events arrive again.
  for (int i = 20; i < 25; ++i) bus.Publish(FailoverOf("A", i));
  const std::vector<PoolEvent> newer = EventsOnly(Drain(bus, *slow));
  ASSERT_EQ(newer.size(), 5u);
  EXPECT_EQ(StatusOf(newer.front()), 20);
  EXPECT_EQ(StatusOf(newer.back()), 24);

  const std::vector<PoolEvent> all = EventsOnly(Drain(bus, *fast));
  ASSERT_EQ(all.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(StatusOf(all[i]), i);
  EXPECT_EQ(fast->dropped(), 0u);
}

// The gap is delivered in place: events kept before the loss, the marker, then the first event
// that fitted again.
TEST(EventBus, GapMarkerSitsWhereTheEventsWereLost) {
  FakeClock clock;
  EventBus bus(clock);
  SubscribeOptions small;
  small.capacity = 1;  // raised to the minimum, 8
  std::shared_ptr<Subscription> sub = bus.Subscribe(small);
  for (int i = 0; i < 10; ++i) bus.Publish(FailoverOf("A", i));  // 0..7 kept, 8 and 9 lost
  bus.Flush();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(sub->WaitNext(absl::ZeroDuration()).has_value());
  bus.Publish(FailoverOf("A", 10));  // fits again
  const std::vector<Delivery> rest = Drain(bus, *sub);
  ASSERT_EQ(rest.size(), 7u);  // 3..7, gap, 10
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(std::holds_alternative<PoolEvent>(rest[i]));
    EXPECT_EQ(StatusOf(std::get<PoolEvent>(rest[i])), i + 3);
  }
  ASSERT_TRUE(std::holds_alternative<EventGap>(rest[5]));
  EXPECT_EQ(std::get<EventGap>(rest[5]).dropped, 2u);
  ASSERT_TRUE(std::holds_alternative<PoolEvent>(rest[6]));
  EXPECT_EQ(StatusOf(std::get<PoolEvent>(rest[6])), 10);
}

// Publish() never waits for a subscriber that never reads, even when the central queue
// overflows; every event is accounted for, delivered or counted in a gap.
TEST(EventBus, PublishNeverBlocksOnAStuckSubscriber) {
  FakeClock clock;
  EventBusOptions options;
  options.queue_capacity = 16;  // small, so the central queue overflows too
  EventBus bus(clock, options);
  SubscribeOptions small;
  small.capacity = 8;
  std::shared_ptr<Subscription> stuck = bus.Subscribe(small);
  constexpr int kEvents = 100000;
  for (int i = 0; i < kEvents; ++i) bus.Publish(FailoverOf("A", i));
  const std::vector<Delivery> got = Drain(bus, *stuck);
  uint64_t events = 0;
  uint64_t lost = 0;
  for (const Delivery& d : got) {
    if (const EventGap* gap = std::get_if<EventGap>(&d)) {
      lost += gap->dropped;
    } else {
      ++events;
    }
  }
  EXPECT_LE(events, 8u);
  EXPECT_GE(events, 1u);
  EXPECT_EQ(events + lost, static_cast<uint64_t>(kEvents));
  EXPECT_EQ(stuck->dropped(), lost);
}

// A central queue that overflows while the dispatcher is busy gives every subscriber a gap with
// the number of events it lost.
TEST(EventBus, CentralOverflowGivesEverySubscriberAGap) {
  FakeClock clock;
  EventBusOptions options;
  options.queue_capacity = 16;
  EventBus bus(clock, options);
  // The filter of the first subscriber blocks the dispatcher until released.
  std::atomic<bool> release{false};
  std::atomic<bool> blocked{false};
  SubscribeOptions blocking;
  blocking.capacity = 4096;
  blocking.filter = [&](const PoolEvent& event) {
    if (StatusOf(event) == 0) {
      blocked = true;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  };
  std::shared_ptr<Subscription> first = bus.Subscribe(blocking);
  SubscribeOptions plain;
  plain.capacity = 4096;
  std::shared_ptr<Subscription> second = bus.Subscribe(plain);

  bus.Publish(FailoverOf("A", 0));
  while (!blocked) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (int i = 1; i <= 100; ++i) bus.Publish(FailoverOf("A", i));  // 16 queued, 84 lost
  release = true;
  for (Subscription* sub : {first.get(), second.get()}) {
    const std::vector<Delivery> got = Drain(bus, *sub);
    ASSERT_EQ(got.size(), 18u);  // event 0, events 1..16, gap
    for (int i = 0; i <= 16; ++i) {
      ASSERT_TRUE(std::holds_alternative<PoolEvent>(got[i]));
      EXPECT_EQ(StatusOf(std::get<PoolEvent>(got[i])), i);
    }
    ASSERT_TRUE(std::holds_alternative<EventGap>(got[17]));
    EXPECT_EQ(std::get<EventGap>(got[17]).dropped, 84u);
  }
  // The sequence numbers jump over the lost events.
  const uint64_t next = bus.Publish(FailoverOf("A", 101));
  const std::vector<PoolEvent> after = EventsOnly(Drain(bus, *second));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].sequence, next);
}

TEST(EventBus, WaitNextTimesOutWithNothingToRead) {
  FakeClock clock;
  EventBus bus(clock);
  std::shared_ptr<Subscription> sub = bus.Subscribe();
  EXPECT_FALSE(sub->WaitNext(absl::Milliseconds(20)).has_value());
}

TEST(EventBus, WaitNextWakesWhenAnEventArrives) {
  FakeClock clock;
  EventBus bus(clock);
  std::shared_ptr<Subscription> sub = bus.Subscribe();
  std::optional<Delivery> got;
  std::thread reader([&] { got = sub->WaitNext(absl::Seconds(30)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  bus.Publish(FailoverOf("A"));
  reader.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(std::holds_alternative<PoolEvent>(*got));
}

TEST(EventBus, CloseWakesABlockedWaitNextAndUnsubscribes) {
  FakeClock clock;
  EventBus bus(clock);
  std::shared_ptr<Subscription> sub = bus.Subscribe();
  EXPECT_EQ(bus.subscribers(), 1);
  std::atomic<bool> returned{false};
  std::optional<Delivery> got;
  const auto start = std::chrono::steady_clock::now();
  std::thread reader([&] {
    got = sub->WaitNext(absl::InfiniteDuration());
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(returned.load());
  sub->Close();
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_FALSE(got.has_value());
  EXPECT_TRUE(sub->closed());
  EXPECT_EQ(bus.subscribers(), 0);
  // Closed: nothing more, even when events are published.
  bus.Publish(FailoverOf("A"));
  bus.Flush();
  EXPECT_FALSE(sub->WaitNext(absl::ZeroDuration()).has_value());
  sub->Close();  // idempotent
}

TEST(EventBus, DroppingTheLastReferenceUnsubscribes) {
  FakeClock clock;
  EventBus bus(clock);
  std::shared_ptr<Subscription> a = bus.Subscribe();
  std::shared_ptr<Subscription> b = bus.Subscribe();
  EXPECT_EQ(bus.subscribers(), 2);
  std::shared_ptr<Subscription> copy = a;
  a.reset();
  EXPECT_EQ(bus.subscribers(), 2);
  copy.reset();
  EXPECT_EQ(bus.subscribers(), 1);
  b.reset();
  EXPECT_EQ(bus.subscribers(), 0);
  bus.Publish(FailoverOf("A"));  // no subscriber: fine
  bus.Flush();
}

TEST(EventBus, SubscriptionOutlivesTheBus) {
  FakeClock clock;
  auto bus = std::make_unique<EventBus>(clock);
  std::shared_ptr<Subscription> sub = bus->Subscribe();
  bus->Publish(FailoverOf("A"));
  std::optional<Delivery> got;
  std::thread reader([&] {
    // The first event, then a wait that the bus's destruction ends.
    got = sub->WaitNext(absl::Seconds(30));
    got = sub->WaitNext(absl::Seconds(30));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto start = std::chrono::steady_clock::now();
  bus.reset();
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_FALSE(got.has_value());
  EXPECT_TRUE(sub->closed());
  EXPECT_FALSE(sub->WaitNext(absl::ZeroDuration()).has_value());
  sub->Close();
}

// Several publisher threads and several subscribers reading on their own threads: each
// subscriber gets every event once, in sequence order, and each publisher's events in its order.
TEST(EventBus, ConcurrentPublishersAndSubscribers) {
  core::SystemClock clock;
  EventBusOptions options;
  options.queue_capacity = 1 << 16;
  EventBus bus(clock, options);
  constexpr int kPublishers = 4;
  constexpr int kPerPublisher = 5000;
  constexpr int kSubscribers = 6;
  constexpr int kTotal = kPublishers * kPerPublisher;

  std::vector<std::shared_ptr<Subscription>> subs;
  for (int i = 0; i < kSubscribers; ++i) {
    SubscribeOptions o;
    o.capacity = kTotal;
    subs.push_back(bus.Subscribe(o));
  }
  std::vector<int> received(kSubscribers, 0);
  std::vector<int> errors(kSubscribers, 0);
  std::vector<std::thread> readers;
  for (int s = 0; s < kSubscribers; ++s) {
    readers.emplace_back([&, s] {
      uint64_t last_sequence = 0;
      std::vector<int> last_of(kPublishers, -1);
      while (received[s] < kTotal) {
        std::optional<Delivery> next = subs[s]->WaitNext(absl::Seconds(30));
        if (!next || !std::holds_alternative<PoolEvent>(*next)) {
          ++errors[s];
          return;
        }
        const PoolEvent& event = std::get<PoolEvent>(*next);
        const Failover& f = std::get<Failover>(event.body);
        const int publisher = f.account[0] - 'a';
        if (event.sequence <= last_sequence || f.status <= last_of[publisher]) ++errors[s];
        last_sequence = event.sequence;
        last_of[publisher] = f.status;
        ++received[s];
      }
    });
  }
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      const std::string account(1, static_cast<char>('a' + p));
      for (int i = 0; i < kPerPublisher; ++i) bus.Publish(FailoverOf(account, i));
    });
  }
  for (std::thread& t : publishers) t.join();
  for (std::thread& t : readers) t.join();
  for (int s = 0; s < kSubscribers; ++s) {
    EXPECT_EQ(received[s], kTotal) << "subscriber " << s;
    EXPECT_EQ(errors[s], 0) << "subscriber " << s;
    EXPECT_EQ(subs[s]->dropped(), 0u);
  }
}

// Subscribing and closing while events flow is safe.
TEST(EventBus, SubscribeAndCloseWhilePublishing) {
  core::SystemClock clock;
  EventBus bus(clock);
  std::atomic<bool> stop{false};
  std::thread publisher([&] {
    int i = 0;
    while (!stop) bus.Publish(FailoverOf("A", i++));
  });
  for (int i = 0; i < 200; ++i) {
    std::shared_ptr<Subscription> sub = bus.Subscribe();
    sub->WaitNext(absl::Milliseconds(1));
    if (i % 2 == 0) sub->Close();
  }
  stop = true;
  publisher.join();
  bus.Flush();
  EXPECT_EQ(bus.subscribers(), 0);
}

TEST(EventBus, NamesAreStable) {
  EXPECT_EQ(EventKindName(EventKind::kRequestFinished), "request_finished");
  EXPECT_EQ(EventKindName(EventKind::kAccountStateChanged), "account_state_changed");
  EXPECT_EQ(EventKindName(EventKind::kDrainProgress), "drain_progress");
  EXPECT_EQ(HoldOutcomeName(HoldOutcome::kExpired), "deadline");
  EXPECT_EQ(HoldOutcomeName(HoldOutcome::kQueueFull), "queue_full");
  EXPECT_EQ(FailoverNextName(FailoverNext::kHold), "hold");
  RequestFinished finished;
  finished.account = "A";
  EXPECT_EQ(AccountOf(finished), "A");
  EXPECT_EQ(AccountOf(DrainProgress{}), "");
  EXPECT_EQ(KindOf(PoolEventBody{RefreshFinished{}}), EventKind::kRefresh);
}

}  // namespace
}  // namespace maxpool::pool
