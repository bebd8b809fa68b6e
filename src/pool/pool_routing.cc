// Pool: the routing policy and session views of the control plane (RoutingService).

#include <algorithm>

#include "pool/pool.h"
#include "pool/pool_outbox.h"

namespace maxpool::pool {

core::RoutingPolicy Pool::RoutingPolicy() const {
  absl::MutexLock lock(&mu_);
  return router_.policy();
}

core::SchedulerSettings Pool::SchedulerSettings() const {
  absl::MutexLock lock(&mu_);
  return router_.settings();
}

void Pool::UpdateSchedulerSettings(const std::function<void(core::SchedulerSettings&)>& change) {
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    core::SchedulerSettings settings = router_.settings();
    change(settings);
    router_.set_settings(std::move(settings));
    // Thresholds decide which accounts are benched or exhausted.
    states_.UpdateAll(router_, clock_.Now(), "settings_changed", outbox.events());
    outbox.Seal();
  }
  outbox.Flush();
  WakeWaiters();
}

bool Pool::BreakerOpen() const {
  absl::MutexLock lock(&mu_);
  return router_.breaker().open();
}

BreakerView Pool::Breaker() const {
  absl::MutexLock lock(&mu_);
  const core::SharedBreaker& breaker = router_.breaker();
  return BreakerView{breaker.open(), breaker.until(), breaker.probe_in_flight()};
}

std::vector<SessionView> Pool::Sessions() const {
  std::vector<SessionView> out;
  {
    absl::MutexLock lock(&mu_);
    const core::SessionTable& sessions = router_.sessions();
    const absl::Time now = clock_.Now();
    out.reserve(sessions.size());
    for (const auto& [key, binding] : sessions.bindings()) {
      // One idle past the limit is forgotten already, even before a sweep frees it.
      if (sessions.Idle(binding, now)) continue;
      out.push_back(SessionView{key, binding.home, binding.current});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const SessionView& a, const SessionView& b) { return a.session_id < b.session_id; });
  return out;
}

SessionTableCounts Pool::SessionCounts() const {
  absl::MutexLock lock(&mu_);
  const core::SessionTable& sessions = router_.sessions();
  return {sessions.size(), sessions.evictions().idle, sessions.evictions().capacity};
}

bool Pool::RefuseThreadedTurn(const core::RequestInfo& request, std::string_view account,
                              bool provider) {
  if (!options_.thread_gate) return false;
  return thread_gate_.Refuse(request.session_key, account, provider, request.thread);
}

}  // namespace maxpool::pool
