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
        const Credential* credential = CredentialOf(*id);
        if (credential != nullptr && DeadMarkFingerprint(*credential) == m.credential_fingerprint) {
          st.status = core::AccountStatus::kError;
          if (!credential->refresh_token.empty()) {
            st.refresh_dead = true;
            st.refresh.dead = true;
          }
        } else {
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
    outbox.Seal();
  }
  outbox.Flush();
  WakeWaiters();
  return report;
}

int Pool::MergeFleetMemory(const std::vector<AccountMemory>& accounts,
                           const absl::flat_hash_map<std::string, std::string>& name_of_uuid) {
  int changed = 0;
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    for (const AccountMemory& m : accounts) {
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
      if (took) {
        ++changed;
        Track(*id, now, "fleet_memory", outbox.events());
      }
    }
    outbox.Seal();
  }
  outbox.Flush();
  if (changed > 0) WakeWaiters();
  return changed;
}

}  // namespace maxpool::pool
