#pragma once

// core::Router decides where every request goes (spec §2, §4, §6). It owns the routing state of
// the pool: the accounts with their quota and load, the session bindings, the shared breaker, the
// routing policy and the rotation index. Every decision is a pure function of that state, the
// request and the injected clock: no I/O, no threads.
//
// Thread safety: none. The live pool (src/pool) owns one Router under its lock; one Acquire() or
// Release() is atomic with respect to the others because the caller holds that lock.
//
// The life of one request: Acquire() -> (send upstream) -> ObserveResponse() -> on success
// Release(kSuccess); on failure OnFailure(), which applies the account effects, releases the lease
// and says whether to fail over, hold or answer. NextRetry() tells when capacity returns.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/account.h"
#include "core/clock.h"
#include "core/header_source.h"
#include "core/refresh_failure.h"
#include "core/request_info.h"
#include "core/response_classifier.h"
#include "core/retry_plan.h"
#include "core/session_table.h"
#include "core/settings.h"
#include "core/shared_breaker.h"
#include "core/weekly.h"

namespace maxpool::core {

using AccountId = uint32_t;

// routing.mode / routing.preferredAccount (spec §6.7).
struct RoutingPolicy {
  bool preferred = false;
  std::string preferred_account;
};

// Why a weekly-critical account was admitted in pass 1 (§2.6).
enum class CriticalUnlock { kNone, kPreReset, kPressure, kPeak };

// Which step of §2.7 chose the account.
enum class SelectionPath { kPinned, kPreferred, kWarmUp, kSticky, kScored, kSoonestReset };

// A request's fleet-wide 429/529 incident (§4.2): the accounts that answered it the same way.
struct Incident {
  absl::flat_hash_set<AccountId> accounts;
  absl::Time first_at;
  absl::Duration max_retry_after;
};

// Routing state of one client request, carried across its hops.
struct RouteState {
  absl::flat_hash_set<AccountId> excluded;
  bool has_ticket = false;  // holds a queue ticket
  bool admitted = false;    // admitted from the queue; bypasses the FIFO gate once
  std::string pinned_account;
  absl::flat_hash_map<std::string, Incident> incidents;  // by fingerprint
  absl::flat_hash_set<AccountId> auth_retried;           // accounts refreshed after a 401
};

struct Lease {
  uint64_t id = 0;  // unique among this router's leases
  AccountId account = 0;
  std::string account_name;
  int weight = 1;
  absl::Time started_at;
  std::optional<int> probe_generation;  // set when this request is the breaker's probe
  std::string migrated_from;            // the session's previous account, if it moved
  SelectionPath path = SelectionPath::kScored;
  CriticalUnlock unlock = CriticalUnlock::kNone;
  double score = 0;
};

enum class ReleaseKind {
  kSuccess,
  kFailure,
  kNeutral,           // fleet-wide throttles, provider 403: no counters, no load event
  kModelRateLimited,  // model-scoped 429: the account is fine for other models
  kCountersOnly,      // the failure was already accounted for (cooldowns): only in-flight
  kAbandoned,         // never reached the upstream (client left, refresh failed): no penalty,
                      // and a breaker probe it carried is handed back unused
};

struct ReleaseOutcome {
  ReleaseKind kind = ReleaseKind::kSuccess;
  int status = 0;
  std::string error;  // recorded as last_error for failures
};

// Why a request is held (spec §5.1).
enum class HoldCause { kQuota, kCapacity, kUpstreamThrottle, kNetwork, kProxy };

// The answer the client gets when a failure can neither fail over nor be held.
enum class FallbackReply {
  kRelayUpstream,          // pass the upstream status, headers and body through
  kNoAccount429,           // 429 rate_limit_error naming the accounts and the soonest reset
  kBreaker429,             // 429: Anthropic is limiting requests; maxpool retries automatically
  kOverloaded529,          // 529 overloaded_error
  kUpstreamStatus,         // upstream status with overloaded_error "Upstream returned <status>"
  kConnectionUnavailable,  // 503 connection_unavailable
  kProviderAuth502,        // 502 provider_auth_error
  kAuthentication401,      // 401 authentication_error naming the account
};

// What to do after a failed attempt.
struct FailureAction {
  bool refresh_and_retry = false;  // 401 on OAuth: refresh the token, retry the same account once
  bool failover = false;           // try another account now
  std::optional<HoldCause> hold;   // otherwise try to hold with this cause
  FallbackReply reply = FallbackReply::kRelayUpstream;  // when neither happens
};

// What the exchange knows about the attempt when it fails.
struct AttemptContext {
  int status = 0;               // upstream HTTP status; 0 for transport errors
  std::string transport_error;  // e.g. "ECONNRESET", "ttfb_timeout"; empty for HTTP answers
  bool can_retry = true;        // the body fits the retry buffer
  bool hops_left = true;        // fewer than max attempts so far
  bool bytes_sent = false;      // something already reached the client
};

class Router {
 public:
  Router(const Clock& clock, SchedulerSettings settings);

  // --- Accounts -----------------------------------------------------------------------------
  // Adds an account at the end of the rotation. `added_while_running` stamps added_at (warm-up,
  // §6.6). REQUIRES: the name is unique.
  AccountId AddAccount(AccountSettings settings, bool added_while_running = false);
  // Removes an idle account. FAILED_PRECONDITION while it has requests in flight, NOT_FOUND when
  // unknown. A manual preference for it reverts to automatic.
  absl::Status RemoveAccount(std::string_view name);
  // Enables or disables; disabling the preferred account reverts routing to automatic (§1.3).
  absl::Status SetEnabled(std::string_view name, bool enabled);
  // Hot-sync (router_settings.cc): applies `change` to a copy of the account's settings and
  // installs it. A rename needs a non-empty unused name (INVALID_ARGUMENT / ALREADY_EXISTS, nothing
  // changed); a manual preference follows a rename, and reverts to automatic when the account is
  // disabled or becomes a provider. NOT_FOUND when unknown. In-flight leases are unaffected.
  absl::Status UpdateAccountSettings(std::string_view name,
                                     const std::function<void(AccountSettings&)>& change);

  Account* FindAccount(std::string_view name);
  const Account* FindAccount(std::string_view name) const;
  Account* FindAccount(AccountId id);
  const Account* FindAccount(AccountId id) const;
  std::optional<AccountId> IdOf(std::string_view name) const;
  const std::vector<Account>& accounts() const { return accounts_; }
  std::vector<Account>& mutable_accounts() { return accounts_; }

  // --- Policy -------------------------------------------------------------------------------
  // Manual preference (§6.7): only an existing, enabled, non-provider account; otherwise routing
  // becomes automatic and INVALID_ARGUMENT / NOT_FOUND / FAILED_PRECONDITION says why.
  absl::Status SetPreferred(std::string_view name);
  void SetAutomatic();
  const RoutingPolicy& policy() const { return policy_; }
  const SchedulerSettings& settings() const { return settings_; }
  // Installs new settings; the session table takes its limits from them.
  void set_settings(SchedulerSettings settings);

  // The hold queue (src/pool) reports how many requests wait; while any do, newcomers do not
  // match Claude accounts (FIFO fairness, §5.5).
  void SetQueueWaiting(int waiting) { queue_waiting_ = waiting; }
  // A pending restart pauses admission: nothing matches (§9.3).
  void SetAdmissionPaused(bool paused) { admission_paused_ = paused; }

  // --- Decisions ----------------------------------------------------------------------------
  // Selects and leases an account (§2.7), or nullopt when none can serve now (ask NextRetry()).
  std::optional<Lease> Acquire(const RequestInfo& request, RouteState& route);

  // Feeds response headers to the account's quota reading (§3.1) and, for the breaker's probe,
  // closes the breaker on a status that is not a capacity signal (§4.1 step 7).
  void ObserveResponse(const Lease& lease, int status, const HeaderSource& headers);

  // Ends a lease (§2.7 release).
  void Release(const Lease& lease, const ReleaseOutcome& outcome);

  // Applies the account effects of a failed attempt (§4.2–4.5, §4.7), releases the lease,
  // excludes the account for this request, and says what to do next.
  FailureAction OnFailure(const Lease& lease, const RequestInfo& request, RouteState& route,
                          const ResponseVerdict& verdict, const AttemptContext& attempt);

  // A token refresh before an attempt failed (spec §7.3): a network error before the request was
  // sent cools the account for the network cooldown without counting a failure; a 429/5xx from
  // the token endpoint backs off exponentially; a rejected refresh token (invalid_grant and other
  // 4xx) latches refresh_dead and marks the account kError (needs login; other accounts carry
  // on). Releases the lease (it never reached the upstream), excludes the account for this
  // request, and says what to do next, as OnFailure() does.
  FailureAction OnRefreshFailure(const Lease& lease, const RequestInfo& request, RouteState& route,
                                 RefreshFailure failure, int status, const AttemptContext& attempt);

  // New credentials for an account (login, import, hot-sync): clears refresh_dead and a kError
  // status, so the account routes again (spec §7.6).
  void CredentialsRenewed(std::string_view name);
  // The refresh token was refused for good (invalid_grant, or spent by a refresh whose answer was
  // lost): the account needs a new login, at once, whether or not its access token still works.
  // `status` is the token endpoint's (0: none).
  void RefreshDead(std::string_view name, int status);

  // --- Refresh-token health (router_refresh.cc; AccountState::refresh) ------------------------
  // Whether the refresher may send `name`'s refresh token now (RefreshPermit). A spent token
  // meeting an access token that is no longer usable (`access_usable` false) latches dead.
  // Unknown accounts may always refresh.
  RefreshPermit RefreshGate(std::string_view name, bool access_usable);
  bool RefreshTokenDead(std::string_view name) const;
  // A refresh of `name` failed: a dead token latches, an ambiguous one is spent and cools down
  // for kRefreshNetworkCooldown like a network error, a retryable status backs off 2^n s up to
  // `max_backoff`.
  void RecordRefreshFailure(std::string_view name, RefreshFailure failure,
                            std::optional<int> status, std::string reason,
                            absl::Duration max_backoff);
  // A refresh of `name` succeeded: backoff, cooldown and spent cleared.
  void RecordRefreshSuccess(std::string_view name);
  // `name` has a new refresh token: every refresh latch is cleared.
  void RefreshTokenRenewed(std::string_view name);

  // The retry oracle (§2.8).
  RetryPlan NextRetry(const RequestInfo& request, const RouteState& route);

  // Why each enabled Claude account cannot serve `request` now, for honest error messages.
  UnavailabilityCensus Census(const RequestInfo& request);

  // Any non-excluded matching account available with critical allowed (§4.1).
  bool HasAvailableRoute(const RequestInfo& request, const RouteState& route);

  // Clears quota windows whose reset has passed, and stale errors (§3.6). Acquire() does this.
  void ClearExpiredQuotas();

  // --- State for telemetry and tests --------------------------------------------------------
  const SharedBreaker& breaker() const { return breaker_; }
  SharedBreaker& mutable_breaker() { return breaker_; }
  const SessionTable& sessions() const { return sessions_; }
  // Puts back a remembered session binding (the pool's memory, at start). Not when it has been
  // idle past the limit, or when neither of its accounts exists; returns whether it was.
  bool RestoreSession(std::string_view key, std::string_view home, double home_priority,
                      std::string_view current, absl::Time last_used);
  // Takes another replica's binding of `key` (cluster mode) when it was used later than the one
  // held here, if any, under the same conditions as RestoreSession(); returns whether it did.
  bool MergeSession(std::string_view key, std::string_view home, double home_priority,
                    std::string_view current, absl::Time last_used);
  int global_in_flight() const { return global_in_flight_; }
  // Score of `account` for `request` now, as selection would compute it (no side effects on
  // routing; may clear expired blocks like availability does).
  double ScoreForTest(std::string_view account, const RequestInfo& request);

 public:
  // One account's answer to "when can you serve?" (§2.8 per-account retry info).
  struct AccountRetry {
    RetryCause cause = RetryCause::kUnavailable;
    std::optional<absl::Time> at;
    bool queueable = false;
    bool terminal = false;
    bool critical = false;
  };

 private:
  struct AvailOpts {
    bool allow_reserve = true;
    bool allow_critical = false;
    ModelFamily family = ModelFamily::kNone;
  };
  struct Candidate {
    size_t index;
    double priority;
    double score;
    CriticalUnlock unlock;
  };
  // Per-selection memo (§2.6 pressure count, §2.5 fleet weight).
  struct SelectionScratch {
    double fleet_weight = -1;
    std::optional<int> healthy_routes;
  };

  // §2.2 availability. Clears expired blocks as it goes (part of the contract).
  bool Available(Account& account, const AvailOpts& opts, absl::Time now);
  // Every availability rule except the reserve/critical gate; the raw weekly tier when the
  // account passes them (never exhausted or capped), else nullopt.
  std::optional<WeeklyTier> EligibleTier(Account& account, ModelFamily family, absl::Time now);
  AccountRetry RetryInfoFor(Account& account, const RequestInfo& request, absl::Time now);
  bool Compatible(const Account& account, const RequestInfo& request) const;
  bool Matches(const Account& account, const RequestInfo& request, const RouteState& route,
               absl::Time now) const;
  bool Excluded(const RouteState& route, size_t index) const;
  double BasePriority(const Account& account) const;
  // The provider's peak settings, when it has any (§12.3); null for Claude accounts.
  const ProviderPeak* PeakOf(const Account& account) const;
  // The account's peak tier now (0 for Claude accounts and outside peak; §12.3).
  int PeakTierOf(const Account& account, absl::Time now) const;
  // BasePriority() plus the peak tier's stride.
  double EffectivePriority(const Account& account, absl::Time now) const;
  // Whether the account's provider is inside one of its peak windows now.
  bool InPeak(const Account& account, absl::Time now) const;
  double ShareOf(Account& account, SelectionScratch& scratch, absl::Time now);
  double ScoreOf(size_t index, const RequestInfo& request, SelectionScratch& scratch,
                 std::optional<double> critical_cost, std::optional<WeeklyTier> tier,
                 absl::Time now);
  std::pair<CriticalUnlock, double> CriticalUnlockFor(size_t index, const RequestInfo& request,
                                                      const RouteState& route,
                                                      SelectionScratch& scratch, absl::Time now);
  std::optional<Candidate> ScoredPass(const RequestInfo& request, const RouteState& route,
                                      bool allow_critical, SelectionScratch& scratch,
                                      absl::Time now);
  std::optional<size_t> BoundAccount(const RequestInfo& request, const RouteState& route,
                                     absl::Time now);
  bool ShouldMoveBoundSession(size_t bound, const RequestInfo& request, const RouteState& route,
                              SelectionScratch& scratch, absl::Time now);
  std::optional<size_t> WarmUpTarget(size_t bound, const RequestInfo& request,
                                     const RouteState& route, SelectionScratch& scratch,
                                     absl::Time now);
  bool IsWarming(const Account& account, absl::Time now) const;
  void RecordSession(const RequestInfo& request, size_t chosen, absl::Time now);
  Lease Commit(size_t index, const RequestInfo& request, RouteState& route, SelectionPath path,
               CriticalUnlock unlock, double score, absl::Time now);

  // Account effects (§4.7).
  void Bench(Account& account, absl::Duration retry_after, int status, absl::Time now);
  void ProvisionalBlock(Account& account, absl::Duration duration, std::string fingerprint,
                        absl::Time now);
  void ExponentialCooldown(Account& account, std::string_view reason, int status, absl::Time now);
  void NetworkCooldown(Account& account, std::string_view reason, absl::Time now);
  // Records an unexplained 429; true when a second account gave the same one within 30 s, in
  // which case the breaker is open and the provisional benches are lifted.
  bool PromoteAmbiguous429(const Lease& lease, const ResponseVerdict& verdict, absl::Time now);
  bool ShouldPromote(const Incident& incident, const RequestInfo& request, absl::Time now);
  FailureAction AfterExclusion(const RequestInfo& request, const RouteState& route,
                               const AttemptContext& attempt, HoldCause cause, FallbackReply reply,
                               bool check_route);

  size_t IndexOf(AccountId id) const;

  const Clock& clock_;
  SchedulerSettings settings_;
  std::vector<Account> accounts_;
  std::vector<AccountId> ids_;  // parallel to accounts_
  AccountId next_id_ = 1;
  RoutingPolicy policy_;
  SessionTable sessions_;
  SharedBreaker breaker_;
  size_t next_index_ = 0;
  int global_in_flight_ = 0;
  uint64_t last_lease_id_ = 0;
  int queue_waiting_ = 0;
  bool admission_paused_ = false;
  // Ambiguous 429s (§4.2 scope unknown): fingerprint -> accounts that answered it recently.
  struct AmbiguousEntry {
    absl::flat_hash_set<AccountId> accounts;
    absl::Time first_at;
    absl::Time last_at;
  };
  absl::flat_hash_map<std::string, AmbiguousEntry> ambiguous_429s_;
  std::vector<int64_t> recent_weights_;  // per-selection scratch, reused to avoid allocation
};

}  // namespace maxpool::core
