#pragma once

// pool::Pool is the one owner of live routing state (docs/architecture.md principle 2): the
// accounts with their credentials, quota, load and blocks (a core::Router), and the hold queue. The
// data plane and the control plane both use this small interface.
//
// Thread safety: every method may be called from any thread. One mutex guards the Router and the
// queue; it is never held across I/O or while a coroutine is suspended. Waiters in the hold
// queue are woken by events (a lease released, an account enabled or added, the breaker closing)
// and by a timer at the time the retry oracle says capacity returns.
//
// Lifecycle: the Pool must outlive every Hold() coroutine, including coroutines that are only
// destroyed when their io_context is (destroy the io_context first).
//
// Events (pool_event.h): the pool publishes on events() what its own mutations do: Failover,
// AccountStateChanged (each mutation re-derives the state of the account(s) it touched, see
// account_state.h; a change that only time made, such as a cooldown ending, is published at the
// next mutation after it, with reason "block_ended"), RefreshFinished, HoldStarted and
// HoldEnded. Events are made under the lock and published just after it is released, in the
// order of the critical sections that made them (an ordered hand-off through publish_mu_), so a
// subscriber sees one account's changes in the order they happened.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/awaitable.hpp"
#include "core/clock.h"
#include "core/hold_policy.h"
#include "core/router.h"
#include "core/usage_report.h"
#include "credentials/token_refresher.h"
#include "pool/account_state_tracker.h"
#include "pool/credential.h"
#include "pool/event_bus.h"
#include "pool/fleet_gate.h"
#include "pool/hold_queue.h"
#include "pool/pool_event.h"
#include "pool/pool_memory.h"
#include "pool/thread_gate.h"

namespace maxpool::pool {

// What the exchange needs to send one attempt: the lease plus a snapshot of the credential.
// One session-affinity binding (spec §6.4): the session's home account and where it is now.
struct SessionView {
  std::string session_id;
  std::string home;
  std::string current;
};

// The shared upstream-throttle breaker as telemetry shows it (spec §4.6).
struct BreakerView {
  bool open = false;
  // When the recovery probe may go (absent when closed).
  std::optional<absl::Time> until;
  // Whether the recovery probe is in flight.
  bool probing = false;
};

// The session table's size and what it has forgotten since the start (core::SessionTable).
struct SessionTableCounts {
  size_t bindings = 0;
  uint64_t evicted_idle = 0;
  uint64_t evicted_capacity = 0;
};

struct Grant {
  core::Lease lease;
  Credential credential;
  // The account's kind and provider, as its settings say: what its answers mean (the credential
  // kind alone does not tell an API key sent as a bearer token from a provider's token).
  core::AccountType type = core::AccountType::kOAuth;
  core::Provider provider = core::Provider::kAnthropic;
};

// The failure class a failed refresh counts as (Failover events, the request's record).
core::FailureClass FailureClassOf(const credentials::FreshToken& failure);

// One account a usage-probe sweep visits (server::QuotaProber, spec §12.2). SECRETS: `credential`
// is for the probe's Authorization header only; never log it.
struct ProbeTarget {
  std::string name;
  core::AccountType type = core::AccountType::kOAuth;
  core::Provider provider = core::Provider::kAnthropic;
  bool enabled = true;
  Credential credential;  // SendableOf(): no refresh token
};

// What a failed probe left on its account (Pool::RecordProbeFailure()).
struct ProbeFailureCount {
  int failures = 0;           // consecutive failed probes, this one included
  bool latched_dead = false;  // this probe's 401 was the third in a row: the account needs a login
};

struct PoolOptions {
  core::SchedulerSettings scheduler;
  core::QueueSettings queue;
  core::RetrySettings retry;
  // Seed of the ±20 % poll jitter of held requests (§5.3). Default: from std::random_device.
  std::optional<uint64_t> jitter_seed;
  // The event bus's central queue (events()).
  EventBusOptions events;
  // The thread gate (spec §12.4); off with MAXPOOL_THREAD_GATE=0.
  bool thread_gate = true;
};

class Pool final : public credentials::TokenLedger {
 public:
  Pool(const core::Clock& clock, PoolOptions options);
  ~Pool();

  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // --- Accounts (config load, hot-sync, control plane) ----------------------------------------
  // Account changes that can give held requests a route (add, enable, preference) or take their
  // last one away (disable, remove) wake the waiters.
  core::AccountId AddAccount(core::AccountSettings settings, Credential credential,
                             bool added_while_running = false);
  absl::Status RemoveAccount(std::string_view name);
  absl::Status SetEnabled(std::string_view name, bool enabled);
  // New credentials (login, hot-sync): a changed secret also revives an account that was marked
  // dead or cooling down after a refresh failure (spec §7.6), a new refresh token starts a clean
  // refresh record, and waiters wake. An OAuth token set older than the one held (both with a
  // refresh token, an earlier expiry) is not taken: the running pair was rotated since that copy
  // was read, and its refresh token is spent (spec §1.4, §14); the rest of `credential` is.
  absl::Status UpdateCredential(std::string_view name, Credential credential);
  // The OAuth refresher this pool's OAuth accounts use; null (the default) means their tokens
  // are used as they are. Must outlive the pool's requests; the pool outlives it. The refresher
  // reads and rotates the tokens here, and keeps their health here (the ledger below).
  void SetTokenRefresher(credentials::TokenRefresher* refresher);
  // --- OAuth tokens and their health (credentials::TokenLedger; pool_refresh.cc) --------------
  // The tokens are each account's Credential; their health is its core::AccountState::refresh.
  // Both under the pool's lock, read and written by the refresher (with its own lock held; the
  // pool never calls the refresher under its lock). Only StoreRotated() publishes an event (the
  // account's state, "credentials_renewed"); the refresher's outcome (RefreshOutcome) publishes
  // the rest.
  std::optional<credentials::TokenSet> Tokens(const std::string& account) const override;
  core::RefreshPermit RefreshGate(const std::string& account, bool access_usable) override;
  bool RefreshTokenDead(const std::string& account) const override;
  // StoreRotated() and RecordRefreshFailure() find the account by the refresh token that was
  // sent when `account` no longer holds it under that name (renamed while the refresh ran).
  bool StoreRotated(const std::string& account, const std::string& sent_refresh_token,
                    const credentials::TokenSet& rotated) override;
  bool RecordRefreshFailure(const std::string& account, const std::string& sent_refresh_token,
                            const credentials::FreshToken& failure,
                            absl::Duration max_backoff) override;
  // The name of the account whose credential holds `refresh_token` now, if any (a refresh
  // token belongs to one account; a rename while its refresh ran is followed by it).
  std::optional<std::string> AccountHolding(const std::string& refresh_token) const;
  // Marks `name`'s latest OAuth tokens as not saved, with why (`error`; empty: saved now). Shown
  // by status and telemetry (core::AccountState::credentials_unsaved); routing is unaffected.
  void SetCredentialsUnsaved(std::string_view name, std::string error);
  absl::Status SetPreferred(std::string_view name);
  void SetAutomatic();
  // --- Routing policy and sessions (control plane; pool_routing.cc) ---------------------------
  core::RoutingPolicy RoutingPolicy() const;
  core::SchedulerSettings SchedulerSettings() const;
  // Applies `change` to a copy of the scheduler settings and installs it; new requests see it.
  // Wakes waiters.
  void UpdateSchedulerSettings(const std::function<void(core::SchedulerSettings&)>& change);
  // Every session binding, sorted by session id.
  std::vector<SessionView> Sessions() const;
  SessionTableCounts SessionCounts() const;
  // Whether the shared upstream-throttle breaker is open (spec §4.6).
  bool BreakerOpen() const;
  // The breaker's state, its reopening time and probe, in one consistent read.
  BreakerView Breaker() const;
  // A pending restart pauses admission (§9.3): nothing matches, and held requests wake and end
  // with kNotRecovering instead of holding up the restart.
  void SetAdmissionPaused(bool paused);

  // --- One request's life (see core::Router for the semantics) --------------------------------
  // A lease and a copy of its account's credential, or nullopt (ask NextRetry()). A request that
  // carried an admission from Hold() wakes the next waiter, whether or not it got a lease: the
  // next head is woken once the admitted request has taken its capacity, not at its admission,
  // so it does not take the same free slot. (Should it still win a race, the loser's TryAcquire
  // fails and it holds again at the tail, as in the reference, §5.5.)
  std::optional<Grant> TryAcquire(const core::RequestInfo& request, core::RouteState& route);
  // Wakes waiters when the breaker's probe closes the breaker.
  void Observe(const core::Lease& lease, int status, const core::HeaderSource& headers);
  // Wakes waiters (capacity returned).
  void Release(const core::Lease& lease, const core::ReleaseOutcome& outcome);
  // Releases the lease too, so it wakes waiters like Release(). Publishes a Failover unless the
  // class is none or client_error or the action is the refresh-and-retry of a first 401.
  core::FailureAction OnFailure(const core::Lease& lease, const core::RequestInfo& request,
                                core::RouteState& route, const core::ResponseVerdict& verdict,
                                const core::AttemptContext& attempt);
  // A usable access token for an OAuth grant before it is sent (spec §7.3): refreshed when it
  // expires within 5 minutes, or forced when `rejected_access_token` is the token an upstream 401
  // refused. kUntracked without a refresher or for other accounts: send the grant's credential.
  // A grant whose token is not due (the refresher's lead) is kFresh at once, without a lock.
  // A kRefreshed result publishes RefreshFinished{ok} once per rotated token (requests that
  // waited for the same refresh share one event). Failures are published by OnRefreshFailure().
  // REQUIRES: `grant` outlives the call.
  boost::asio::awaitable<credentials::FreshToken> FreshToken(
      const Grant& grant, std::optional<std::string> rejected_access_token);
  // A failed refresh (FreshToken() kFailed): cooldown or needs-login per the taxonomy, the lease
  // released, and what to do next. Wakes waiters like OnFailure(). Publishes a Failover.
  core::FailureAction OnRefreshFailure(const core::Lease& lease, const core::RequestInfo& request,
                                       core::RouteState& route,
                                       const credentials::FreshToken& failure,
                                       const core::AttemptContext& attempt);
  // What the OAuth refresher reports for every refresh that ended, whoever started it
  // (credentials::OnOutcome): a RefreshFinished event, ok or failed; and a refresh token refused
  // for good marks the account as needing a login at once (core::Router::RefreshDead), even while
  // its access token still works. Any thread.
  void RefreshOutcome(std::string_view account, const credentials::FreshToken& outcome);
  core::RetryPlan NextRetry(const core::RequestInfo& request, const core::RouteState& route);
  core::UnavailabilityCensus Census(const core::RequestInfo& request);
  int MaxAttempts() const;
  // How many accounts the pool has (enabled or not).
  int AccountCount() const;  // max(1, retry.maxAttemptsPerRequest || number of accounts)

  // Whether the thread gate refuses `request` routed to `account` (spec §12.4, thread_gate.h);
  // never when the gate is off.
  bool RefuseThreadedTurn(const core::RequestInfo& request, std::string_view account,
                          bool provider);

  // --- Holds (spec §5) --------------------------------------------------------------------------
  // Waits, on the calling coroutine's executor, until the request may be routed, the deadline
  // passes, the oracle says capacity will not return, or the caller's cancellation slot fires
  // (client gone). Registers a FIFO ticket first (§5.5); a full queue refuses at once with
  // kQueueFull. While registered, route.has_ticket is true; kAdmitted clears it and sets
  // route.admitted (the caller should TryAcquire() at once). Every other outcome leaves both
  // false. The ticket is removed on every exit, including the coroutine's destruction.
  // Decisions use the injected clock. Between them a waiter sleeps on a real timer, which a jump
  // of the injected clock (core::Clock::Subscribe) or an event ends early.
  // `result.plan` is the last oracle answer (for kQueueFull: when capacity returns, past the
  // FIFO gate, for the retry-after hint).
  // REQUIRES: the calling coroutine runs on a strand or a single-threaded io_context (its timer
  // is woken by posting to that executor); `request` and `route` outlive the call.
  // Cancellation: terminal cancellation of the coroutine ends the wait with kCancelled.
  // `on_registered`, when given, is called on the caller's executor once the ticket is queued and
  // before the first wait, so the caller commits a heartbeat stream only for a request that is
  // really held (§5.1: register, then start the heartbeat; a full queue is refused before it).
  // Events: HoldStarted once registered, HoldEnded however the wait ends (destruction included:
  // kCancelled); a full queue publishes only HoldEnded{hold_id 0, kQueueFull}.
  boost::asio::awaitable<HoldResult> Hold(const core::RequestInfo& request, core::RouteState& route,
                                          absl::Time deadline,
                                          std::function<void()> on_registered = nullptr);
  // Wakes every waiter now to re-evaluate (called internally on release, enable, add, breaker
  // close). Any thread; the waiters run on their own executors.
  void WakeWaiters();
  // Tickets in the queue (requests held now).
  int waiting() const;

  // --- Usage probes (spec §3.5, §12.2; pool_probe.cc) ----------------------------------------
  // The accounts a sweep probes, in pool order: OAuth accounts with an access token that do not
  // need a new login, and z.ai accounts with a credential; enabled or not. An account whose own
  // traffic read its quota within `traffic_fresh_within` is left out: a probe would learn
  // nothing its headers did not say, and costs a call to a rate-limited endpoint.
  std::vector<ProbeTarget> ProbeTargets(absl::Duration traffic_fresh_within) const;
  // A probe of `name` succeeded: the reading is applied (core::ApplyOAuthUsage, or
  // ApplyProviderUsage for a provider) and the probe's failure counts clear. The account's state
  // is re-derived (cause "usage_probe") and waiters wake: a probe can show capacity returned.
  // An account removed meanwhile is ignored.
  void RecordProbeReading(std::string_view name, const core::UsageReport& report);
  // A probe of `name` failed with `message` (HTTP `status`, if one came back): counted, and the
  // stored reading is left as it is. A 401 counts towards the needs-login latch (spec §7.7):
  // the third 401 in a row marks an enabled OAuth account refresh_dead, publishes its state
  // (cause "usage_probe_unauthorized") and is reported in the result. Any other outcome resets
  // the 401 count.
  ProbeFailureCount RecordProbeFailure(std::string_view name, std::optional<int> status,
                                       std::string message);

  // --- Cluster mode (fleet_gate.h; pool_fleet.cc) ---------------------------------------------
  // The gate every lease passes before it is sent (RequestLoop's kClaim); null, the default,
  // outside cluster mode. Must outlive the pool's requests. Each released lease is given back to
  // it (FleetGate::Return), after the pool's lock is released.
  void SetFleetGate(FleetGate* gate) { fleet_gate_.store(gate); }
  FleetGate* fleet_gate() const { return fleet_gate_.load(); }
  // What the other replicas hold in flight on each account, by name (core::AccountState::
  // fleet_in_flight); an account not named holds none. Wakes waiters when a count fell.
  void SetFleetInFlight(const absl::flat_hash_map<std::string, int>& others);
  // The same for one account; ignored when there is no such account.
  void SetFleetInFlightOf(std::string_view name, int others);
  // This replica's requests in flight on `name` (0 when there is no such account).
  int InFlightOf(std::string_view name) const;
  // This replica's own load per account, by name.
  absl::flat_hash_map<std::string, FleetLoad> OwnLoads();
  // The other replicas' load per account, summed (AccountState::fleet_recent_weight,
  // fleet_load_15m and fleet_load_1h); an account not named has none.
  void SetFleetLoads(const absl::flat_hash_map<std::string, FleetLoad>& others);
  // The per-account cap (scheduler.safetyMaxActivePerAccount), fleet-wide in cluster mode.
  int MaxActivePerAccount() const;
  // Every account's name, in pool order.
  std::vector<std::string> AccountNames() const;

  // --- Views ------------------------------------------------------------------------------------
  // A consistent copy of every account's settings and state (no credentials), for status,
  // telemetry and the demo's summary.
  std::vector<core::Account> Snapshot() const;
  const core::Clock& clock() const { return clock_; }
  const PoolOptions& options() const { return options_; }

  // --- Events -----------------------------------------------------------------------------------
  // The pool's event bus: subscribe here; the app publishes RequestFinished and DrainProgress
  // here. Lives as long as the pool.
  EventBus& events() { return events_; }

  // --- Memory across restarts (pool_memory.h; pool_restore.cc) --------------------------------
  // What a restart must not forget, as it is now (account uuids are left for the caller).
  PoolMemory Memory() const;
  // Gives `memory` back to this pool's accounts, before it serves: each remembered account is
  // matched by uuid (`name_of_uuid`, from the config) else by name. Readings are sanitised as
  // the reference does (a utilization without its reset time, or past it, is dropped), blocks that
  // have ended are dropped, and a dead mark only returns to the credential it was made against.
  // Publishes each restored account's state (cause "restored") and wakes waiters.
  RestoreReport Restore(const PoolMemory& memory,
                        const absl::flat_hash_map<std::string, std::string>& name_of_uuid);

  // Takes what other replicas learned while this one runs (cluster mode, pool_restore.cc). For
  // each account of `fleet` (matched as Restore() does): a quota reading newer than the one held
  // replaces it (sanitised the same way); a rate limit or cooldown that ends later than the one
  // held, and is still running, is taken; a dead mark made against the credential this replica
  // holds is taken. A session binding used later than this replica's is taken, and an opening
  // of the shared breaker that is news to this replica (core::SharedBreaker::Adopt). Publishes
  // each changed account's state (cause "fleet_memory") and wakes waiters when an account or
  // the breaker changed.
  FleetMergeReport MergeFleetMemory(
      const PoolMemory& fleet, const absl::flat_hash_map<std::string, std::string>& name_of_uuid);

  // --- Hot-sync (spec §1.4; pool_sync.cc) -------------------------------------------------------
  // Changes an account's settings in place under the pool lock (priority, cap, profiles,
  // provider, enabled, or a rename to an unused name); new requests see them, in-flight ones keep
  // their lease. Wakes waiters. Errors: NotFound, and as core::Router::UpdateAccountSettings().
  absl::Status UpdateAccountSettings(std::string_view name,
                                     const std::function<void(core::AccountSettings&)>& change);
  // Every account's name and credential, in pool order. SECRETS: for the hot-sync diff only;
  // never log them or expose them to the control plane.
  std::vector<std::pair<std::string, Credential>> Credentials() const;

 private:
  class TicketGuard;
  class Outbox;

  const Credential* CredentialOf(core::AccountId id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Credential* CredentialNamed(std::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The account (and its credential) holding `refresh_token`: `name` when it does, else the one
  // account that does (renamed since), else none.
  std::pair<std::optional<core::AccountId>, Credential*> HolderOf(std::string_view name,
                                                                  const std::string& refresh_token)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Credential* CredentialNamed(std::string_view name) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Keeps the router's FIFO gate in step with the queue (§5.5).
  void SyncQueueWaiting() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Wakes the first live waiter, so admission moves on once the head has left.
  void WakeHead() ABSL_LOCKS_EXCLUDED(mu_);
  // The next poll interval: queue.poll (at least 100 ms) x U(0.8, 1.2) (§5.3).
  absl::Duration JitteredPoll() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reports the state changes that time alone made since they were last looked at (reason
  // "block_ended"). Every mutation calls it first.
  void SweepDue(absl::Time now, std::vector<PoolEventBody>& out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Re-derives account `id`'s state after a mutation (account_state_tracker.h).
  void Track(core::AccountId id, absl::Time now, std::string_view cause,
             std::vector<PoolEventBody>& out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Marks account `id` dead as `m` remembers it, when `m` was decided against the credential it
  // holds now (pool_restore.cc); returns whether it did.
  bool TakeDeadMark(core::AccountId id, const AccountMemory& m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Opens the shared breaker as another replica (or the last run) opened it, when that is news
  // (core::SharedBreaker::Adopt); returns whether it did.
  bool TakeBreaker(const BreakerMemory& m, absl::Time now, std::vector<PoolEventBody>& events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Gives a released lease back to the fleet gate, if there is one. Not under mu_.
  void ReturnToFleet(const core::Lease& lease) ABSL_LOCKS_EXCLUDED(mu_);

  const core::Clock& clock_;
  std::atomic<FleetGate*> fleet_gate_{nullptr};
  uint64_t clock_subscription_ = 0;  // wakes the waiters when the clock jumps
  const PoolOptions options_;
  // Destroyed after every member below: nothing publishes once the pool is being destroyed.
  EventBus events_;
  credentials::TokenRefresher* refresher_ = nullptr;
  mutable absl::Mutex mu_;
  // Taken under mu_ by a thread with events to publish and released once they are published:
  // the publishing order is the order of the critical sections (Outbox in pool.cc).
  absl::Mutex publish_mu_ ABSL_ACQUIRED_AFTER(mu_);
  AccountStateTracker states_ ABSL_GUARDED_BY(mu_);
  core::Router router_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<core::AccountId, Credential>> credentials_ ABSL_GUARDED_BY(mu_);
  HoldQueue queue_ ABSL_GUARDED_BY(mu_);
  ThreadGate thread_gate_;  // its own lock
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  // Set when a waiter is admitted, cleared when it calls TryAcquire(): until then no other
  // waiter is admitted, or waiters woken together (a release wakes them all, a reset's timer
  // fires for each) would take the same free slot and the loser would fall to the tail.
  std::optional<absl::Time> admission_untaken_until_ ABSL_GUARDED_BY(mu_);
};

}  // namespace maxpool::pool
