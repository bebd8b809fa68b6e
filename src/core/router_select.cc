// Selection and leasing (spec §2.5–2.7, §6.4, §6.6, §6.7).

#include <algorithm>

#include "core/quota_freshness.h"
#include "core/router.h"
#include "core/saturating.h"
#include "core/score.h"
#include "core/weekly.h"

namespace maxpool::core {
namespace {

constexpr int kWarmUpRequests = 5;
constexpr absl::Duration kWarmUpTime = absl::Minutes(5);

}  // namespace

double Router::ShareOf(Account& account, SelectionScratch& scratch, absl::Time now) {
  // Each account's weight in the spread window is read once per selection and kept in a reused
  // buffer.
  if (scratch.fleet_weight < 0) {
    recent_weights_.resize(accounts_.size());
    const absl::Time cutoff = now - settings_.spread_window;
    int64_t total = 0;
    for (size_t i = 0; i < accounts_.size(); ++i) {
      Account& a = accounts_[i];
      recent_weights_[i] = a.state.load.RecentWeight(now, cutoff) + a.state.fleet_recent_weight;
      if (a.settings.enabled && !a.settings.is_provider()) total += recent_weights_[i];
    }
    scratch.fleet_weight = static_cast<double>(total);
  }
  if (scratch.fleet_weight <= 0) return 0;
  const size_t index = static_cast<size_t>(&account - accounts_.data());
  return static_cast<double>(recent_weights_[index]) / scratch.fleet_weight;
}

double Router::ScoreOf(size_t index, const RequestInfo& request, SelectionScratch& scratch,
                       std::optional<double> critical_cost, std::optional<WeeklyTier> tier,
                       absl::Time now) {
  Account& account = accounts_[index];
  ScoreInputs inputs{now, ShareOf(account, scratch, now), critical_cost, tier};
  return Score(account, request, settings_, inputs).total();
}

std::pair<CriticalUnlock, double> Router::CriticalUnlockFor(size_t index,
                                                            const RequestInfo& request,
                                                            const RouteState& route,
                                                            SelectionScratch& scratch,
                                                            absl::Time now) {
  const Account& account = accounts_[index];
  const QuotaReading& q = account.state.quota;
  // 1. Pre-reset drain: the weekly window resets within the next hours and the reading is fresh.
  if (settings_.critical_pre_reset_hours > 0) {
    const absl::Duration horizon =
        ClampedMilliseconds(settings_.critical_pre_reset_hours * 3.6e6, absl::Hours(24 * 366));
    const std::optional<absl::Time> reset =
        account.settings.is_provider() ? q.provider_wk_reset : q.unified_7d_reset;
    const absl::Duration freshness = std::max(2 * settings_.quota_probe_interval, horizon);
    // Read by a probe or by the account's own traffic: the prober leaves a busy account alone.
    const std::optional<absl::Time> read = QuotaReadAt(q);
    const bool fresh = read && now - *read <= freshness;
    if (reset && *reset > now && *reset <= now + horizon && fresh) {
      const double frac = Clamp01(1 - SecondsRatio(*reset - now, horizon));
      const double floor = settings_.critical_drain_floor_cost;
      const double cost = floor + (-(settings_.reserve_floor_cost + 1) - floor) * frac;
      return {CriticalUnlock::kPreReset, cost};
    }
  }
  // 2. Pressure: no healthy or reserve route has headroom for this request.
  if (settings_.critical_pressure_unlock_routes >= 0) {
    if (!scratch.healthy_routes) {
      int routes = 0;
      for (size_t i = 0; i < accounts_.size(); ++i) {
        Account& other = accounts_[i];
        if (Excluded(route, i) || !Matches(other, request, route, now)) continue;
        if (!Available(other, {true, false, request.family}, now)) continue;
        const int target = RawWeeklyState(other, settings_) == WeeklyTier::kReserve
                               ? settings_.reserve_concurrency_target
                               : settings_.per_account_concurrency_target;
        if (other.state.active_weight + other.state.fleet_in_flight + 1 <= target) ++routes;
      }
      scratch.healthy_routes = routes;
    }
    if (*scratch.healthy_routes <= settings_.critical_pressure_unlock_routes) {
      return {CriticalUnlock::kPressure, settings_.critical_pressure_cost};
    }
  }
  // 3. Peak relief: a provider is in its peak, and the operator lets critical accounts take up
  // the work it would have done.
  if (settings_.critical_peak_unlock) {
    for (const Account& other : accounts_) {
      if (other.settings.enabled && PeakTierOf(other, now) >= 1) {
        return {CriticalUnlock::kPeak, settings_.critical_pressure_cost};
      }
    }
  }
  return {CriticalUnlock::kNone, 0};
}

std::optional<Router::Candidate> Router::ScoredPass(const RequestInfo& request,
                                                    const RouteState& route, bool allow_critical,
                                                    SelectionScratch& scratch, absl::Time now) {
  const size_t n = accounts_.size();
  std::optional<Candidate> best;
  for (size_t i = 0; i < n; ++i) {
    const size_t idx = (next_index_ + i) % n;
    Account& account = accounts_[idx];
    if (Excluded(route, idx) || !Matches(account, request, route, now)) continue;
    const std::optional<WeeklyTier> tier = EligibleTier(account, request.family, now);
    if (!tier) continue;
    CriticalUnlock unlock = CriticalUnlock::kNone;
    std::optional<double> critical_cost;
    if (*tier == WeeklyTier::kCritical && !allow_critical) {
      // Pass 1 admits a weekly-critical account only through a situational unlock (§2.6).
      auto [why, cost] = CriticalUnlockFor(idx, request, route, scratch, now);
      if (why == CriticalUnlock::kNone) continue;
      unlock = why;
      critical_cost = cost;
    }
    const double priority = EffectivePriority(account, now);
    const double score = ScoreOf(idx, request, scratch, critical_cost, *tier, now);
    if (!best || priority < best->priority || (priority == best->priority && score < best->score)) {
      best = Candidate{idx, priority, score, unlock};
    }
  }
  return best;
}

std::optional<size_t> Router::BoundAccount(const RequestInfo& request, const RouteState& route,
                                           absl::Time now) {
  SessionBinding* binding = sessions_.Find(request.session_key, now);
  if (binding == nullptr) return std::nullopt;
  auto eligible = [&](const std::string& name) -> std::optional<size_t> {
    for (size_t i = 0; i < accounts_.size(); ++i) {
      if (accounts_[i].settings.name != name) continue;
      if (Excluded(route, i) || !Matches(accounts_[i], request, route, now)) return std::nullopt;
      if (!Available(accounts_[i], {true, false, request.family}, now)) return std::nullopt;
      return i;
    }
    return std::nullopt;
  };
  if (auto home = eligible(binding->home)) return home;
  if (auto current = eligible(binding->current)) return current;
  if (!FindAccount(binding->home) && !FindAccount(binding->current)) {
    sessions_.Erase(request.session_key);
  }
  return std::nullopt;
}

bool Router::IsWarming(const Account& account, absl::Time now) const {
  if (!account.settings.added_at || account.settings.is_provider()) return false;
  return account.state.completed_requests < kWarmUpRequests &&
         now - *account.settings.added_at < kWarmUpTime;
}

static bool MigrationSafe(const Account& bound, const RequestInfo& request,
                          const SchedulerSettings& settings) {
  if (bound.settings.is_provider()) return true;
  return request.body_scanned &&
         (!request.requires_thinking_integrity || settings.cross_account_thinking_migration);
}

std::optional<size_t> Router::WarmUpTarget(size_t bound, const RequestInfo& request,
                                           const RouteState& route, SelectionScratch& scratch,
                                           absl::Time now) {
  Account& bound_account = accounts_[bound];
  if (IsWarming(bound_account, now)) return std::nullopt;
  if (!MigrationSafe(bound_account, request, settings_) || route.has_ticket || route.admitted) {
    return std::nullopt;
  }
  if (bound_account.state.load.RecentWeight(now, now - settings_.spread_window) <= 0) {
    return std::nullopt;
  }
  std::optional<size_t> best;
  double best_score = 0;
  for (size_t i = 0; i < accounts_.size(); ++i) {
    Account& a = accounts_[i];
    if (i == bound || !IsWarming(a, now) || Excluded(route, i) || PeakTierOf(a, now) > 0) {
      continue;
    }
    if (!Matches(a, request, route, now) || !Available(a, {false, false, request.family}, now)) {
      continue;
    }
    const double score = ScoreOf(i, request, scratch, std::nullopt, std::nullopt, now);
    if (!best || score < best_score) {
      best = i;
      best_score = score;
    }
  }
  return best;
}

bool Router::ShouldMoveBoundSession(size_t bound, const RequestInfo& request,
                                    const RouteState& route, SelectionScratch& scratch,
                                    absl::Time now) {
  Account& bound_account = accounts_[bound];
  // Priority preemption (§14 item 29): a strictly preferred account pulls the session back; a
  // provider in its peak is preferred less than every account outside it (§12.3).
  const double bound_priority = EffectivePriority(bound_account, now);
  for (size_t i = 0; i < accounts_.size(); ++i) {
    if (i == bound || Excluded(route, i)) continue;
    Account& a = accounts_[i];
    if (EffectivePriority(a, now) < bound_priority && Matches(a, request, route, now) &&
        Available(a, {true, false, request.family}, now)) {
      return true;
    }
  }
  // The rebalance test (§6.4).
  if (!MigrationSafe(bound_account, request, settings_)) return false;
  if (route.has_ticket || route.admitted) return false;
  const WeeklyTier bound_pace = PaceState(bound_account, settings_, now);
  const bool bound_in_peak = InPeak(bound_account, now);
  const bool hot = SessionUnavailable(bound_account, settings_) ||
                   TierRank(bound_pace) >= TierRank(WeeklyTier::kReserve) ||
                   SessionUsage(bound_account) >= settings_.weekly_soft_threshold || bound_in_peak;
  if (!hot) return false;
  std::optional<size_t> best;
  double best_score = 0;
  for (size_t i = 0; i < accounts_.size(); ++i) {
    Account& a = accounts_[i];
    if (i == bound || Excluded(route, i) || !Matches(a, request, route, now)) continue;
    if (!Available(a, {false, false, request.family}, now) || InPeak(a, now)) continue;
    if (a.settings.is_provider() && request.requires_thinking_integrity) continue;
    const double score = ScoreOf(i, request, scratch, std::nullopt, std::nullopt, now);
    if (!best || score < best_score) {
      best = i;
      best_score = score;
    }
  }
  if (!best) return false;
  if (TierRank(RawWeeklyState(bound_account, settings_)) >= TierRank(WeeklyTier::kReserve)) {
    return true;
  }
  if (SessionUsage(bound_account) >= settings_.weekly_reserve_threshold || bound_in_peak) {
    return true;
  }
  const double bound_score = ScoreOf(bound, request, scratch, std::nullopt, std::nullopt, now);
  const WeeklyTier best_pace = PaceState(accounts_[*best], settings_, now);
  return best_score <= 0.5 * bound_score && bound_score - best_score >= 0.5 &&
         TierRank(best_pace) < TierRank(bound_pace);
}

void Router::RecordSession(const RequestInfo& request, size_t chosen, absl::Time now) {
  if (request.session_key.empty()) return;
  const Account& account = accounts_[chosen];
  SessionBinding* binding = sessions_.Find(request.session_key, now);
  if (binding == nullptr) {
    sessions_.Bind(request.session_key, account.settings.name, account.settings.priority, now);
    return;
  }
  Account* home = FindAccount(binding->home);
  // A move forced by the home's peak hours keeps the home: the session returns after it (§12.3).
  const bool peak_forced = home != nullptr && InPeak(*home, now);
  if (account.settings.name != binding->home && !peak_forced) {
    if (account.settings.priority < binding->home_priority) {
      binding->home = account.settings.name;
      binding->home_priority = account.settings.priority;
    } else if (account.settings.priority == binding->home_priority) {
      // A move by choice (home still available) re-homes; a failover keeps home (§6.4).
      if (home != nullptr && Available(*home, {true, false, request.family}, now)) {
        binding->home = account.settings.name;
      }
    }
  }
  binding->current = account.settings.name;
  binding->last_used = now;
}

bool Router::RestoreSession(std::string_view key, std::string_view home, double home_priority,
                            std::string_view current, absl::Time last_used) {
  if (key.empty() || (FindAccount(home) == nullptr && FindAccount(current) == nullptr)) {
    return false;
  }
  const absl::Time now = clock_.Now();
  SessionBinding probe;
  probe.last_used = last_used;
  if (sessions_.Idle(probe, now)) return false;
  SessionBinding& binding = sessions_.Bind(key, home, home_priority, last_used);
  binding.current = std::string(current.empty() ? home : current);
  return true;
}

bool Router::MergeSession(std::string_view key, std::string_view home, double home_priority,
                          std::string_view current, absl::Time last_used) {
  const SessionBinding* held = sessions_.Peek(key);
  if (held != nullptr && held->last_used >= last_used) return false;
  return RestoreSession(key, home, home_priority, current, last_used);
}

Lease Router::Commit(size_t index, const RequestInfo& request, RouteState& route,
                     SelectionPath path, CriticalUnlock unlock, double score, absl::Time now) {
  Account& account = accounts_[index];
  Lease lease;
  lease.account = ids_[index];
  lease.account_name = account.settings.name;
  lease.id = ++last_lease_id_;
  lease.weight = std::max(1, request.weight);
  lease.started_at = now;
  lease.path = path;
  lease.unlock = unlock;
  lease.score = score;
  if (!request.session_key.empty()) {
    if (const SessionBinding* b = sessions_.Find(request.session_key, now);
        b != nullptr && b->current != account.settings.name) {
      lease.migrated_from = b->current;
    }
  }
  RecordSession(request, index, now);
  account.state.in_flight += 1;
  account.state.active_weight += lease.weight;
  account.state.last_used_at = now;
  ++global_in_flight_;
  if (!account.settings.is_provider()) lease.probe_generation = breaker_.TryClaimProbe(now);
  route.admitted = false;  // an admission bypasses the FIFO gate once
  return lease;
}

std::optional<Lease> Router::Acquire(const RequestInfo& request, RouteState& route) {
  const absl::Time now = clock_.Now();
  ClearExpiredQuotas();
  if (accounts_.empty()) return std::nullopt;
  SelectionScratch scratch;

  // 2. A retry pinned to the account that issued the thinking signatures.
  if (!route.pinned_account.empty()) {
    for (size_t i = 0; i < accounts_.size(); ++i) {
      Account& a = accounts_[i];
      if (a.settings.name != route.pinned_account) continue;
      if (!Excluded(route, i) && Matches(a, request, route, now) &&
          Available(a, {true, true, request.family}, now)) {
        return Commit(i, request, route, SelectionPath::kPinned, CriticalUnlock::kNone, 0, now);
      }
    }
  }

  // 3. Manual preference, with automatic failover when it cannot serve.
  if (policy_.preferred) {
    for (size_t i = 0; i < accounts_.size(); ++i) {
      Account& a = accounts_[i];
      if (a.settings.name != policy_.preferred_account) continue;
      if (!Excluded(route, i) && Matches(a, request, route, now) &&
          (Available(a, {true, false, request.family}, now) ||
           Available(a, {true, true, request.family}, now))) {
        return Commit(i, request, route, SelectionPath::kPreferred, CriticalUnlock::kNone, 0, now);
      }
    }
  }

  // 4. Session affinity.
  if (settings_.routing_mode == RoutingMode::kSticky && !request.session_key.empty()) {
    if (std::optional<size_t> bound = BoundAccount(request, route, now)) {
      if (std::optional<size_t> warm = WarmUpTarget(*bound, request, route, scratch, now)) {
        return Commit(*warm, request, route, SelectionPath::kWarmUp, CriticalUnlock::kNone, 0, now);
      }
      if (!ShouldMoveBoundSession(*bound, request, route, scratch, now)) {
        return Commit(*bound, request, route, SelectionPath::kSticky, CriticalUnlock::kNone, 0,
                      now);
      }
    }
  }

  // 5. Scored passes: pass 1 keeps weekly-critical accounts for situational unlocks only.
  std::optional<Candidate> winner = ScoredPass(request, route, false, scratch, now);
  if (!winner) winner = ScoredPass(request, route, true, scratch, now);
  if (winner) {
    next_index_ = (winner->index + 1) % accounts_.size();
    return Commit(winner->index, request, route, SelectionPath::kScored, winner->unlock,
                  winner->score, now);
  }

  // 6. A reset that already passed: revive that account (never a disabled or failed one).
  std::optional<size_t> soonest;
  absl::Time soonest_at = absl::InfiniteFuture();
  for (size_t i = 0; i < accounts_.size(); ++i) {
    Account& a = accounts_[i];
    const AccountState& st = a.state;
    if (!a.settings.enabled || st.status == AccountStatus::kError || st.refresh_dead) continue;
    if (Excluded(route, i) || !Matches(a, request, route, now)) continue;
    if (InFlightEverywhere(st) >= settings_.safety_max_active_per_account ||
        global_in_flight_ >= settings_.safety_max_global_active) {
      continue;
    }
    std::optional<absl::Time> at = st.rate_limited_until;
    if (!at) at = st.quota.unified_5h_reset;
    if (!at) at = st.quota.unified_7d_reset;
    if (!at) at = st.quota.resets_at;
    if (at && *at < soonest_at) {
      soonest = i;
      soonest_at = *at;
    }
  }
  if (soonest && soonest_at <= now) {
    AccountState& st = accounts_[*soonest].state;
    st.status = AccountStatus::kActive;
    st.rate_limited_until.reset();
    return Commit(*soonest, request, route, SelectionPath::kSoonestReset, CriticalUnlock::kNone, 0,
                  now);
  }
  return std::nullopt;
}

double Router::ScoreForTest(std::string_view name, const RequestInfo& request) {
  const absl::Time now = clock_.Now();
  ClearExpiredQuotas();
  SelectionScratch scratch;
  RouteState route;
  for (size_t i = 0; i < accounts_.size(); ++i) {
    if (accounts_[i].settings.name != name) continue;
    std::optional<double> critical_cost;
    if (RawWeeklyState(accounts_[i], settings_) == WeeklyTier::kCritical) {
      auto [why, cost] = CriticalUnlockFor(i, request, route, scratch, now);
      if (why != CriticalUnlock::kNone) critical_cost = cost;
    }
    return ScoreOf(i, request, scratch, critical_cost, std::nullopt, now);
  }
  return 0;
}

}  // namespace maxpool::core
