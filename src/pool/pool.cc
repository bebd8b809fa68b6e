#include "pool/pool.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <utility>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/cancellation_state.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "core/failure_class.h"
#include "credentials/oauth_messages.h"
#include "credentials/redact.h"
#include "pool/pool_outbox.h"

namespace maxpool::pool {

namespace asio = boost::asio;

namespace {

// §5.3: pollMs has a floor of 100 ms.
constexpr absl::Duration kMinPoll = absl::Milliseconds(100);
// Sleep a little past the oracle's instant, so the block it named has ended when we look again.
constexpr absl::Duration kOracleSlack = absl::Milliseconds(5);
// How long an admission may stay untaken before the next head is admitted anyway (the admitted
// request's client left before it could TryAcquire()).
constexpr absl::Duration kAdmissionHandoff = absl::Seconds(1);
FailoverNext NextOf(const core::FailureAction& action) {
  if (action.failover) return FailoverNext::kRetry;
  if (action.hold) return FailoverNext::kHold;
  return FailoverNext::kFail;
}

}  // namespace

core::FailureClass FailureClassOf(const credentials::FreshToken& failure) {
  switch (failure.failure) {
    case core::RefreshFailure::kNetworkBeforeSend:
    case core::RefreshFailure::kAmbiguousAfterSend:
      return core::FailureClass::kNetwork;
    case core::RefreshFailure::kRetryableStatus:
      return failure.status.value_or(0) == 429 ? core::FailureClass::kRateLimited
                                               : core::FailureClass::kUpstream5xx;
    case core::RefreshFailure::kDead:
      return core::FailureClass::kAuthDead;
  }
  return core::FailureClass::kNetwork;
}

// Removes a waiter's ticket however Hold() ends: a return, an exception, or the destruction of
// its suspended frame. When the live head leaves this way (not by admission), the next waiter is
// woken so admission moves on at once.
class Pool::TicketGuard {
 public:
  TicketGuard(Pool& pool, uint64_t id, core::RouteState& route, absl::Time registered_at)
      : pool_(pool), id_(id), route_(route), registered_at_(registered_at) {}
  TicketGuard(const TicketGuard&) = delete;
  TicketGuard& operator=(const TicketGuard&) = delete;

  // How the wait ended, for HoldEnded. Default: kCancelled (the frame was destroyed).
  void set_outcome(HoldOutcome outcome) { outcome_ = outcome; }

  ~TicketGuard() {
    bool wake_head = false;
    Outbox outbox(pool_);
    {
      absl::MutexLock lock(&pool_.mu_);
      const absl::Time now = pool_.clock_.Now();
      bool was_head = false;
      if (pool_.queue_.Remove(id_, now, &was_head)) {
        pool_.SyncQueueWaiting();
        wake_head = was_head;
      }
      outbox.events().push_back(HoldEnded{id_, outcome_, now - registered_at_});
      outbox.Seal();
    }
    outbox.Flush();
    route_.has_ticket = false;
    if (wake_head) pool_.WakeHead();
  }

 private:
  Pool& pool_;
  const uint64_t id_;
  core::RouteState& route_;
  const absl::Time registered_at_;
  HoldOutcome outcome_ = HoldOutcome::kCancelled;
};

Pool::Pool(const core::Clock& clock, PoolOptions options)
    : clock_(clock),
      options_(std::move(options)),
      events_(clock, options_.events),
      router_(clock, options_.scheduler),
      queue_(options_.queue),
      rng_(options_.jitter_seed ? *options_.jitter_seed : std::random_device{}()) {
  // A clock that jumps (a test's) wakes the held requests, which re-read it: the hold queue runs
  // on the injected clock, not on the real sleeps between its evaluations.
  clock_subscription_ = clock_.Subscribe([this] { WakeWaiters(); });
}

Pool::~Pool() { clock_.Unsubscribe(clock_subscription_); }

// --- Accounts ---------------------------------------------------------------------------------

core::AccountId Pool::AddAccount(core::AccountSettings settings, Credential credential,
                                 bool added_while_running) {
  core::AccountId id;
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    id = router_.AddAccount(std::move(settings), added_while_running);
    credentials_.emplace_back(id, std::move(credential));
    Track(id, now, "added", outbox.events());
    outbox.Seal();
  }
  outbox.Flush();
  WakeWaiters();
  return id;
}

absl::Status Pool::RemoveAccount(std::string_view name) {
  absl::Status status;
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    SweepDue(clock_.Now(), outbox.events());
    const std::optional<core::AccountId> id = router_.IdOf(name);
    status = router_.RemoveAccount(name);
    if (status.ok() && id) {
      std::erase_if(credentials_, [&](const auto& entry) { return entry.first == *id; });
      states_.Remove(*id, outbox.events());
    }
    outbox.Seal();
  }
  outbox.Flush();
  // Waiters whose last route this was end now (kNotRecovering) instead of at their next poll.
  if (status.ok()) WakeWaiters();
  return status;
}

absl::Status Pool::SetEnabled(std::string_view name, bool enabled) {
  absl::Status status;
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    status = router_.SetEnabled(name, enabled);
    if (const std::optional<core::AccountId> id = router_.IdOf(name); status.ok() && id) {
      Track(*id, now, enabled ? "enabled" : "disabled", outbox.events());
    }
    outbox.Seal();
  }
  outbox.Flush();
  // Enabling returns capacity; disabling may leave waiters without a route (§15 scenario 38).
  if (status.ok()) WakeWaiters();
  return status;
}

absl::Status Pool::UpdateCredential(std::string_view name, Credential credential) {
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    const std::optional<core::AccountId> id = router_.IdOf(name);
    if (!id) return absl::NotFoundError("no account named " + std::string(name));
    SweepDue(now, outbox.events());
    if (Credential* stored = CredentialNamed(name)) {
      if (OlderTokens(credential, *stored)) {
        credential.secret = stored->secret;
        credential.refresh_token = stored->refresh_token;
        credential.expires_at_ms = stored->expires_at_ms;
      }
      if (stored->secret != credential.secret) router_.CredentialsRenewed(name);
      if (stored->refresh_token != credential.refresh_token) router_.RefreshTokenRenewed(name);
      *stored = std::move(credential);
    } else {
      credentials_.emplace_back(*id, std::move(credential));
    }
    Track(*id, now, "credentials_renewed", outbox.events());
    outbox.Seal();
  }
  outbox.Flush();
  WakeWaiters();
  return absl::OkStatus();
}

boost::asio::awaitable<credentials::FreshToken> Pool::FreshToken(
    const Grant& grant, std::optional<std::string> rejected_access_token) {
  if (refresher_ == nullptr || grant.credential.kind != CredentialKind::kOAuthBearer) {
    co_return credentials::FreshToken{};
  }
  if (!rejected_access_token && !refresher_->Due(grant.credential.expires_at_ms, clock_.Now())) {
    // The grant's token is good for longer than the refresh lead: nothing to ask the refresher.
    credentials::FreshToken fresh;
    fresh.kind = credentials::FreshToken::Kind::kFresh;
    fresh.access_token = grant.credential.secret;
    co_return fresh;
  }
  auto ensure = refresher_->EnsureFresh(grant.lease.account_name, std::move(rejected_access_token));
  credentials::FreshToken fresh = co_await std::move(ensure);
  co_return fresh;
}

void Pool::RefreshOutcome(std::string_view account, const credentials::FreshToken& outcome) {
  Outbox outbox(*this);
  bool dead = false;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    RefreshFinished event;
    event.account = std::string(account);
    if (outcome.kind == credentials::FreshToken::Kind::kRefreshed) {
      event.ok = true;
      if (!outcome.persist_error.ok()) {
        event.error = credentials::Redact("saving the rotated tokens failed: " +
                                          std::string(outcome.persist_error.message()));
      }
    } else {
      event.status = outcome.status.value_or(0);
      event.error = credentials::Redact(
          outcome.reason + " (" + std::string(core::RefreshFailureName(outcome.failure)) + ")");
      dead = outcome.failure == core::RefreshFailure::kDead;
      if (dead) {
        router_.RefreshDead(account, event.status);
        if (const std::optional<core::AccountId> id = router_.IdOf(account)) {
          Track(*id, now, "refresh_dead", outbox.events());
        }
      }
    }
    outbox.events().push_back(std::move(event));
    outbox.Seal();
  }
  outbox.Flush();
  if (dead) WakeWaiters();  // held requests waiting on this account re-evaluate
}

core::FailureAction Pool::OnRefreshFailure(const core::Lease& lease,
                                           const core::RequestInfo& request,
                                           core::RouteState& route,
                                           const credentials::FreshToken& failure,
                                           const core::AttemptContext& attempt) {
  core::FailureAction action;
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    const int status = failure.status.value_or(0);
    action = router_.OnRefreshFailure(lease, request, route, failure.failure, status, attempt);
    Track(lease.account, now, "token_refresh_failed", outbox.events());
    outbox.events().push_back(Failover{lease.account_name,
                                       std::string(core::FailureClassName(FailureClassOf(failure))),
                                       status, NextOf(action)});
    outbox.Seal();
  }
  outbox.Flush();
  ReturnToFleet(lease);
  WakeWaiters();
  return action;
}

void Pool::SetCredentialsUnsaved(std::string_view name, std::string error) {
  absl::MutexLock lock(&mu_);
  if (core::Account* account = router_.FindAccount(name)) {
    account->state.credentials_unsaved = std::move(error);
  }
}

absl::Status Pool::SetPreferred(std::string_view name) {
  absl::Status status;
  {
    absl::MutexLock lock(&mu_);
    status = router_.SetPreferred(name);
  }
  WakeWaiters();  // a failed SetPreferred still reverts routing to automatic
  return status;
}

void Pool::SetAutomatic() {
  {
    absl::MutexLock lock(&mu_);
    router_.SetAutomatic();
  }
  WakeWaiters();
}

void Pool::SetAdmissionPaused(bool paused) {
  {
    absl::MutexLock lock(&mu_);
    router_.SetAdmissionPaused(paused);
  }
  WakeWaiters();
}

// --- One request's life -----------------------------------------------------------------------

std::optional<Grant> Pool::TryAcquire(const core::RequestInfo& request, core::RouteState& route) {
  const bool carried_admission = route.admitted;
  std::optional<Grant> grant;
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    SweepDue(clock_.Now(), outbox.events());
    if (carried_admission) admission_untaken_until_.reset();
    std::optional<core::Lease> lease = router_.Acquire(request, route);
    if (lease) {
      const Credential* credential = CredentialOf(lease->account);
      grant =
          Grant{std::move(*lease), credential != nullptr ? SendableOf(*credential) : Credential{}};
      if (const core::Account* account = router_.FindAccount(grant->lease.account)) {
        grant->type = account->settings.type;
        grant->provider = account->settings.provider;
      }
    }
    outbox.Seal();
  }
  outbox.Flush();
  if (carried_admission) WakeHead();
  return grant;
}

void Pool::Observe(const core::Lease& lease, int status, const core::HeaderSource& headers) {
  bool breaker_closed = false;
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    const bool was_open = router_.breaker().open();
    router_.ObserveResponse(lease, status, headers);
    breaker_closed = was_open && !router_.breaker().open();
    Track(lease.account, now, "response_headers", outbox.events());
    outbox.Seal();
  }
  outbox.Flush();
  if (breaker_closed) WakeWaiters();
}

void Pool::Release(const core::Lease& lease, const core::ReleaseOutcome& outcome) {
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    router_.Release(lease, outcome);
    Track(lease.account, now, "released", outbox.events());
    outbox.Seal();
  }
  outbox.Flush();
  ReturnToFleet(lease);
  WakeWaiters();
}

core::FailureAction Pool::OnFailure(const core::Lease& lease, const core::RequestInfo& request,
                                    core::RouteState& route, const core::ResponseVerdict& verdict,
                                    const core::AttemptContext& attempt) {
  core::FailureAction action;
  Outbox outbox(*this);
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    SweepDue(now, outbox.events());
    const bool was_open = router_.breaker().open();
    action = router_.OnFailure(lease, request, route, verdict, attempt);
    const std::string_view failure_class = core::FailureClassName(verdict.failure);
    Track(lease.account, now, failure_class, outbox.events());
    // Opening the shared breaker lifts other accounts' benches for the same 429/529 (§4.2).
    if (!was_open && router_.breaker().open()) {
      states_.UpdateAll(router_, now, "breaker_opened", outbox.events());
    }
    if (verdict.failure != core::FailureClass::kNone &&
        verdict.failure != core::FailureClass::kClientError && !action.refresh_and_retry) {
      outbox.events().push_back(
          Failover{lease.account_name, std::string(failure_class), attempt.status, NextOf(action)});
    }
    outbox.Seal();
  }
  outbox.Flush();
  ReturnToFleet(lease);
  // The lease is released (capacity may return) and the breaker may have closed.
  WakeWaiters();
  return action;
}

core::RetryPlan Pool::NextRetry(const core::RequestInfo& request, const core::RouteState& route) {
  absl::MutexLock lock(&mu_);
  return router_.NextRetry(request, route);
}

core::UnavailabilityCensus Pool::Census(const core::RequestInfo& request) {
  absl::MutexLock lock(&mu_);
  return router_.Census(request);
}

int Pool::MaxAttempts() const {
  absl::MutexLock lock(&mu_);
  const int configured = options_.retry.max_attempts_per_request;
  const int attempts = configured > 0 ? configured : static_cast<int>(router_.accounts().size());
  return std::max(1, attempts);
}

int Pool::AccountCount() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(router_.accounts().size());
}

// --- Holds ------------------------------------------------------------------------------------

asio::awaitable<HoldResult> Pool::Hold(const core::RequestInfo& request, core::RouteState& route,
                                       absl::Time deadline, std::function<void()> on_registered) {
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  auto waker = std::make_shared<HoldWaker>(executor);
  HoldResult result;
  std::optional<uint64_t> id;
  bool reaped = false;
  absl::Time registered_at;
  {
    Outbox outbox(*this);
    {
      absl::MutexLock lock(&mu_);
      registered_at = clock_.Now();
      route.admitted = false;  // §5.5: registering clears a previous admission
      id = queue_.Register(static_cast<int64_t>(request.body_bytes), request.session_key, deadline,
                           waker, registered_at, &reaped);
      if (id) {
        route.has_ticket = true;
        outbox.events().push_back(HoldStarted{*id, request.streaming, queue_.size()});
      } else {
        outbox.events().push_back(HoldEnded{0, HoldOutcome::kQueueFull, absl::ZeroDuration()});
        result.outcome = HoldOutcome::kQueueFull;
        // When capacity returns for a request that gets past the FIFO gate: the retry-after
        // hint.
        core::RouteState past_gate = route;
        past_gate.has_ticket = true;
        result.plan = router_.NextRetry(request, past_gate);
      }
      SyncQueueWaiting();
      outbox.Seal();
    }
    outbox.Flush();
  }
  if (reaped) WakeHead();
  if (!id) co_return result;

  TicketGuard guard(*this, *id, route, registered_at);
  if (on_registered) on_registered();
  const asio::cancellation_state cancel = co_await asio::this_coro::cancellation_state;
  for (;;) {
    absl::Duration sleep;
    {
      absl::MutexLock lock(&mu_);
      const absl::Time now = clock_.Now();
      if (cancel.cancelled() != asio::cancellation_type::none) {
        result.outcome = HoldOutcome::kCancelled;
        break;
      }
      if (!queue_.Contains(*id)) {  // reaped by a registration after its deadline
        result.outcome = HoldOutcome::kExpired;
        break;
      }
      result.plan = router_.NextRetry(request, route);

      // §5.3 tick: a route is available AND the ticket is admitted (§5.5).
      std::optional<absl::Time> ramp_at;
      if (admission_untaken_until_ && *admission_untaken_until_ <= now) {
        admission_untaken_until_.reset();
      }
      if (!admission_untaken_until_ && router_.HasAvailableRoute(request, route)) {
        const HoldQueue::AdmitResult admit =
            queue_.TryAdmit(*id, now, router_.breaker().InAdmissionRamp(now));
        if (admit.admission == HoldQueue::Admission::kAdmitted) {
          route.has_ticket = false;
          route.admitted = true;
          admission_untaken_until_ = now + kAdmissionHandoff;
          SyncQueueWaiting();
          result.outcome = HoldOutcome::kAdmitted;
          result.plan = core::RetryPlan{true, absl::ZeroDuration(), core::RetryCause::kAvailable};
          break;
        }
        if (admit.admission == HoldQueue::Admission::kRampSpacing) ramp_at = admit.retry_at;
      }
      // Every route became terminal: error fast instead of waiting to the deadline.
      if (!result.plan.available && !result.plan.retry_after) {
        result.outcome = HoldOutcome::kNotRecovering;
        break;
      }
      if (now >= deadline) {  // that was the final check
        result.outcome = HoldOutcome::kExpired;
        break;
      }

      // Sleep until the earliest of: the deadline, the next jittered poll, the instant the oracle
      // names (only when blocked; a waiter behind the head waits for the head to leave), the
      // ramp's next admission slot, and the end of an untaken admission's handoff. Events wake it
      // sooner (WakeWaiters; TryAcquire() wakes the head once an admission is taken).
      absl::Time wake_at = std::min(deadline, now + JitteredPoll());
      if (!result.plan.available && result.plan.retry_after) {
        wake_at = std::min(wake_at, now + *result.plan.retry_after + kOracleSlack);
      }
      if (ramp_at) wake_at = std::min(wake_at, *ramp_at);
      if (admission_untaken_until_) wake_at = std::min(wake_at, *admission_untaken_until_);
      sleep = std::max(absl::ZeroDuration(), wake_at - now);
    }
    // The wait is bound to this coroutine's cancellation slot: a client that leaves ends it at
    // once, and the next evaluation sees cancelled(). A wake cancels it too.
    waker->timer().expires_after(absl::ToChronoNanoseconds(sleep));
    auto [ec] = co_await waker->timer().async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;  // expiry, wake or cancellation: the next evaluation decides
  }
  guard.set_outcome(result.outcome);
  co_return result;
}

void Pool::WakeWaiters() {
  std::vector<std::shared_ptr<HoldWaker>> wakers;
  {
    absl::MutexLock lock(&mu_);
    wakers = queue_.Wakers();
  }
  for (const std::shared_ptr<HoldWaker>& waker : wakers) waker->Wake();
}

int Pool::waiting() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

// --- Views ------------------------------------------------------------------------------------

std::vector<core::Account> Pool::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return router_.accounts();
}

// --- Private ----------------------------------------------------------------------------------

const Credential* Pool::CredentialOf(core::AccountId id) const {
  for (const auto& [account, credential] : credentials_) {
    if (account == id) return &credential;
  }
  return nullptr;
}

Credential* Pool::CredentialNamed(std::string_view name) {
  const std::optional<core::AccountId> id = router_.IdOf(name);
  if (!id) return nullptr;
  for (auto& [account, credential] : credentials_) {
    if (account == *id) return &credential;
  }
  return nullptr;
}

const Credential* Pool::CredentialNamed(std::string_view name) const {
  return const_cast<Pool*>(this)->CredentialNamed(name);
}

void Pool::SyncQueueWaiting() { router_.SetQueueWaiting(queue_.size()); }

void Pool::SweepDue(absl::Time now, std::vector<PoolEventBody>& out) {
  if (states_.Due(now)) states_.UpdateAll(router_, now, "block_ended", out);
}

void Pool::Track(core::AccountId id, absl::Time now, std::string_view cause,
                 std::vector<PoolEventBody>& out) {
  const core::Account* account = router_.FindAccount(id);
  if (account != nullptr) states_.Update(id, *account, router_.settings(), now, cause, out);
}

void Pool::WakeHead() {
  std::shared_ptr<HoldWaker> waker;
  {
    absl::MutexLock lock(&mu_);
    waker = queue_.HeadWaker(clock_.Now());
  }
  if (waker) waker->Wake();
}

absl::Duration Pool::JitteredPoll() {
  const absl::Duration poll = std::max(options_.queue.poll, kMinPoll);
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return poll * jitter(rng_);
}

}  // namespace maxpool::pool
