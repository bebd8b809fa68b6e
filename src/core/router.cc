// Accounts, policy, availability and route eligibility of core::Router (spec §1.3, §2.2, §6.1,
// §6.5, §6.7). Selection is in router_select.cc, failure handling in router_failure.cc and the
// retry oracle in router_oracle.cc.

#include "core/router.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/absl_view.h"
#include "core/quota_headers.h"
#include "core/weekly.h"

namespace maxpool::core {

Router::Router(const Clock& clock, SchedulerSettings settings) : clock_(clock) {
  set_settings(std::move(settings));
}

void Router::set_settings(SchedulerSettings settings) {
  settings_ = std::move(settings);
  sessions_.SetLimits(SessionLimits{
      .idle = settings_.session_idle,
      .max_bindings = static_cast<size_t>(std::max(1, settings_.max_session_bindings))});
}

AccountId Router::AddAccount(AccountSettings settings, bool added_while_running) {
  if (added_while_running) settings.added_at = clock_.Now();
  Account account;
  account.settings = std::move(settings);
  accounts_.push_back(std::move(account));
  ids_.push_back(next_id_);
  return next_id_++;
}

absl::Status Router::RemoveAccount(std::string_view name) {
  auto it = std::find_if(accounts_.begin(), accounts_.end(),
                         [&](const Account& a) { return a.settings.name == name; });
  if (it == accounts_.end())
    return absl::NotFoundError(absl::StrCat("no account named ", AbslView(name)));
  if (it->state.in_flight > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("account ", AbslView(name), " has ", it->state.in_flight,
                     " request(s) in flight; disable it and retry when idle"));
  }
  if (policy_.preferred && policy_.preferred_account == name) SetAutomatic();
  const size_t index = static_cast<size_t>(it - accounts_.begin());
  accounts_.erase(it);
  ids_.erase(ids_.begin() + static_cast<std::ptrdiff_t>(index));
  if (accounts_.empty()) {
    next_index_ = 0;
  } else {
    if (next_index_ > index) --next_index_;
    next_index_ %= accounts_.size();
  }
  return absl::OkStatus();
}

absl::Status Router::SetEnabled(std::string_view name, bool enabled) {
  Account* account = FindAccount(name);
  if (account == nullptr)
    return absl::NotFoundError(absl::StrCat("no account named ", AbslView(name)));
  account->settings.enabled = enabled;
  if (!enabled && policy_.preferred && policy_.preferred_account == name) SetAutomatic();
  return absl::OkStatus();
}

const Account* Router::FindAccount(std::string_view name) const {
  for (const Account& a : accounts_) {
    if (a.settings.name == name) return &a;
  }
  return nullptr;
}

Account* Router::FindAccount(std::string_view name) {
  return const_cast<Account*>(std::as_const(*this).FindAccount(name));
}

const Account* Router::FindAccount(AccountId id) const {
  const size_t index = IndexOf(id);
  return index < accounts_.size() ? &accounts_[index] : nullptr;
}

Account* Router::FindAccount(AccountId id) {
  return const_cast<Account*>(std::as_const(*this).FindAccount(id));
}

std::optional<AccountId> Router::IdOf(std::string_view name) const {
  for (size_t i = 0; i < accounts_.size(); ++i) {
    if (accounts_[i].settings.name == name) return ids_[i];
  }
  return std::nullopt;
}

size_t Router::IndexOf(AccountId id) const {
  // Ids are assigned in increasing order and never reordered, so the vector is sorted.
  auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it == ids_.end() || *it != id) return accounts_.size();
  return static_cast<size_t>(it - ids_.begin());
}

absl::Status Router::SetPreferred(std::string_view name) {
  const Account* account = FindAccount(name);
  absl::Status status;
  if (account == nullptr) {
    status = absl::NotFoundError(absl::StrCat("no account named ", AbslView(name)));
  } else if (!account->settings.enabled) {
    status =
        absl::FailedPreconditionError(absl::StrCat("account ", AbslView(name), " is disabled"));
  } else if (account->settings.is_provider()) {
    status = absl::InvalidArgumentError(
        absl::StrCat("account ", AbslView(name),
                     " is a provider account; only Claude accounts can be "
                     "preferred"));
  }
  if (!status.ok()) {
    SetAutomatic();
    return status;
  }
  policy_.preferred = true;
  policy_.preferred_account = std::string(name);
  return absl::OkStatus();
}

void Router::SetAutomatic() {
  policy_.preferred = false;
  policy_.preferred_account.clear();
}

void Router::ClearExpiredQuotas() {
  const absl::Time now = clock_.Now();
  for (Account& a : accounts_) {
    ClearExpiredWindows(a.state.quota, now);
    AccountState& st = a.state;
    // A lingering error clears once the account is healthy again (§3.6).
    if (!st.last_error.empty() && st.status == AccountStatus::kActive &&
        st.consecutive_failures == 0) {
      const bool cooling = st.cooldown_until && *st.cooldown_until > now;
      const bool provisional =
          st.provisional_upstream_until && *st.provisional_upstream_until > now;
      if (!cooling && !provisional) {
        st.last_error.clear();
        st.last_error_at.reset();
        if (st.cooldown_until) st.cooldown_until.reset();
        if (st.provisional_upstream_until) {
          st.provisional_upstream_until.reset();
          st.provisional_upstream_fingerprint.clear();
        }
      }
    }
  }
}

std::optional<WeeklyTier> Router::EligibleTier(Account& account, ModelFamily family,
                                               absl::Time now) {
  AccountState& st = account.state;
  if (!account.settings.enabled) return std::nullopt;
  if (st.status == AccountStatus::kThrottled && st.rate_limited_until) {
    if (now < *st.rate_limited_until) return std::nullopt;
    st.status = AccountStatus::kActive;
    st.rate_limited_until.reset();
    st.recovered_at = now;
    if (st.last_error == "rate_limited") {
      st.last_error.clear();
      st.last_error_at.reset();
      st.provisional_rate_limit_fingerprint.clear();
    }
  }
  if (st.cooldown_until) {
    if (now < *st.cooldown_until) return std::nullopt;
    st.cooldown_until.reset();
    st.recovered_at = now;
  }
  if (st.provisional_upstream_until) {
    if (now < *st.provisional_upstream_until) return std::nullopt;
    st.provisional_upstream_until.reset();
    st.provisional_upstream_fingerprint.clear();
    st.recovered_at = now;
    if (st.last_error == "upstream_throttled") {
      st.last_error.clear();
      st.last_error_at.reset();
    }
  }
  if (InFlightEverywhere(st) >= settings_.safety_max_active_per_account) return std::nullopt;
  if (global_in_flight_ >= settings_.safety_max_global_active) return std::nullopt;
  if (st.status == AccountStatus::kExhausted || st.status == AccountStatus::kError) {
    return std::nullopt;
  }
  if (SessionUnavailable(account, settings_)) return std::nullopt;
  if (const ProviderPeak* peak = PeakOf(account);
      peak != nullptr && PeakBarred(*peak, EvaluatePeak(*peak, now))) {
    return std::nullopt;
  }
  const WeeklyTier tier = RawWeeklyState(account, settings_);
  if (tier == WeeklyTier::kExhausted || tier == WeeklyTier::kCapped) return std::nullopt;
  if (ScopedWeeklyExhausted(st.quota, family, settings_.weekly_exhausted_threshold)) {
    return std::nullopt;
  }
  // Peak hard bars (§12.3) are not modelled: no provider is ever in a peak window.
  return tier;
}

bool Router::Available(Account& account, const AvailOpts& opts, absl::Time now) {
  const std::optional<WeeklyTier> tier = EligibleTier(account, opts.family, now);
  if (!tier) return false;
  if (*tier == WeeklyTier::kCritical) return opts.allow_critical;
  if (*tier == WeeklyTier::kReserve) return opts.allow_reserve;
  return true;
}

bool Router::Compatible(const Account& account, const RequestInfo& request) const {
  if (!account.settings.HasProfile(request.profile)) return false;
  if (request.has_image && account.settings.provider == Provider::kKimi) return false;
  if (!account.settings.is_provider()) return true;
  if (settings_.routing_mode != RoutingMode::kSticky) return true;
  std::optional<ClaudeFallback> per_provider = account.settings.provider == Provider::kZai
                                                   ? settings_.zai_claude_fallback
                                                   : settings_.kimi_claude_fallback;
  return per_provider.value_or(settings_.claude_fallback) != ClaudeFallback::kNever;
}

bool Router::Matches(const Account& account, const RequestInfo& request, const RouteState& route,
                     absl::Time now) const {
  if (admission_paused_) return false;
  if (!Compatible(account, request)) return false;
  if (account.settings.is_provider()) return true;
  if (queue_waiting_ > 0 && !route.has_ticket && !route.admitted) return false;
  return !breaker_.Blocking(now);
}

bool Router::Excluded(const RouteState& route, size_t index) const {
  return !route.excluded.empty() && route.excluded.contains(ids_[index]);
}

const ProviderPeak* Router::PeakOf(const Account& account) const {
  if (!account.settings.is_provider()) return nullptr;
  const std::optional<ProviderPeak>& peak =
      account.settings.provider == Provider::kZai ? settings_.zai_peak : settings_.kimi_peak;
  return peak ? &*peak : nullptr;
}

int Router::PeakTierOf(const Account& account, absl::Time now) const {
  const ProviderPeak* peak = PeakOf(account);
  if (peak == nullptr) return 0;
  return PeakTier(*peak, EvaluatePeak(*peak, now), account.state.quota.provider_wk);
}

bool Router::InPeak(const Account& account, absl::Time now) const {
  const ProviderPeak* peak = PeakOf(account);
  return peak != nullptr && EvaluatePeak(*peak, now).in_peak;
}

double Router::EffectivePriority(const Account& account, absl::Time now) const {
  return BasePriority(account) + kPeakTierWeight * PeakTierOf(account, now);
}

double Router::BasePriority(const Account& account) const {
  const bool provider = account.settings.is_provider();
  const double configured = account.settings.priority;
  switch (settings_.routing_mode) {
    case RoutingMode::kBalance:
      return 0;
    case RoutingMode::kPreferClaude:
      return provider ? configured : 0;
    case RoutingMode::kPreferZai:
      return account.settings.provider == Provider::kZai ? 0 : configured;
    case RoutingMode::kPreferKimi:
      return account.settings.provider == Provider::kKimi ? 0 : configured;
    case RoutingMode::kSticky: {
      if (!provider) return configured;
      std::optional<ClaudeFallback> per_provider = account.settings.provider == Provider::kZai
                                                       ? settings_.zai_claude_fallback
                                                       : settings_.kimi_claude_fallback;
      return per_provider.value_or(settings_.claude_fallback) == ClaudeFallback::kAlways
                 ? 0
                 : configured;
    }
  }
  return configured;
}

}  // namespace maxpool::core
