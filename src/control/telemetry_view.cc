#include "control/telemetry_view.h"

#include <type_traits>

#include "control/resource_name.h"
#include "control/time_proto.h"
#include "core/quota_freshness.h"
#include "core/quota_windows.h"
#include "core/weekly.h"

namespace maxpool::control {
namespace {

v1::QuotaWindowKind ToProto(core::QuotaWindowKind kind) {
  switch (kind) {
    case core::QuotaWindowKind::kFiveHour:
      return v1::QUOTA_WINDOW_KIND_FIVE_HOUR;
    case core::QuotaWindowKind::kSevenDay:
      return v1::QUOTA_WINDOW_KIND_SEVEN_DAY;
    case core::QuotaWindowKind::kTokens:
      return v1::QUOTA_WINDOW_KIND_TOKENS;
    case core::QuotaWindowKind::kRequests:
      return v1::QUOTA_WINDOW_KIND_REQUESTS;
    case core::QuotaWindowKind::kProviderSession:
      return v1::QUOTA_WINDOW_KIND_PROVIDER_SESSION;
    case core::QuotaWindowKind::kProviderWeek:
      return v1::QUOTA_WINDOW_KIND_PROVIDER_WEEK;
  }
  return v1::QUOTA_WINDOW_KIND_UNSPECIFIED;
}

void SetLoad(const core::LoadSummary& summary, v1::LoadWindow* out) {
  out->set_requests(summary.requests);
  out->set_failed(summary.failed);
  out->set_weight(summary.weight);
  if (summary.avg_ms)
    SetDuration(absl::Milliseconds(*summary.avg_ms), out->mutable_average_duration());
}

v1::WeeklyTier TierOf(core::WeeklyTier tier) {
  switch (tier) {
    case core::WeeklyTier::kNormal:
      return v1::WEEKLY_TIER_NORMAL;
    case core::WeeklyTier::kSoft:
      return v1::WEEKLY_TIER_SOFT;
    case core::WeeklyTier::kReserve:
      return v1::WEEKLY_TIER_RESERVE;
    case core::WeeklyTier::kCritical:
      return v1::WEEKLY_TIER_CRITICAL;
    case core::WeeklyTier::kExhausted:
    case core::WeeklyTier::kCapped:
      return v1::WEEKLY_TIER_EXHAUSTED;
    case core::WeeklyTier::kUnknown:
      break;
  }
  return v1::WEEKLY_TIER_UNSPECIFIED;
}

}  // namespace

v1::AccountState ToProto(pool::AccountState state) {
  switch (state) {
    case pool::AccountState::kActive:
      return v1::ACCOUNT_STATE_ACTIVE;
    case pool::AccountState::kThrottled:
      return v1::ACCOUNT_STATE_THROTTLED;
    case pool::AccountState::kCooling:
      return v1::ACCOUNT_STATE_COOLING;
    case pool::AccountState::kExhausted:
      return v1::ACCOUNT_STATE_EXHAUSTED;
    case pool::AccountState::kNeedsLogin:
      return v1::ACCOUNT_STATE_NEEDS_LOGIN;
    case pool::AccountState::kBanned:
      return v1::ACCOUNT_STATE_BANNED;
    case pool::AccountState::kDisabled:
      return v1::ACCOUNT_STATE_DISABLED;
    case pool::AccountState::kNone:
      break;
  }
  return v1::ACCOUNT_STATE_UNSPECIFIED;
}

v1::AccountType ToProto(core::AccountType type) {
  switch (type) {
    case core::AccountType::kOAuth:
      return v1::ACCOUNT_TYPE_OAUTH;
    case core::AccountType::kApiKey:
      return v1::ACCOUNT_TYPE_API_KEY;
    case core::AccountType::kProvider:
      return v1::ACCOUNT_TYPE_PROVIDER;
  }
  return v1::ACCOUNT_TYPE_UNSPECIFIED;
}

v1::AccountSnapshot SnapshotOf(const core::Account& account,
                               const core::SchedulerSettings& settings, absl::Time now) {
  v1::AccountSnapshot out;
  const core::AccountSettings& s = account.settings;
  const core::AccountState& st = account.state;
  out.set_account(AccountName(s.name));
  out.set_type(ToProto(s.type));
  const pool::AccountStateView state = pool::DescribeAccountState(account, settings, now);
  out.set_state(ToProto(state.state));
  if (state.until != absl::InfiniteFuture()) SetTimestamp(state.until, out.mutable_state_until());
  for (const core::QuotaWindow& w : core::QuotaWindowsOf(st.quota)) {
    v1::QuotaWindow* window = out.add_quota();
    window->set_kind(ToProto(w.kind));
    window->set_utilization(w.utilization);
    if (w.reset) SetTimestamp(*w.reset, window->mutable_reset_time());
    if (w.limit) window->set_limit(*w.limit);
    if (w.remaining) window->set_remaining(*w.remaining);
  }
  if (s.type == core::AccountType::kOAuth) {
    out.set_weekly_tier(TierOf(core::RawWeeklyState(account, settings)));
  }
  out.set_in_flight(st.in_flight);
  const core::LoadSummary last_15m = st.load.Summary(now, absl::Minutes(15));
  const core::LoadSummary last_1h = st.load.Summary(now, absl::Hours(1));
  SetLoad(last_15m, out.mutable_load_15m());
  SetLoad(last_1h, out.mutable_load_1h());
  SetLoad(core::Combined(last_15m, st.fleet_load_15m), out.mutable_fleet_load_15m());
  SetLoad(core::Combined(last_1h, st.fleet_load_1h), out.mutable_fleet_load_1h());
  out.set_last_error(st.last_error);
  out.set_credentials_unsaved(st.credentials_unsaved);
  if (const std::optional<absl::Time> read = core::QuotaReadAt(st.quota)) {
    SetTimestamp(*read, out.mutable_quota_read_time());
  }
  out.set_quota_stale(core::QuotaStale(st.quota, now, settings.quota_probe_interval));
  out.set_probe_error(st.probe.last_error);
  out.set_fleet_in_flight(core::InFlightEverywhere(st));
  if (st.last_error_at) SetTimestamp(*st.last_error_at, out.mutable_last_error_time());
  out.set_last_status(st.last_status);
  out.set_enabled(s.enabled);
  out.set_priority(s.priority);
  return out;
}

bool FromProto(v1::EventKind kind, pool::EventKind* out) {
  switch (kind) {
    case v1::EVENT_KIND_REQUEST_FINISHED:
      *out = pool::EventKind::kRequestFinished;
      return true;
    case v1::EVENT_KIND_FAILOVER:
      *out = pool::EventKind::kFailover;
      return true;
    case v1::EVENT_KIND_ACCOUNT_STATE_CHANGED:
      *out = pool::EventKind::kAccountStateChanged;
      return true;
    case v1::EVENT_KIND_REFRESH:
      *out = pool::EventKind::kRefresh;
      return true;
    case v1::EVENT_KIND_HOLD_STARTED:
      *out = pool::EventKind::kHoldStarted;
      return true;
    case v1::EVENT_KIND_HOLD_ENDED:
      *out = pool::EventKind::kHoldEnded;
      return true;
    case v1::EVENT_KIND_DRAIN_PROGRESS:
      *out = pool::EventKind::kDrainProgress;
      return true;
    default:
      return false;
  }
}

v1::Event EventOf(const pool::PoolEvent& event) {
  v1::Event out;
  out.set_sequence(event.sequence);
  SetTimestamp(event.at, out.mutable_time());
  std::visit(
      [&out](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, pool::RequestFinished>) {
          v1::RequestFinished* e = out.mutable_request_finished();
          if (!body.account.empty()) e->set_account(AccountName(body.account));
          e->set_method(body.method);
          e->set_path(body.target);
          e->set_status(body.status);
          SetDuration(body.duration, e->mutable_duration());
          e->set_attempts(body.attempts);
          e->set_held(body.held);
          e->set_truncated(body.truncated);
          e->set_client_gone(body.client_gone);
          if (body.input_tokens >= 0) e->set_input_tokens(body.input_tokens);
          if (body.output_tokens >= 0) e->set_output_tokens(body.output_tokens);
          if (body.upstream_ttfb >= absl::ZeroDuration()) {
            SetDuration(body.upstream_ttfb, e->mutable_upstream_ttfb());
          }
        } else if constexpr (std::is_same_v<T, pool::Failover>) {
          v1::Failover* e = out.mutable_failover();
          e->set_account(AccountName(body.account));
          e->set_failure_class(body.failure_class);
          e->set_status(body.status);
          e->set_next(std::string(pool::FailoverNextName(body.next)));
        } else if constexpr (std::is_same_v<T, pool::AccountStateChanged>) {
          v1::AccountStateChanged* e = out.mutable_account_state_changed();
          e->set_account(AccountName(body.account));
          e->set_previous(ToProto(body.previous));
          e->set_current(ToProto(body.current));
          e->set_reason(body.reason);
        } else if constexpr (std::is_same_v<T, pool::RefreshFinished>) {
          v1::RefreshFinished* e = out.mutable_refresh_finished();
          e->set_account(AccountName(body.account));
          e->set_ok(body.ok);
          e->set_error(body.error);
        } else if constexpr (std::is_same_v<T, pool::HoldStarted>) {
          v1::HoldStarted* e = out.mutable_hold_started();
          e->set_hold_id(body.hold_id);
          e->set_streaming(body.streaming);
          e->set_queue_depth(body.queue_depth);
        } else if constexpr (std::is_same_v<T, pool::HoldEnded>) {
          v1::HoldEnded* e = out.mutable_hold_ended();
          e->set_hold_id(body.hold_id);
          e->set_outcome(std::string(pool::HoldOutcomeName(body.outcome)));
          SetDuration(body.waited, e->mutable_waited());
        } else if constexpr (std::is_same_v<T, pool::DrainProgress>) {
          v1::DrainProgress* e = out.mutable_drain_progress();
          e->set_in_flight(body.in_flight);
          e->set_held(body.held);
          if (body.deadline != absl::InfiniteFuture()) {
            SetTimestamp(body.deadline, e->mutable_deadline_time());
          }
          e->set_done(body.done);
        }
      },
      event.body);
  return out;
}

}  // namespace maxpool::control
