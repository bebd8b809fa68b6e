// What a response does to the account that served it: quota observation, release, and the
// failure effects, failover and hold decisions of spec §4.2–4.7.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/quota_headers.h"
#include "core/router.h"
#include "core/weekly.h"

namespace maxpool::core {
namespace {

constexpr absl::Duration kProvisionalBlockMax = absl::Seconds(30);
constexpr absl::Duration kAmbiguousIdle = absl::Seconds(30);

// §4.1 step 7: a probe answered with anything else closes the breaker.
// A refresh token refused for good: needs a new login (spec §7.3 non-retryable failure).
void MarkRefreshDead(AccountState& st, int status, absl::Time now) {
  st.status = AccountStatus::kError;
  st.refresh_dead = true;
  st.last_status = status != 0 ? status : 401;
  st.last_error = "token_refresh_failed";
  st.last_error_at = now;
  st.cooldown_until.reset();
}

bool IsCapacitySignal(int status) {
  return status == 429 || status == 403 || status == 408 || status >= 500;
}

}  // namespace

void Router::ObserveResponse(const Lease& lease, int status, const HeaderSource& headers) {
  Account* account = FindAccount(lease.account);
  if (account == nullptr) return;
  const absl::Time now = clock_.Now();
  ApplyResponseHeaders(account->state.quota, headers, now);
  if (status < 400) account->state.last_accepted_at = now;
  if (lease.probe_generation && !IsCapacitySignal(status)) {
    breaker_.OnProbeSucceeded(now, *lease.probe_generation);
  }
}

void Router::Release(const Lease& lease, const ReleaseOutcome& outcome) {
  const absl::Time now = clock_.Now();
  Account* account = FindAccount(lease.account);
  if (account != nullptr) {
    AccountState& st = account->state;
    st.in_flight = std::max(0, st.in_flight - 1);
    st.active_weight = std::max(0, st.active_weight - lease.weight);
  }
  global_in_flight_ = std::max(0, global_in_flight_ - 1);

  if (lease.probe_generation) {
    switch (outcome.kind) {
      case ReleaseKind::kSuccess:
        breaker_.OnProbeSucceeded(now, *lease.probe_generation);
        break;
      case ReleaseKind::kAbandoned:
        breaker_.RelinquishProbe(*lease.probe_generation);
        break;
      default:
        breaker_.OnProbeFailed(now, *lease.probe_generation);
        break;
    }
  }
  if (account == nullptr) return;
  AccountState& st = account->state;
  const absl::Duration took = std::max(absl::ZeroDuration(), now - lease.started_at);
  switch (outcome.kind) {
    case ReleaseKind::kSuccess:
      ++st.completed_requests;
      st.consecutive_failures = 0;
      st.last_status = outcome.status;
      st.last_response = took;
      st.provisional_upstream_until.reset();
      st.provisional_upstream_fingerprint.clear();
      if (!(st.status == AccountStatus::kThrottled && st.last_error == "rate_limited")) {
        st.last_error.clear();
        st.last_error_at.reset();
      }
      st.load.Add({now, took, lease.weight, true, outcome.status});
      st.last_success_at = now;
      break;
    case ReleaseKind::kFailure:
      ++st.failed_requests;
      ++st.consecutive_failures;
      st.last_status = outcome.status;
      st.last_response = took;
      st.load.Add({now, took, lease.weight, false, outcome.status});
      st.last_error = outcome.error.empty() ? absl::StrCat("HTTP ", outcome.status) : outcome.error;
      st.last_error_at = now;
      break;
    case ReleaseKind::kCountersOnly:
      st.load.Add({now, took, lease.weight, false, outcome.status});
      break;
    case ReleaseKind::kNeutral:
    case ReleaseKind::kModelRateLimited:
    case ReleaseKind::kAbandoned:
      break;
  }
}

void Router::Bench(Account& account, absl::Duration retry_after, int status, absl::Time now) {
  AccountState& st = account.state;
  st.status = AccountStatus::kThrottled;
  st.rate_limited_until = now + retry_after;
  st.last_status = status;
  st.last_error = "rate_limited";
  st.last_error_at = now;
}

void Router::ProvisionalBlock(Account& account, absl::Duration duration, std::string fingerprint,
                              absl::Time now) {
  AccountState& st = account.state;
  st.provisional_upstream_until = now + std::min(duration, kProvisionalBlockMax);
  st.provisional_upstream_fingerprint = std::move(fingerprint);
  st.last_error = "upstream_throttled";
  st.last_error_at = now;
}

void Router::ExponentialCooldown(Account& account, std::string_view reason, int status,
                                 absl::Time now) {
  AccountState& st = account.state;
  const int failures = st.consecutive_failures + 1;
  const absl::Duration cooldown =
      std::min(settings_.max_cooldown, settings_.cooldown * (1 << std::min(failures - 1, 5)));
  st.consecutive_failures = failures;
  ++st.failed_requests;
  st.last_status = status;
  st.last_error = std::string(reason);
  st.last_error_at = now;
  st.cooldown_until = now + cooldown;
}

void Router::NetworkCooldown(Account& account, std::string_view reason, absl::Time now) {
  // A blip must neither inflate the failure penalty nor prime a long bench (§14 item 25).
  AccountState& st = account.state;
  ++st.failed_requests;
  st.last_error = std::string(reason);
  st.last_error_at = now;
  st.cooldown_until = now + settings_.network_cooldown;
}

bool Router::ShouldPromote(const Incident& incident, const RequestInfo& request, absl::Time now) {
  (void)now;
  if (incident.accounts.size() < 2) return false;
  for (size_t i = 0; i < accounts_.size(); ++i) {
    const Account& a = accounts_[i];
    if (!a.settings.enabled || a.settings.is_provider() || !Compatible(a, request)) continue;
    const AccountState& st = a.state;
    if ((st.last_success_at && *st.last_success_at >= incident.first_at) ||
        (st.last_accepted_at && *st.last_accepted_at >= incident.first_at)) {
      return false;
    }
    if (incident.accounts.contains(ids_[i])) continue;
    const bool ineligible =
        st.status == AccountStatus::kExhausted || st.status == AccountStatus::kError ||
        SessionUnavailable(a, settings_) || RawWeeklyState(a, settings_) == WeeklyTier::kExhausted;
    if (!ineligible) return false;
  }
  return true;
}

FailureAction Router::AfterExclusion(const RequestInfo& request, const RouteState& route,
                                     const AttemptContext& attempt, HoldCause cause,
                                     FallbackReply reply, bool check_route) {
  FailureAction action;
  if (attempt.can_retry && attempt.hops_left && !attempt.bytes_sent &&
      (!check_route || HasAvailableRoute(request, route))) {
    action.failover = true;
    return action;
  }
  // A body too large for the retry buffer was streamed upstream, not kept: it cannot be
  // replayed after a hold either (spec §15 scenario 19, §13 item 3).
  if (attempt.can_retry) action.hold = cause;
  action.reply = reply;
  return action;
}

bool Router::PromoteAmbiguous429(const Lease& lease, const ResponseVerdict& verdict,
                                 absl::Time now) {
  // An unexplained 429: one account is a per-account limit; the same answer from a second
  // account within 30 s is Anthropic throttling everyone (§4.2, §14 item 35).
  for (auto it = ambiguous_429s_.begin(); it != ambiguous_429s_.end();) {
    if (now - it->second.last_at > kAmbiguousIdle) {
      ambiguous_429s_.erase(it++);
    } else {
      ++it;
    }
  }
  auto [entry_it, inserted] = ambiguous_429s_.try_emplace(verdict.fingerprint);
  AmbiguousEntry& entry = entry_it->second;
  if (inserted) entry.first_at = now;
  entry.last_at = now;
  entry.accounts.insert(lease.account);
  if (entry.accounts.size() < 2) return false;
  for (AccountId id : entry.accounts) {
    Account* other = FindAccount(id);
    if (other == nullptr) continue;
    AccountState& st = other->state;
    if (st.last_error == "rate_limited" &&
        st.provisional_rate_limit_fingerprint == verdict.fingerprint) {
      st.status = AccountStatus::kActive;
      st.rate_limited_until.reset();
      st.last_error.clear();
      st.last_error_at.reset();
      st.provisional_rate_limit_fingerprint.clear();
    }
  }
  ambiguous_429s_.erase(entry_it);
  breaker_.Open(now, verdict.retry_after, "matching_unexplained_429s");
  return true;
}

FailureAction Router::OnFailure(const Lease& lease, const RequestInfo& request, RouteState& route,
                                const ResponseVerdict& verdict, const AttemptContext& attempt) {
  const absl::Time now = clock_.Now();
  Account* account = FindAccount(lease.account);
  route.excluded.insert(lease.account);
  if (account == nullptr) {
    Release(lease, {ReleaseKind::kAbandoned, 0, ""});
    return AfterExclusion(request, route, attempt, HoldCause::kQuota, FallbackReply::kNoAccount429,
                          true);
  }
  const bool provider = account->settings.is_provider();
  const int status = attempt.status;
  switch (verdict.failure) {
    case FailureClass::kNone:
      Release(lease, {ReleaseKind::kSuccess, status, ""});
      return FailureAction{};

    case FailureClass::kModelRejected:
      // Unexplained (not `rejected`) model-scoped 429s are first checked for a fleet-wide
      // throttle; if not, only the model family is benched (§4.2).
      if (verdict.scope == ThrottleScope::kUnknown && PromoteAmbiguous429(lease, verdict, now)) {
        Release(lease, {ReleaseKind::kNeutral, status, ""});
        FailureAction action;
        action.hold = HoldCause::kUpstreamThrottle;
        action.reply = FallbackReply::kRelayUpstream;
        return action;
      }
      RecordModelScopedLimit(account->state.quota, verdict.model_scope, verdict.retry_after, now);
      Release(lease, {ReleaseKind::kModelRateLimited, status, ""});
      return AfterExclusion(request, route, attempt, HoldCause::kQuota,
                            FallbackReply::kNoAccount429, true);

    case FailureClass::kQuotaRejected:
      Bench(*account, verdict.retry_after, status, now);
      Release(lease, {ReleaseKind::kFailure, status, "rate_limited"});
      return AfterExclusion(request, route, attempt, HoldCause::kQuota,
                            FallbackReply::kNoAccount429, true);

    case FailureClass::kRateLimited: {
      if (provider || verdict.scope != ThrottleScope::kUnknown) {
        Bench(*account, verdict.retry_after, status, now);
        if (verdict.neutral) {
          account->state.last_error = "forbidden";  // provider 403: recoverable, no counters
          Release(lease, {ReleaseKind::kNeutral, status, ""});
        } else {
          Release(lease, {ReleaseKind::kFailure, status, "rate_limited"});
        }
        const bool provider_refused = provider && status == 403;  // §4.4: 502, never held
        FailureAction action = AfterExclusion(
            request, route, attempt, HoldCause::kQuota,
            provider_refused ? FallbackReply::kProviderAuth502 : FallbackReply::kNoAccount429,
            true);
        if (provider_refused) action.hold.reset();
        return action;
      }
      if (PromoteAmbiguous429(lease, verdict, now)) {
        Release(lease, {ReleaseKind::kNeutral, status, ""});
        FailureAction action;
        action.hold = HoldCause::kUpstreamThrottle;
        action.reply = FallbackReply::kRelayUpstream;
        return action;
      }
      Bench(*account, verdict.retry_after, status, now);
      account->state.provisional_rate_limit_fingerprint = verdict.fingerprint;
      Release(lease, {ReleaseKind::kFailure, status, "rate_limited"});
      return AfterExclusion(request, route, attempt, HoldCause::kQuota,
                            FallbackReply::kNoAccount429, true);
    }

    case FailureClass::kRequestRefused:
    case FailureClass::kOverloaded: {
      const bool overloaded = verdict.failure == FailureClass::kOverloaded;
      auto [incident_it, inserted] = route.incidents.try_emplace(verdict.fingerprint);
      Incident& incident = incident_it->second;
      if (inserted) {
        incident.first_at = now;
        incident.max_retry_after = verdict.retry_after;
      }
      incident.accounts.insert(lease.account);
      incident.max_retry_after = std::max(incident.max_retry_after, verdict.retry_after);
      ProvisionalBlock(*account, verdict.retry_after, verdict.fingerprint, now);
      Release(lease, {ReleaseKind::kNeutral, status, ""});
      FailureAction action = AfterExclusion(request, route, attempt, HoldCause::kCapacity,
                                            FallbackReply::kRelayUpstream, true);
      if (action.failover) return action;
      if (ShouldPromote(incident, request, now)) {
        for (AccountId id : incident.accounts) {
          if (Account* other = FindAccount(id); other != nullptr) {
            other->state.provisional_upstream_until.reset();
            other->state.provisional_upstream_fingerprint.clear();
            if (other->state.last_error == "upstream_throttled") other->state.last_error.clear();
          }
        }
        breaker_.Open(now, incident.max_retry_after,
                      overloaded ? "matching_request_wide_529s" : "explicit_upstream_429");
        action.hold = HoldCause::kUpstreamThrottle;
        action.reply = overloaded ? FallbackReply::kOverloaded529 : FallbackReply::kBreaker429;
      }
      return action;
    }

    case FailureClass::kUpstream5xx:
      ExponentialCooldown(*account, absl::StrCat("HTTP ", status), status, now);
      Release(lease, {ReleaseKind::kCountersOnly, status, ""});
      return AfterExclusion(request, route, attempt, HoldCause::kCapacity,
                            FallbackReply::kUpstreamStatus, false);

    case FailureClass::kNetwork:
      NetworkCooldown(*account,
                      attempt.transport_error.empty() ? "network" : attempt.transport_error, now);
      Release(lease, {ReleaseKind::kCountersOnly, status, ""});
      return AfterExclusion(request, route, attempt, HoldCause::kNetwork,
                            FallbackReply::kConnectionUnavailable, false);

    case FailureClass::kAuthExpired:
      if (!route.auth_retried.contains(lease.account)) {
        // Refresh the token and retry once on the same account (§13 item 7).
        route.auth_retried.insert(lease.account);
        route.excluded.erase(lease.account);
        Release(lease, {ReleaseKind::kAbandoned, status, ""});
        FailureAction action;
        action.refresh_and_retry = true;
        return action;
      }
      [[fallthrough]];  // still 401 with a fresh token: the credential is dead
    case FailureClass::kAuthDead: {
      AccountState& st = account->state;
      st.status = AccountStatus::kError;
      st.rate_limited_until.reset();
      st.cooldown_until.reset();
      st.provisional_upstream_until.reset();
      Release(lease, {ReleaseKind::kFailure, status, "auth_failed"});
      if (provider) {
        // §4.4: fail over, else 502 provider_auth_error; never held.
        FailureAction action = AfterExclusion(request, route, attempt, HoldCause::kProxy,
                                              FallbackReply::kProviderAuth502, true);
        action.hold.reset();
        return action;
      }
      return AfterExclusion(request, route, attempt, HoldCause::kQuota,
                            FallbackReply::kAuthentication401, true);
    }

    case FailureClass::kBanned: {
      // A 403 that refuses the account itself: benched like a provider 403 (§4.4), and the
      // request tries the others (§13 item 7).
      AccountState& st = account->state;
      st.cooldown_until = now + verdict.retry_after;
      Release(lease, {ReleaseKind::kFailure, status, "forbidden"});
      FailureAction action = AfterExclusion(request, route, attempt, HoldCause::kProxy,
                                            FallbackReply::kRelayUpstream, true);
      action.hold.reset();
      return action;
    }

    case FailureClass::kForbidden: {
      // A 403 about this request: the account is only excluded for it (§13 item 7); when every
      // account refuses, the last 403 is the answer.
      Release(lease, {ReleaseKind::kNeutral, status, ""});
      FailureAction action = AfterExclusion(request, route, attempt, HoldCause::kProxy,
                                            FallbackReply::kRelayUpstream, true);
      action.hold.reset();
      return action;
    }

    case FailureClass::kClientError:
      Release(lease, {ReleaseKind::kFailure, status, ""});
      return FailureAction{};

    case FailureClass::kLocalOverload:
      Release(lease, {ReleaseKind::kAbandoned, status, ""});
      return AfterExclusion(request, route, attempt, HoldCause::kCapacity,
                            FallbackReply::kNoAccount429, true);
  }
  return FailureAction{};
}

}  // namespace maxpool::core

namespace maxpool::core {

FailureAction Router::OnRefreshFailure(const Lease& lease, const RequestInfo& request,
                                       RouteState& route, RefreshFailure failure, int status,
                                       const AttemptContext& attempt) {
  const absl::Time now = clock_.Now();
  Account* account = FindAccount(lease.account);
  route.excluded.insert(lease.account);
  Release(lease, {ReleaseKind::kAbandoned, 0, ""});
  if (account == nullptr) {
    return AfterExclusion(request, route, attempt, HoldCause::kQuota, FallbackReply::kNoAccount429,
                          true);
  }
  AccountState& st = account->state;
  switch (failure) {
    case RefreshFailure::kNetworkBeforeSend:
    case RefreshFailure::kAmbiguousAfterSend:
      NetworkCooldown(*account, "token_refresh_network", now);
      return AfterExclusion(request, route, attempt, HoldCause::kNetwork,
                            FallbackReply::kConnectionUnavailable, false);
    case RefreshFailure::kRetryableStatus:
      ExponentialCooldown(*account, absl::StrCat("token_refresh_", status), status, now);
      return AfterExclusion(request, route, attempt, HoldCause::kCapacity,
                            FallbackReply::kNoAccount429, false);
    case RefreshFailure::kDead:
      MarkRefreshDead(st, status, now);
      return AfterExclusion(request, route, attempt, HoldCause::kQuota,
                            FallbackReply::kAuthentication401, true);
  }
  return AfterExclusion(request, route, attempt, HoldCause::kQuota, FallbackReply::kNoAccount429,
                        true);
}

void Router::RefreshDead(std::string_view name, int status) {
  Account* account = FindAccount(name);
  if (account == nullptr) return;
  MarkRefreshDead(account->state, status, clock_.Now());
}

void Router::CredentialsRenewed(std::string_view name) {
  Account* account = FindAccount(name);
  if (account == nullptr) return;
  AccountState& st = account->state;
  st.refresh_dead = false;
  if (st.status == AccountStatus::kError) st.status = AccountStatus::kActive;
  st.cooldown_until.reset();
  st.consecutive_failures = 0;
  st.last_error.clear();
  // The probe's 401s were about the old credential.
  st.probe.unauthorized = 0;
}

}  // namespace maxpool::core
