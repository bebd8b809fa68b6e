// The pool's memory across restarts (pool_memory.h): taking it, and giving it back at start.

#include <utility>

#include "core/quota_freshness.h"
#include "core/quota_headers.h"
#include "credentials/redact.h"
#include "pool/pool.h"
#include "pool/pool_outbox.h"

namespace maxpool::pool {
namespace {

// The secret a dead mark is decided against: an OAuth account's refresh token, else what is sent.
std::string DeadMarkFingerprint(const Credential& credential) {
  return credentials::Fingerprint(credential.refresh_token.empty() ? credential.secret
                                                                   : credential.refresh_token);
}

// §12.1: a utilization without its reset time could never expire, so it is dropped; so are
// scoped entries without one. Windows already past their reset are cleared.
core::QuotaReading Sanitised(core::QuotaReading q, absl::Time now) {
  if (!q.unified_5h_reset) {
    q.unified_5h.reset();
    q.unified_5h_raw.reset();
  }
  if (!q.unified_7d_reset) {
    q.unified_7d.reset();
    q.unified_7d_raw.reset();
  }
  if (!q.provider_ses_reset) q.provider_ses.reset();
  if (!q.provider_wk_reset) q.provider_wk.reset();
  for (std::optional<core::ScopedWeekly>& entry : q.scoped_weekly) {
    if (entry && !entry->reset_at) entry.reset();
  }
  const core::ClearedWindows cleared = core::ClearExpiredWindows(q, now);
  (void)cleared;  // nothing to log: the reading was not live
  return q;
}

}  // namespace

bool Pool::TakeDeadMark(core::AccountId id, const AccountMemory& m) {
  core::Account* account = router_.FindAccount(id);
  const Credential* credential = CredentialOf(id);
  if (account == nullptr || credential == nullptr ||
      DeadMarkFingerprint(*credential) != m.credential_fingerprint) {
    return false;
  }
  core::AccountState& st = account->state;
  st.status = core::AccountStatus::kError;
  if (!credential->refresh_token.empty()) {
    st.refresh_dead = true;
    st.refresh.dead = true;
  }
  return true;
}

bool Pool::TakeBreaker(const BreakerMemory& m, absl::Time now, std::vector<PoolEventBody>& events) {
  const bool was_open = router_.breaker().open();
  if (!router_.mutable_breaker().Adopt(now, m.opened_at, m.until, m.reason)) return false;
  // As when this replica opens it: other accounts' benches for the same 429/529 are lifted.
  if (!was_open) states_.UpdateAll(router_, now, "breaker_opened", events);
  return true;
}

PoolMemory Pool::Memory() const {
  PoolMemory memory;
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_.Now();
  memory.saved_at = now;
  for (const core::Account& account : router_.accounts()) {
    const core::AccountState& st = account.state;
    AccountMemory m;
    m.name = account.settings.name;
    m.quota = st.quota;
    if (st.status == core::AccountStatus::kThrottled && st.rate_limited_until &&
        *st.rate_limited_until > now) {
      m.rate_limited_until = st.rate_limited_until;
    }
    if (st.cooldown_until && *st.cooldown_until > now) m.cooldown_until = st.cooldown_until;
    m.consecutive_failures = st.consecutive_failures;
    m.last_error = st.last_error;
    m.last_error_at = st.last_error_at;
    if (st.status == core::AccountStatus::kError) {
      const std::optional<core::AccountId> id = router_.IdOf(account.settings.name);
      const Credential* credential = id ? CredentialOf(*id) : nullptr;
      if (credential != nullptr) {
        m.dead = true;
        m.credential_fingerprint = DeadMarkFingerprint(*credential);
      }
    }
    memory.accounts.push_back(std::move(m));
  }
  for (const auto& [key, binding] : router_.sessions().bindings()) {
    if (router_.sessions().Idle(binding, now)) continue;
    memory.sessions.push_back(SessionMemory{key, binding.home, binding.home_priority,
                                            binding.current, binding.last_used});
  }
  const core::SharedBreaker& breaker = router_.breaker();
  if (breaker.open() && breaker.until() && *breaker.until() > now && breaker.last_opened_at()) {
    memory.breaker = BreakerMemory{*breaker.last_opened_at(), *breaker.until(), breaker.reason()};
  }
  return memory;
}

RestoreReport Pool::Restore(const PoolMemory& memory,
                            const absl::flat_hash_map<std::string, std::string>& name_of_uuid) {
  RestoreReport report;
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    for (const AccountMemory& m : memory.accounts) {
      std::string name = m.name;
      if (!m.uuid.empty()) {
        if (auto it = name_of_uuid.find(m.uuid); it != name_of_uuid.end()) name = it->second;
      }
      const std::optional<core::AccountId> id = router_.IdOf(name);
      core::Account* account = id ? router_.FindAccount(*id) : nullptr;
      if (account == nullptr) {
        ++report.unmatched;
        continue;
      }
      core::AccountState& st = account->state;
      st.quota = Sanitised(m.quota, now);
      if (m.rate_limited_until && *m.rate_limited_until > now) {
        st.status = core::AccountStatus::kThrottled;
        st.rate_limited_until = m.rate_limited_until;
      }
      if (m.cooldown_until && *m.cooldown_until > now) st.cooldown_until = m.cooldown_until;
      st.consecutive_failures = m.consecutive_failures;
      st.last_error = m.last_error;
      st.last_error_at = m.last_error_at;
      if (m.dead) {
        if (!TakeDeadMark(*id, m)) {
          ++report.dead_dropped;  // new credentials since: the account starts afresh
          st.consecutive_failures = 0;
          st.last_error.clear();
          st.last_error_at.reset();
        }
      }
      ++report.accounts;
      Track(*id, now, "restored", outbox.events());
    }
    for (const SessionMemory& s : memory.sessions) {
      if (router_.RestoreSession(s.key, s.home, s.home_priority, s.current, s.last_used)) {
        ++report.sessions;
      }
    }
    if (memory.breaker) report.breaker = TakeBreaker(*memory.breaker, now, outbox.events());
    outbox.Seal();
  }
  outbox.Flush();
  WakeWaiters();
  return report;
}

FleetMergeReport Pool::MergeFleetMemory(
    const PoolMemory& fleet, const absl::flat_hash_map<std::string, std::string>& name_of_uuid) {
  FleetMergeReport report;
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    for (const AccountMemory& m : fleet.accounts) {
      std::string name = m.name;
      if (!m.uuid.empty()) {
        if (auto it = name_of_uuid.find(m.uuid); it != name_of_uuid.end()) name = it->second;
      }
      const std::optional<core::AccountId> id = router_.IdOf(name);
      core::Account* account = id ? router_.FindAccount(*id) : nullptr;
      if (account == nullptr) continue;
      core::AccountState& st = account->state;
      bool took = false;
      const std::optional<absl::Time> theirs = core::QuotaReadAt(m.quota);
      const std::optional<absl::Time> ours = core::QuotaReadAt(st.quota);
      if (theirs && (!ours || *theirs > *ours)) {
        st.quota = Sanitised(m.quota, now);
        took = true;
      }
      if (m.rate_limited_until && *m.rate_limited_until > now &&
          (!st.rate_limited_until || *st.rate_limited_until < *m.rate_limited_until) &&
          st.status != core::AccountStatus::kError) {
        st.status = core::AccountStatus::kThrottled;
        st.rate_limited_until = m.rate_limited_until;
        took = true;
      }
      if (m.cooldown_until && *m.cooldown_until > now &&
          (!st.cooldown_until || *st.cooldown_until < *m.cooldown_until)) {
        st.cooldown_until = m.cooldown_until;
        took = true;
      }
      // A credential another replica found dead is dead here too (the same fingerprint): no
      // request of this replica is spent to learn it again.
      if (m.dead && st.status != core::AccountStatus::kError && TakeDeadMark(*id, m)) {
        st.last_error = m.last_error;
        st.last_error_at = m.last_error_at;
        ++report.dead;
        took = true;
      }
      if (took) {
        ++report.accounts;
        Track(*id, now, "fleet_memory", outbox.events());
      }
    }
    for (const SessionMemory& s : fleet.sessions) {
      if (router_.MergeSession(s.key, s.home, s.home_priority, s.current, s.last_used)) {
        ++report.sessions;
      }
    }
    if (fleet.breaker) report.breaker = TakeBreaker(*fleet.breaker, now, outbox.events());
    outbox.Seal();
  }
  outbox.Flush();
  if (report.accounts > 0 || report.breaker) WakeWaiters();
  return report;
}

}  // namespace maxpool::pool
