#pragma once

// One pooled account as the routing core sees it (spec §1.2): its settings from config and its
// live state (status, blocks, load, quota). Plain data; the owner (core::Router, itself owned by
// the live pool) serialises access. Credentials are not here: the core never needs them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "core/quota.h"
#include "core/refresh_failure.h"
#include "core/rolling_load.h"

namespace maxpool::core {

enum class AccountType { kOAuth, kApiKey, kProvider };
enum class Provider { kAnthropic, kZai, kKimi };

// The reference's `status`. kExhausted is honoured everywhere but weekly exhaustion is derived
// from quota (spec §2.4).
enum class AccountStatus { kActive, kThrottled, kError, kExhausted };

struct AccountSettings {
  std::string name;
  AccountType type = AccountType::kOAuth;
  Provider provider = Provider::kAnthropic;
  double priority = 0;                    // lower is preferred
  std::optional<double> cap_utilization;  // owner reservation, in (0, 1)
  std::vector<std::string> profiles = {"claude", "all"};
  bool enabled = true;
  std::optional<absl::Time> added_at;  // set only for accounts added while running (§6.6)

  bool is_provider() const { return type == AccountType::kProvider; }
  bool HasProfile(std::string_view profile) const {
    for (const std::string& p : profiles) {
      if (p == profile) return true;
    }
    return false;
  }
};

// Whether, and when, an OAuth account's refresh token may be sent to the token endpoint again
// (spec §7.3). The token refresher asks before every refresh and reports every outcome
// (Router::RefreshGate, RecordRefreshFailure); new refresh tokens clear it all
// (RefreshTokenRenewed). Routing does not read it: `refresh_dead` below is what routing and
// status show, and the refresh outcome sets that too.
struct RefreshHealth {
  bool dead = false;            // refresh token refused for good: never sent again
  bool spent = false;           // a refresh with this token may have reached the server
  bool spent_reported = false;  // its expiry with a spent refresh token was reported
  int failures = 0;             // consecutive retryable-status failures (backoff exponent)
  std::optional<absl::Time> cooldown_until;  // no refresh before this
  // The latest failure, answered to requests while the refresh is latched.
  std::optional<RefreshFailure> last_failure;
  std::optional<int> last_status;
  std::string last_reason;
};

// The answer to "may this refresh token be sent now?" (Router::RefreshGate). When not allowed and
// the access token is no longer usable, `failure`, `status` and `reason` are what requests get.
struct RefreshPermit {
  bool allowed = true;
  bool newly_dead = false;  // this call latched a spent token dead: report it once
  std::optional<RefreshFailure> failure;
  std::optional<int> status;
  std::string reason;
};

// How the account's usage probes have gone (spec §12.2, §7.7). A failed probe never touches the
// quota reading; it is counted and shown here.
struct ProbeHealth {
  int failures = 0;      // consecutive failed probes
  int unauthorized = 0;  // consecutive probes answered 401 (three latch refresh_dead)
  std::string last_error;  // "HTTP 429: …", "probe timed out", … (<= 160 chars); "" after a success
  std::optional<int> last_status;
  std::optional<absl::Time> last_attempt_at;
};

struct AccountState {
  AccountStatus status = AccountStatus::kActive;
  std::optional<absl::Time> rate_limited_until;
  std::optional<absl::Time> cooldown_until;
  std::optional<absl::Time> provisional_upstream_until;
  std::string provisional_upstream_fingerprint;
  std::string provisional_rate_limit_fingerprint;
  std::optional<absl::Time> recovered_at;
  bool refresh_dead = false;
  RefreshHealth refresh;
  // Why the account's latest OAuth tokens are not saved yet (in memory only: a restart would lose
  // them); empty when they are. Display only: the account serves as usual.
  std::string credentials_unsaved;

  int in_flight = 0;
  int active_weight = 0;
  // Cluster mode (docs/cluster.md): the requests other replicas have in flight on this account,
  // as the shared leases say, or what they are assumed to hold while the shared store is out of
  // reach. The caps and the score count them with this replica's own.
  int fleet_in_flight = 0;
  // Cluster mode: the other replicas' request weight on this account in the spread window
  // (scheduler.spreadWindowMs), as they last published it; the spread term counts it with this
  // replica's own.
  int64_t fleet_recent_weight = 0;
  // Cluster mode: the requests the other replicas finished on this account in the last 15
  // minutes and hour, as they last published them (views: the fleet's load per account).
  LoadSummary fleet_load_15m;
  LoadSummary fleet_load_1h;
  int64_t completed_requests = 0;
  int64_t failed_requests = 0;
  int consecutive_failures = 0;
  int last_status = 0;
  std::optional<absl::Duration> last_response;
  std::string last_error;  // a FailureClass name or a reason such as "rate_limited"
  std::optional<absl::Time> last_error_at;
  std::optional<absl::Time> last_success_at;
  std::optional<absl::Time> last_accepted_at;
  std::optional<absl::Time> last_used_at;

  QuotaReading quota;
  ProbeHealth probe;
  RollingLoad load;
};

struct Account {
  AccountSettings settings;
  AccountState state;
};

// The requests in flight on an account across every replica (this one's and the fleet's).
inline int InFlightEverywhere(const AccountState& st) { return st.in_flight + st.fleet_in_flight; }

}  // namespace maxpool::core
