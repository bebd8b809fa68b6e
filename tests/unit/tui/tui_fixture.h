#pragma once

// A fixed pool snapshot for the TUI tests: five accounts (subscriptions active, throttled,
// disabled and needing login, and an API key) at a fixed time, with the breaker open and a held
// request.

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "maxpool/v1/telemetry.pb.h"

namespace maxpool::tui::testing {

inline absl::Time Noon() { return absl::FromUnixSeconds(1735732800); }  // 2025-01-01 12:00 UTC

inline void Stamp(absl::Time t, google::protobuf::Timestamp* out) {
  out->set_seconds(absl::ToUnixSeconds(t));
}

inline void Window(v1::AccountSnapshot* a, v1::QuotaWindowKind kind, double utilization,
                   absl::Duration reset_in) {
  v1::QuotaWindow* w = a->add_quota();
  w->set_kind(kind);
  w->set_utilization(utilization);
  Stamp(Noon() + reset_in, w->mutable_reset_time());
}

inline v1::PoolSnapshot FixedSnapshot() {
  v1::PoolSnapshot s;
  Stamp(Noon(), s.mutable_time());
  {
    v1::AccountSnapshot* a = s.add_accounts();
    a->set_account("accounts/alice");
    a->set_type(v1::ACCOUNT_TYPE_OAUTH);
    a->set_state(v1::ACCOUNT_STATE_ACTIVE);
    a->set_enabled(true);
    Window(a, v1::QUOTA_WINDOW_KIND_FIVE_HOUR, 0.42, absl::Hours(2) + absl::Minutes(13));
    Window(a, v1::QUOTA_WINDOW_KIND_SEVEN_DAY, 0.75, absl::Hours(76));
    a->set_weekly_tier(v1::WEEKLY_TIER_SOFT);
    Stamp(Noon() - absl::Seconds(4), a->mutable_quota_read_time());
    a->set_in_flight(2);
    a->mutable_load_15m()->set_requests(3);
    a->mutable_load_1h()->set_requests(12);
    a->mutable_load_1h()->set_failed(1);
  }
  {
    v1::AccountSnapshot* a = s.add_accounts();
    a->set_account("accounts/bob");
    a->set_type(v1::ACCOUNT_TYPE_OAUTH);
    a->set_state(v1::ACCOUNT_STATE_THROTTLED);
    Stamp(Noon() + absl::Seconds(125), a->mutable_state_until());
    a->set_enabled(true);
    Window(a, v1::QUOTA_WINDOW_KIND_FIVE_HOUR, 0.95, absl::Minutes(45));
    Window(a, v1::QUOTA_WINDOW_KIND_SEVEN_DAY, 0.5, absl::Hours(100));
    a->set_weekly_tier(v1::WEEKLY_TIER_RESERVE);
    // Read 6 minutes ago: stale.
    Stamp(Noon() - absl::Minutes(6), a->mutable_quota_read_time());
    a->set_quota_stale(true);
  }
  {
    v1::AccountSnapshot* a = s.add_accounts();
    a->set_account("accounts/key1");
    a->set_type(v1::ACCOUNT_TYPE_API_KEY);
    a->set_state(v1::ACCOUNT_STATE_ACTIVE);
    a->set_enabled(true);
    Window(a, v1::QUOTA_WINDOW_KIND_TOKENS, 0.1, absl::Seconds(30));
    Window(a, v1::QUOTA_WINDOW_KIND_REQUESTS, 0.02, absl::Seconds(30));
    a->mutable_load_15m()->set_requests(7);
    a->mutable_load_15m()->set_failed(2);
    a->mutable_load_1h()->set_requests(7);
  }
  {
    v1::AccountSnapshot* a = s.add_accounts();
    a->set_account("accounts/carol");
    a->set_type(v1::ACCOUNT_TYPE_OAUTH);
    a->set_state(v1::ACCOUNT_STATE_DISABLED);
    a->set_enabled(false);
  }
  {
    v1::AccountSnapshot* a = s.add_accounts();
    a->set_account("accounts/dave");
    a->set_type(v1::ACCOUNT_TYPE_OAUTH);
    a->set_state(v1::ACCOUNT_STATE_NEEDS_LOGIN);
    a->set_enabled(true);
  }
  s.set_in_flight(2);
  s.set_held(1);
  s.set_breaker_open(true);
  Stamp(Noon() + absl::Seconds(42), s.mutable_breaker_until());
  return s;
}

}  // namespace maxpool::tui::testing
