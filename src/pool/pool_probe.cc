// Usage probes of pool::Pool (spec §3.5, §12.2, §7.7): which accounts a sweep visits, and what a
// probe's answer does to its account. The HTTP exchange is the prober's (server::QuotaProber).

#include <string>
#include <utility>
#include <vector>

#include "core/quota_freshness.h"
#include "pool/pool.h"
#include "pool/pool_outbox.h"

namespace maxpool::pool {
namespace {

constexpr size_t kMaxProbeErrorChars = 160;
constexpr int kUnauthorizedProbesToLatch = 3;

bool Probeable(const core::Account& account, const Credential& credential) {
  if (credential.secret.empty()) return false;
  if (account.settings.type == core::AccountType::kOAuth) {
    return credential.kind == CredentialKind::kOAuthBearer && !account.state.refresh_dead;
  }
  return account.settings.is_provider() && account.settings.provider == core::Provider::kZai;
}

}  // namespace

std::vector<ProbeTarget> Pool::ProbeTargets(absl::Duration traffic_fresh_within) const {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_.Now();
  std::vector<ProbeTarget> out;
  for (const core::Account& account : router_.accounts()) {
    const std::optional<core::AccountId> id = router_.IdOf(account.settings.name);
    const Credential* credential = id ? CredentialOf(*id) : nullptr;
    if (credential == nullptr || !Probeable(account, *credential)) continue;
    if (core::QuotaFreshFromTraffic(account.state.quota, now, traffic_fresh_within)) continue;
    ProbeTarget target;
    target.name = account.settings.name;
    target.type = account.settings.type;
    target.provider = account.settings.provider;
    target.enabled = account.settings.enabled;
    target.credential = SendableOf(*credential);
    out.push_back(std::move(target));
  }
  return out;
}

void Pool::RecordProbeReading(std::string_view name, const core::UsageReport& report) {
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    const std::optional<core::AccountId> id = router_.IdOf(name);
    core::Account* account = id ? router_.FindAccount(*id) : nullptr;
    if (account == nullptr) {
      outbox.Seal();
      return;
    }
    core::AccountState& st = account->state;
    if (account->settings.is_provider()) {
      core::ApplyProviderUsage(st.quota, report, now);
    } else {
      core::ApplyOAuthUsage(st.quota, report, now);
    }
    st.probe.failures = 0;
    st.probe.unauthorized = 0;
    st.probe.last_error.clear();
    st.probe.last_status = 200;
    st.probe.last_attempt_at = now;
    Track(*id, now, "usage_probe", outbox.events());
    outbox.Seal();
  }
  outbox.Flush();
  WakeWaiters();
}

ProbeFailureCount Pool::RecordProbeFailure(std::string_view name, std::optional<int> status,
                                           std::string message) {
  ProbeFailureCount count;
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    const std::optional<core::AccountId> id = router_.IdOf(name);
    core::Account* account = id ? router_.FindAccount(*id) : nullptr;
    if (account == nullptr) {
      outbox.Seal();
      return count;
    }
    core::ProbeHealth& probe = account->state.probe;
    if (message.size() > kMaxProbeErrorChars) message.resize(kMaxProbeErrorChars);
    probe.last_error = std::move(message);
    probe.last_status = status;
    probe.last_attempt_at = now;
    ++probe.failures;
    probe.unauthorized = status == 401 ? probe.unauthorized + 1 : 0;
    count.failures = probe.failures;
    if (probe.unauthorized >= kUnauthorizedProbesToLatch && account->settings.enabled &&
        account->settings.type == core::AccountType::kOAuth && !account->state.refresh_dead) {
      router_.RefreshDead(name, 401);
      count.latched_dead = true;
      Track(*id, now, "usage_probe_unauthorized", outbox.events());
    }
    outbox.Seal();
  }
  outbox.Flush();
  if (count.latched_dead) WakeWaiters();
  return count;
}

}  // namespace maxpool::pool
