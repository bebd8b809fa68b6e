#pragma once

// The pool's own story in the server's logs (spec §11.2: routing, cooldowns, refreshes): a
// subscriber of the pool's EventBus that turns account state changes, failovers, failed OAuth
// refreshes and holds into one line each and hands them to `log` (the process log and the event
// log). Successful refreshes are reported by OAuthWiring, and finished requests by the activity
// log, so they are not repeated here. Lines carry no secret (events never do).
//
// Thread safety: construction and destruction from one thread; `log` is called on this object's
// own thread. The destructor unsubscribes and joins.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "pool/event_bus.h"
#include "pool/pool_event.h"

namespace maxpool::logging {

// The log line for an event, or nullopt for events this log leaves to others.
std::optional<std::string> DescribePoolEvent(const pool::PoolEventBody& event);

class PoolEventLog {
 public:
  using Log = std::function<void(const std::string& line)>;
  // Subscribes now and starts reading.
  PoolEventLog(pool::EventBus& bus, Log log);
  ~PoolEventLog();
  PoolEventLog(const PoolEventLog&) = delete;
  PoolEventLog& operator=(const PoolEventLog&) = delete;

 private:
  void Run();

  const Log log_;
  std::shared_ptr<pool::Subscription> subscription_;
  std::thread thread_;
};

}  // namespace maxpool::logging
