#include "pool/request_loop.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/absl_view.h"
#include "pool/thread_gate.h"

namespace maxpool::pool {

const char kNoAccountConfiguredMessage[] =
    "maxpool: no account is configured. Add one with `maxpool login` (subscription) or `maxpool "
    "login --api` (API key), or through the control plane (CreateAccount, StartOAuthLogin).";

namespace {

RequestAction Action(RequestAction::Kind kind) {
  RequestAction action;
  action.kind = kind;
  return action;
}

}  // namespace

RequestLoop::RequestLoop(Pool& pool, core::RequestInfo info, int64_t body_bytes)
    : pool_(pool),
      info_(std::move(info)),
      can_retry_(body_bytes <= pool.options().retry.max_retry_buffer_bytes),
      max_attempts_(pool.MaxAttempts()) {}

RequestAction RequestLoop::Start(const ClientProgress& client) { return Next(client); }

RequestAction RequestLoop::Next(const ClientProgress& client) {
  grant_ = pool_.TryAcquire(info_, route_);
  route_.pinned_account.clear();
  if (!grant_) {
    account_label_ = "(none available)";
    if (pool_.AccountCount() == 0) {  // a fresh server: nothing to hold for
      RequestAction action = Action(RequestAction::Kind::kReplyError);
      action.error = {503, "api_error", kNoAccountConfiguredMessage, std::nullopt};
      return action;
    }
    return HoldOrFail(core::HoldCause::kQuota, core::FallbackReply::kNoAccount429, 0, client);
  }
  lease_ = LeaseHandle(pool_, grant_->lease);
  ++hops_;
  ++attempts_;
  account_label_ = grant_->lease.account_name;
  last_account_ = grant_->lease.account_name;
  // §12.4: a turn that continues a server-side thread goes only where the thread lives.
  if (pool_.RefuseThreadedTurn(info_, grant_->lease.account_name,
                               grant_->type == core::AccountType::kProvider)) {
    lease_.Abandon();  // nothing was sent: no penalty
    RequestAction action = Action(RequestAction::Kind::kReplyError);
    action.error = {
        400, "invalid_request_error",
        absl::StrCat("This turn continues a server-side conversation thread that account \"",
                     grant_->lease.account_name,
                     "\" does not hold; send it again without `thread`, with the whole "
                     "conversation (stateless)."),
        std::nullopt};
    action.error_code = std::string(kThreadUnsupportedErrorCode);
    return action;
  }
  if (pool_.fleet_gate() != nullptr) return Action(RequestAction::Kind::kClaim);
  return Granted();
}

RequestAction RequestLoop::OnClaimed(const FleetClaim& claim, const ClientProgress& client) {
  if (claim.granted) {
    refused_claims_ = 0;
    return Granted();
  }
  // Full fleet-wide: not an attempt, and no penalty. The gate set the account's fleet count, so
  // the router passes it over; a run of refusals (the fleet's counts moving under us) ends in a
  // hold, where capacity coming back wakes the request.
  lease_.Abandon();
  --hops_;
  --attempts_;
  if (++refused_claims_ > 2 * std::max(1, pool_.AccountCount())) {
    refused_claims_ = 0;
    account_label_ = "(none available)";
    return HoldOrFail(core::HoldCause::kQuota, core::FallbackReply::kNoAccount429, 0, client);
  }
  return Next(client);
}

RequestAction RequestLoop::Granted() {
  // OAuth: a fresh token first (spec §7.3); after a 401 the refused one is replaced. Other
  // credentials are sent as they are.
  if (grant_->credential.kind == CredentialKind::kOAuthBearer) {
    RequestAction action = Action(RequestAction::Kind::kRefreshThenSend);
    action.refused_token = std::exchange(refused_token_, std::nullopt);
    return action;
  }
  return Action(RequestAction::Kind::kSend);
}

core::AttemptContext RequestLoop::Budget(core::AttemptContext attempt,
                                         const ClientProgress& client) const {
  attempt.can_retry = can_retry_;
  attempt.hops_left = hops_ < max_attempts_;
  attempt.bytes_sent = client.body_sent;
  return attempt;
}

RequestAction RequestLoop::OnRefreshed(const credentials::FreshToken& fresh,
                                       const ClientProgress& client) {
  using Kind = credentials::FreshToken::Kind;
  if (fresh.kind == Kind::kCancelled) return OnClientGone();  // the client left meanwhile
  if (fresh.kind == Kind::kFailed) {
    last_failure_ = FailureClassOf(fresh);
    const core::FailureAction action =
        lease_.FailRefresh(info_, route_, fresh, Budget(core::AttemptContext{}, client));
    return AfterFailure(action, 0, client);
  }
  if (!fresh.access_token.empty()) grant_->credential.secret = fresh.access_token;
  return Action(RequestAction::Kind::kSend);
}

RequestAction RequestLoop::OnAttemptFailed(const core::ResponseVerdict& verdict,
                                           core::AttemptContext attempt, unsigned answer_status,
                                           const ClientProgress& client) {
  last_failure_ = verdict.failure;
  if (verdict.failure == core::FailureClass::kNetwork) {
    last_transport_error_ = attempt.transport_error;
    if (!network_soak_deadline_) {
      network_soak_deadline_ =
          pool_.clock().Now() + core::NetworkSoakBudget(info_, pool_.options().queue);
    }
  }
  const core::FailureAction action =
      lease_.Fail(info_, route_, verdict, Budget(std::move(attempt), client));
  if (action.refresh_and_retry) {
    // Retried once on the same account, with the refused token replaced first.
    route_.pinned_account = grant_->lease.account_name;
    refused_token_ = grant_->credential.secret;
    return Next(client);
  }
  return AfterFailure(action, answer_status, client);
}

RequestAction RequestLoop::AfterFailure(const core::FailureAction& action, unsigned answer_status,
                                        const ClientProgress& client) {
  if (action.failover) return Next(client);
  if (action.hold) return HoldOrFail(*action.hold, action.reply, answer_status, client);
  return Fail(action.reply, pool_.NextRetry(info_, core::RouteState{}), false, answer_status);
}

RequestAction RequestLoop::HoldOrFail(core::HoldCause cause, core::FallbackReply reply,
                                      unsigned answer_status, const ClientProgress& client) {
  const absl::Time now = pool_.clock().Now();
  core::RouteState probe_route;
  probe_route.has_ticket = route_.has_ticket;
  probe_route.admitted = route_.admitted;
  const core::RetryPlan plan = pool_.NextRetry(info_, probe_route);
  core::HoldContext context;
  context.now = now;
  context.queue_started_at = queue_started_at_;
  context.network_soak_deadline = network_soak_deadline_;
  context.response_started = client.body_sent;
  const core::HoldDecision decision =
      core::DecideHold(info_, cause, plan, pool_.options().queue, context);
  if (!decision.hold) {
    const bool recovering = decision.refusal != core::HoldRefusal::kNotWithinWindow &&
                            decision.refusal != core::HoldRefusal::kWeeklyResetUnknown &&
                            plan.retry_after.has_value();
    const core::FallbackReply answer =
        cause == core::HoldCause::kNetwork ? core::FallbackReply::kConnectionUnavailable : reply;
    return Fail(answer, plan, recovering, answer_status);
  }
  if (!queue_started_at_) queue_started_at_ = now;
  held_ = true;
  route_.excluded.clear();
  hold_cause_ = cause;
  hold_reply_ = reply;
  hold_answer_status_ = answer_status;
  RequestAction action = Action(RequestAction::Kind::kHold);
  action.hold_until = decision.deadline;
  action.begin_stream_when_queued = info_.streaming && !client.head_sent;
  return action;
}

RequestAction RequestLoop::OnHoldEnded(const HoldResult& held, const ClientProgress& client) {
  switch (held.outcome) {
    case HoldOutcome::kAdmitted:
      hops_ = 0;  // a new pass over the accounts
      return Next(client);
    case HoldOutcome::kCancelled:
      return OnClientGone();
    case HoldOutcome::kQueueFull:
      if (client.head_sent) {
        RequestAction action = Action(RequestAction::Kind::kReplyError);
        action.error = {429, "rate_limit_error",
                        "maxpool: the hold queue is full; try again shortly.", 5};
        return action;
      }
      // Not held and nothing sent: the caller's own answer (§5.6).
      return Fail(hold_reply_, held.plan, held.plan.retry_after.has_value(), hold_answer_status_);
    case HoldOutcome::kExpired:
    case HoldOutcome::kNotRecovering:
      break;
  }
  const core::FallbackReply answer = hold_cause_ == core::HoldCause::kNetwork
                                         ? core::FallbackReply::kConnectionUnavailable
                                         : core::FallbackReply::kNoAccount429;
  return Fail(answer, held.plan, false, 0);
}

RequestAction RequestLoop::OnClientGone() {
  lease_.Abandon();
  client_gone_ = true;
  return Action(RequestAction::Kind::kEnd);
}

void RequestLoop::Answered(unsigned status) {
  last_failure_ = core::FailureClass::kNone;
  lease_.Release({core::ReleaseKind::kSuccess, static_cast<int>(status), ""});
}

void RequestLoop::Cut(std::string transport_error) {
  last_failure_ = core::FailureClass::kNetwork;
  core::ResponseVerdict verdict;
  verdict.failure = core::FailureClass::kNetwork;
  core::AttemptContext cut;
  cut.transport_error = std::move(transport_error);
  cut.bytes_sent = true;
  lease_.Fail(info_, route_, verdict, cut);
}

RequestAction RequestLoop::Fail(core::FallbackReply reply, const core::RetryPlan& plan,
                                bool recovering, unsigned answer_status) {
  if (reply == core::FallbackReply::kRelayUpstream && answer_status != 0) {
    RequestAction action = Action(RequestAction::Kind::kRelayFailure);
    action.relay_status = answer_status;
    return action;
  }
  RequestAction action = Action(RequestAction::Kind::kReplyError);
  action.error = FallbackError(reply, plan, recovering, answer_status);
  return action;
}

ProxyError RequestLoop::FallbackError(core::FallbackReply reply, const core::RetryPlan& plan,
                                      bool recovering, unsigned answer_status) {
  const int retry_after = core::RetryAfterSeconds(plan);
  const absl::Time now = pool_.clock().Now();
  switch (reply) {
    case core::FallbackReply::kRelayUpstream:  // with nothing to relay
    case core::FallbackReply::kNoAccount429:
      return {429, "rate_limit_error",
              core::HonestMessage(pool_.Census(info_), plan, recovering, now), retry_after};
    case core::FallbackReply::kBreaker429:
      return {429, "rate_limit_error",
              absl::StrCat("Anthropic is temporarily limiting requests for every account in the "
                           "pool (not your usage limit); maxpool retries automatically. Retry in ~",
                           core::FormatWait(absl::Seconds(retry_after)), "."),
              retry_after};
    case core::FallbackReply::kOverloaded529:
      return {529, "overloaded_error",
              "Anthropic is temporarily overloaded; maxpool retries automatically.", std::nullopt};
    case core::FallbackReply::kUpstreamStatus: {
      const unsigned status = answer_status != 0 ? answer_status : 502;
      return {status, "overloaded_error", absl::StrCat("Upstream returned ", status), std::nullopt};
    }
    case core::FallbackReply::kConnectionUnavailable: {
      const std::string_view cause = last_transport_error_.empty()
                                         ? std::string_view("network error")
                                         : std::string_view(last_transport_error_);
      return {503, "connection_unavailable",
              absl::StrCat("maxpool: the connection to the upstream dropped on every account "
                           "tried (",
                           core::AbslView(cause),
                           "). This is not a quota problem; resending usually works."),
              std::nullopt};
    }
    case core::FallbackReply::kProviderAuth502:
      return {502, "provider_auth_error",
              absl::StrCat("Provider account ", last_account_, " refused its credentials (HTTP ",
                           answer_status, "); check its token, base URL and model."),
              std::nullopt};
    case core::FallbackReply::kAuthentication401:
      return {401, "authentication_error",
              absl::StrCat("Account ", last_account_,
                           " was refused by Anthropic; check `maxpool accounts -v` or log in "
                           "again."),
              std::nullopt};
  }
  return {502, "proxy_error", "maxpool: internal error", std::nullopt};
}

}  // namespace maxpool::pool
