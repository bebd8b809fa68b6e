// pool::RequestLoop: one request's decisions with no sockets, on a fake clock — every failure
// class, every hold path, the refresh pin, the budgets and the lease (spec §4, §5, §7.3).

#include "pool/request_loop.h"

#include <memory>
#include <string>

#include "core/response_classifier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"
#include "support/pool_credential.h"
#include "support/pool_waiter.h"
#include "support/router_harness.h"

namespace maxpool::pool {
namespace {

using ::maxpool::testing::ApiKeyAccount;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::OAuthAccount;
using ::maxpool::testing::ProviderAccount;
using ::maxpool::testing::SmallRequest;
using ::maxpool::testing::StreamingRequest;
using ::maxpool::testing::Token;
using ::testing::HasSubstr;
using Kind = RequestAction::Kind;

Credential Key(std::string secret) {
  return ::maxpool::testing::MakeCredential(CredentialKind::kApiKey, std::move(secret),
                                            "https://api.anthropic.com");
}

PoolOptions Options() {
  PoolOptions options;
  options.jitter_seed = 1;
  return options;
}

core::ResponseVerdict Verdict(core::FailureClass failure,
                              absl::Duration retry_after = absl::ZeroDuration(),
                              core::ThrottleScope scope = core::ThrottleScope::kNone) {
  core::ResponseVerdict verdict;
  verdict.failure = failure;
  verdict.retry_after = retry_after;
  verdict.scope = scope;
  return verdict;
}

core::AttemptContext Status(int status) {
  core::AttemptContext attempt;
  attempt.status = status;
  return attempt;
}

core::AttemptContext Transport(std::string error) {
  core::AttemptContext attempt;
  attempt.transport_error = std::move(error);
  return attempt;
}

constexpr ClientProgress kNothingSent{};
constexpr ClientProgress kHeartbeatsOnly{true, false};
constexpr ClientProgress kBodySent{true, true};

class RequestLoopTest : public ::testing::Test {
 protected:
  // API-key accounts by default: no refresh step between the decisions.
  void AddKeys(std::initializer_list<std::string> names) {
    for (const std::string& name : names) pool_.AddAccount(ApiKeyAccount(name), Key("key-" + name));
  }
  int InFlight(std::string_view name) const {
    for (const core::Account& account : pool_.Snapshot()) {
      if (account.settings.name == name) return account.state.in_flight;
    }
    ADD_FAILURE() << "no account " << name;
    return -1;
  }
  std::unique_ptr<RequestLoop> Loop(core::RequestInfo info = SmallRequest(), int64_t bytes = 200) {
    return std::make_unique<RequestLoop>(pool_, std::move(info), bytes);
  }

  FakeClock clock_;
  Pool pool_{clock_, Options()};
};

TEST_F(RequestLoopTest, SendsOnAnAccountAndReleasesItsLeaseAsASuccess) {
  AddKeys({"A"});
  auto loop = Loop();
  const RequestAction first = loop->Start(kNothingSent);
  ASSERT_EQ(first.kind, Kind::kSend);
  EXPECT_EQ(loop->grant().lease.account_name, "A");
  EXPECT_EQ(loop->grant().credential.secret, "key-A");
  EXPECT_EQ(InFlight("A"), 1);
  loop->Answered(200);
  EXPECT_EQ(InFlight("A"), 0);
  EXPECT_FALSE(loop->holds_lease());
  EXPECT_EQ(pool_.Snapshot()[0].state.completed_requests, 1);
  EXPECT_EQ(loop->attempts(), 1);
  EXPECT_EQ(loop->account_label(), "A");
  EXPECT_EQ(loop->last_failure(), core::FailureClass::kNone);
}

TEST_F(RequestLoopTest, ALoopDestroyedMidAttemptReturnsItsLease) {
  AddKeys({"A"});
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  EXPECT_EQ(InFlight("A"), 1);
  loop.reset();
  EXPECT_EQ(InFlight("A"), 0);
  EXPECT_EQ(pool_.Snapshot()[0].state.completed_requests, 0);  // abandoned, not a success
}

TEST_F(RequestLoopTest, NoAccountAtAllAnswers503NamingHowToAddOne) {
  auto loop = Loop();
  const RequestAction action = loop->Start(kNothingSent);
  ASSERT_EQ(action.kind, Kind::kReplyError);
  EXPECT_EQ(action.error.status, 503u);
  EXPECT_EQ(action.error.type, "api_error");
  EXPECT_THAT(action.error.message, HasSubstr("maxpool login"));
  EXPECT_EQ(loop->account_label(), "(none available)");
}

TEST_F(RequestLoopTest, OAuthAccountsGetAFreshTokenBeforeTheyAreSent) {
  pool_.AddAccount(OAuthAccount("A"), Token("old"));
  auto loop = Loop();
  const RequestAction first = loop->Start(kNothingSent);
  ASSERT_EQ(first.kind, Kind::kRefreshThenSend);
  EXPECT_FALSE(first.refused_token.has_value());
  credentials::FreshToken fresh;
  fresh.kind = credentials::FreshToken::Kind::kRefreshed;
  fresh.access_token = "new";
  ASSERT_EQ(loop->OnRefreshed(fresh, kNothingSent).kind, Kind::kSend);
  EXPECT_EQ(loop->grant().credential.secret, "new");
}

TEST_F(RequestLoopTest, AnUntrackedTokenIsSentAsItIs) {
  pool_.AddAccount(OAuthAccount("A"), Token("as-is"));
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kRefreshThenSend);
  ASSERT_EQ(loop->OnRefreshed(credentials::FreshToken{}, kNothingSent).kind, Kind::kSend);
  EXPECT_EQ(loop->grant().credential.secret, "as-is");
}

TEST_F(RequestLoopTest, A401RefreshesAndRetriesOnTheSameAccountWithTheRefusedToken) {
  pool_.AddAccount(OAuthAccount("A"), Token("token-a"));
  pool_.AddAccount(OAuthAccount("B"), Token("token-b"));
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kRefreshThenSend);
  const std::string first = loop->grant().lease.account_name;
  ASSERT_EQ(loop->OnRefreshed(credentials::FreshToken{}, kNothingSent).kind, Kind::kSend);
  const RequestAction retry = loop->OnAttemptFailed(Verdict(core::FailureClass::kAuthExpired),
                                                    Status(401), 401, kNothingSent);
  ASSERT_EQ(retry.kind, Kind::kRefreshThenSend);
  EXPECT_EQ(loop->grant().lease.account_name, first);  // pinned, though the other is free
  EXPECT_EQ(retry.refused_token,
            std::optional<std::string>("token-" + std::string(first == "A" ? "a" : "b")));
  EXPECT_EQ(loop->attempts(), 2);
}

TEST_F(RequestLoopTest, AFailedRefreshFailsOverToAnotherAccount) {
  pool_.AddAccount(OAuthAccount("A"), Token("a"));
  pool_.AddAccount(OAuthAccount("B"), Token("b"));
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kRefreshThenSend);
  const std::string first = loop->grant().lease.account_name;
  credentials::FreshToken dead;
  dead.kind = credentials::FreshToken::Kind::kFailed;
  dead.failure = core::RefreshFailure::kDead;
  dead.status = 400;
  ASSERT_EQ(loop->OnRefreshed(dead, kNothingSent).kind, Kind::kRefreshThenSend);
  EXPECT_NE(loop->grant().lease.account_name, first);
  EXPECT_EQ(InFlight(first), 0);
  EXPECT_EQ(loop->last_failure(), core::FailureClass::kAuthDead);
}

TEST_F(RequestLoopTest, ARefreshWaitCancelledByTheClientLeavingEndsWithTheLeaseReturned) {
  pool_.AddAccount(OAuthAccount("A"), Token("a"));
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kRefreshThenSend);
  credentials::FreshToken cancelled;
  cancelled.kind = credentials::FreshToken::Kind::kCancelled;
  EXPECT_EQ(loop->OnRefreshed(cancelled, kNothingSent).kind, Kind::kEnd);
  EXPECT_TRUE(loop->client_gone());
  EXPECT_EQ(InFlight("A"), 0);
  EXPECT_EQ(pool_.Snapshot()[0].state.cooldown_until, std::nullopt);  // not the account's fault
}

// Every class that fails over while nothing was sent, with a second account free.
class FailoverClassTest : public RequestLoopTest,
                          public ::testing::WithParamInterface<core::FailureClass> {};

TEST_P(FailoverClassTest, FailsOverToTheOtherAccount) {
  AddKeys({"A", "B"});
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  const std::string first = loop->grant().lease.account_name;
  const bool network = GetParam() == core::FailureClass::kNetwork;
  const RequestAction next =
      loop->OnAttemptFailed(Verdict(GetParam(), absl::Seconds(30), core::ThrottleScope::kAccount),
                            network ? Transport("ECONNRESET") : Status(429), 0, kNothingSent);
  ASSERT_EQ(next.kind, Kind::kSend) << core::FailureClassName(GetParam());
  EXPECT_NE(loop->grant().lease.account_name, first);
  EXPECT_EQ(InFlight(first), 0);
  EXPECT_EQ(loop->attempts(), 2);
  EXPECT_EQ(loop->last_failure(), GetParam());
  loop->Answered(200);
  EXPECT_EQ(loop->last_failure(), core::FailureClass::kNone);
}

INSTANTIATE_TEST_SUITE_P(
    Classes, FailoverClassTest,
    ::testing::Values(core::FailureClass::kQuotaRejected, core::FailureClass::kRateLimited,
                      core::FailureClass::kOverloaded, core::FailureClass::kUpstream5xx,
                      core::FailureClass::kAuthDead, core::FailureClass::kBanned,
                      core::FailureClass::kForbidden, core::FailureClass::kNetwork),
    [](const auto& param_info) { return std::string(core::FailureClassName(param_info.param)); });

TEST_F(RequestLoopTest, AClientErrorIsRelayedAsItCameAndNeverRetried) {
  AddKeys({"A", "B"});
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  const RequestAction next = loop->OnAttemptFailed(Verdict(core::FailureClass::kClientError),
                                                   Status(400), 400, kNothingSent);
  ASSERT_EQ(next.kind, Kind::kRelayFailure);
  EXPECT_EQ(next.relay_status, 400u);
  EXPECT_EQ(loop->attempts(), 1);
  EXPECT_EQ(InFlight("A") + InFlight("B"), 0);
}

TEST_F(RequestLoopTest, ABodyTooLargeToResendIsNotRetriedOnAnotherAccount) {
  AddKeys({"A", "B"});
  auto loop = Loop(SmallRequest(), int64_t{64} << 20);  // over the 10 MiB retry buffer
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  const RequestAction next = loop->OnAttemptFailed(Verdict(core::FailureClass::kUpstream5xx),
                                                   Status(502), 502, kNothingSent);
  EXPECT_NE(next.kind, Kind::kSend);
  EXPECT_NE(next.kind, Kind::kHold);  // §5.1: a body too large to keep is never held
  EXPECT_EQ(loop->attempts(), 1);
}

TEST_F(RequestLoopTest, TheHopBudgetIsOnePassOverTheAccounts) {
  AddKeys({"A", "B"});
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  ASSERT_EQ(loop->OnAttemptFailed(Verdict(core::FailureClass::kUpstream5xx), Status(500), 500,
                                  kNothingSent)
                .kind,
            Kind::kSend);
  const RequestAction last = loop->OnAttemptFailed(Verdict(core::FailureClass::kUpstream5xx),
                                                   Status(503), 503, kNothingSent);
  EXPECT_NE(last.kind, Kind::kSend);
  EXPECT_EQ(loop->attempts(), 2);
}

TEST_F(RequestLoopTest, EveryAccountOutHoldsThenSendsOnceAdmitted) {
  AddKeys({"A"});
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  const RequestAction hold = loop->OnAttemptFailed(
      Verdict(core::FailureClass::kRateLimited, absl::Seconds(30), core::ThrottleScope::kAccount),
      Status(429), 429, kNothingSent);
  ASSERT_EQ(hold.kind, Kind::kHold);
  EXPECT_TRUE(loop->held());
  EXPECT_FALSE(hold.begin_stream_when_queued);  // not a streaming request
  EXPECT_GT(hold.hold_until, clock_.Now());
  EXPECT_EQ(InFlight("A"), 0);
  clock_.Advance(absl::Seconds(31));
  const RequestAction admitted = loop->OnHoldEnded({HoldOutcome::kAdmitted, {}}, kNothingSent);
  ASSERT_EQ(admitted.kind, Kind::kSend);
  EXPECT_EQ(loop->grant().lease.account_name, "A");
  EXPECT_EQ(loop->attempts(), 2);
}

TEST_F(RequestLoopTest, AStreamingRequestCommitsItsHeartbeatStreamOnlyOnceQueued) {
  AddKeys({"A"});
  auto loop = Loop(StreamingRequest());
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  const RequestAction hold = loop->OnAttemptFailed(
      Verdict(core::FailureClass::kRateLimited, absl::Seconds(30), core::ThrottleScope::kAccount),
      Status(429), 429, kNothingSent);
  ASSERT_EQ(hold.kind, Kind::kHold);
  EXPECT_TRUE(hold.begin_stream_when_queued);
}

TEST_F(RequestLoopTest, NoCapacityAtAllHoldsBeforeAnyAttempt) {
  AddKeys({"A"});
  core::RouteState other;
  std::optional<Grant> busy = pool_.TryAcquire(SmallRequest(), other);
  ASSERT_TRUE(busy.has_value());
  ASSERT_TRUE(pool_
                  .OnFailure(busy->lease, SmallRequest(), other,
                             Verdict(core::FailureClass::kRateLimited, absl::Seconds(60),
                                     core::ThrottleScope::kAccount),
                             Status(429))
                  .hold.has_value());
  auto loop = Loop();
  const RequestAction first = loop->Start(kNothingSent);
  ASSERT_EQ(first.kind, Kind::kHold);
  EXPECT_EQ(loop->attempts(), 0);
  EXPECT_EQ(loop->account_label(), "(none available)");
}

TEST_F(RequestLoopTest, AnExpiredHoldAnswers429WithRetryAfterAndTheHonestMessage) {
  AddKeys({"A"});
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  ASSERT_EQ(loop->OnAttemptFailed(Verdict(core::FailureClass::kRateLimited, absl::Seconds(30),
                                          core::ThrottleScope::kAccount),
                                  Status(429), 429, kNothingSent)
                .kind,
            Kind::kHold);
  core::RetryPlan plan;
  plan.retry_after = absl::Seconds(20);
  const RequestAction end = loop->OnHoldEnded({HoldOutcome::kExpired, plan}, kNothingSent);
  ASSERT_EQ(end.kind, Kind::kReplyError);
  EXPECT_EQ(end.error.status, 429u);
  EXPECT_EQ(end.error.type, "rate_limit_error");
  EXPECT_EQ(end.error.retry_after, std::optional<int>(20));
  EXPECT_THAT(end.error.message, HasSubstr("A"));
}

TEST_F(RequestLoopTest, AFullQueueBeforeAnythingWasSentGivesTheCallersOwnAnswer) {
  AddKeys({"A"});
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  ASSERT_EQ(loop->OnAttemptFailed(Verdict(core::FailureClass::kRateLimited, absl::Seconds(30),
                                          core::ThrottleScope::kAccount),
                                  Status(429), 429, kNothingSent)
                .kind,
            Kind::kHold);
  core::RetryPlan plan;
  plan.retry_after = absl::Seconds(30);
  const RequestAction end = loop->OnHoldEnded({HoldOutcome::kQueueFull, plan}, kNothingSent);
  // Not held and nothing sent: the 429 the request would have had without the queue (§5.6),
  // with the time capacity returns.
  ASSERT_EQ(end.kind, Kind::kReplyError);
  EXPECT_EQ(end.error.status, 429u);
  EXPECT_EQ(end.error.type, "rate_limit_error");
  EXPECT_EQ(end.error.retry_after, std::optional<int>(30));
  EXPECT_THAT(end.error.message, ::testing::Not(HasSubstr("hold queue")));
}

TEST_F(RequestLoopTest, AFullQueueUnderACommittedStreamEndsWithAnInBand429) {
  AddKeys({"A"});
  auto loop = Loop(StreamingRequest());
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  ASSERT_EQ(loop->OnAttemptFailed(Verdict(core::FailureClass::kRateLimited, absl::Seconds(30),
                                          core::ThrottleScope::kAccount),
                                  Status(429), 429, kHeartbeatsOnly)
                .kind,
            Kind::kHold);
  const RequestAction end = loop->OnHoldEnded({HoldOutcome::kQueueFull, {}}, kHeartbeatsOnly);
  ASSERT_EQ(end.kind, Kind::kReplyError);
  EXPECT_EQ(end.error.status, 429u);
  EXPECT_THAT(end.error.message, HasSubstr("hold queue is full"));
  EXPECT_EQ(end.error.retry_after, std::optional<int>(5));
}

TEST_F(RequestLoopTest, AHoldCancelledByTheClientLeavingEnds) {
  AddKeys({"A"});
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  ASSERT_EQ(loop->OnAttemptFailed(Verdict(core::FailureClass::kRateLimited, absl::Seconds(30),
                                          core::ThrottleScope::kAccount),
                                  Status(429), 429, kNothingSent)
                .kind,
            Kind::kHold);
  EXPECT_EQ(loop->OnHoldEnded({HoldOutcome::kCancelled, {}}, kNothingSent).kind, Kind::kEnd);
  EXPECT_TRUE(loop->client_gone());
}

TEST_F(RequestLoopTest, NetworkFailuresOnEveryAccountSoakThenAnswer503NamingTheError) {
  AddKeys({"A", "B"});
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  ASSERT_EQ(loop->OnAttemptFailed(Verdict(core::FailureClass::kNetwork), Transport("ECONNREFUSED"),
                                  0, kNothingSent)
                .kind,
            Kind::kSend);
  const RequestAction soak = loop->OnAttemptFailed(Verdict(core::FailureClass::kNetwork),
                                                   Transport("ECONNREFUSED"), 0, kNothingSent);
  ASSERT_EQ(soak.kind, Kind::kHold);  // the network soak (§5.1)
  const RequestAction end = loop->OnHoldEnded({HoldOutcome::kExpired, {}}, kNothingSent);
  ASSERT_EQ(end.kind, Kind::kReplyError);
  EXPECT_EQ(end.error.status, 503u);
  EXPECT_EQ(end.error.type, "connection_unavailable");
  EXPECT_THAT(end.error.message, HasSubstr("ECONNREFUSED"));
}

TEST_F(RequestLoopTest, TheNetworkSoakBudgetRunsFromTheFirstFailure) {
  AddKeys({"A"});
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  ASSERT_EQ(loop->OnAttemptFailed(Verdict(core::FailureClass::kNetwork), Transport("ETIMEDOUT"), 0,
                                  kNothingSent)
                .kind,
            Kind::kHold);
  clock_.Advance(absl::Minutes(5));  // past the 45 s of a non-streaming request
  ASSERT_EQ(loop->OnHoldEnded({HoldOutcome::kAdmitted, {}}, kNothingSent).kind, Kind::kSend);
  const RequestAction end = loop->OnAttemptFailed(Verdict(core::FailureClass::kNetwork),
                                                  Transport("ETIMEDOUT"), 0, kNothingSent);
  ASSERT_EQ(end.kind, Kind::kReplyError);
  EXPECT_EQ(end.error.status, 503u);
}

TEST_F(RequestLoopTest, AFailureAfterBodyBytesIsNeverHeld) {
  AddKeys({"A"});
  auto loop = Loop(StreamingRequest());
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  const RequestAction end = loop->OnAttemptFailed(
      Verdict(core::FailureClass::kRateLimited, absl::Seconds(30), core::ThrottleScope::kAccount),
      Status(429), 429, kBodySent);
  EXPECT_NE(end.kind, Kind::kHold);
  EXPECT_NE(end.kind, Kind::kSend);
}

TEST_F(RequestLoopTest, ACutStreamChargesTheAccountANetworkFailureAndReleasesTheLease) {
  AddKeys({"A"});
  auto loop = Loop(StreamingRequest());
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  loop->Cut("ECONNRESET");
  EXPECT_FALSE(loop->holds_lease());
  EXPECT_EQ(InFlight("A"), 0);
  EXPECT_EQ(loop->last_failure(), core::FailureClass::kNetwork);
  EXPECT_EQ(pool_.Snapshot()[0].state.completed_requests, 0);
}

TEST_F(RequestLoopTest, AKeyRefusedForGoodOnTheOnlyAccountAnswers401NamingIt) {
  AddKeys({"A"});
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  const RequestAction end =
      loop->OnAttemptFailed(Verdict(core::FailureClass::kAuthDead), Status(401), 401, kNothingSent);
  ASSERT_EQ(end.kind, Kind::kReplyError);
  EXPECT_EQ(end.error.status, 401u);
  EXPECT_EQ(end.error.type, "authentication_error");
  EXPECT_THAT(end.error.message, HasSubstr("Account A"));
  EXPECT_EQ(loop->last_failure(), core::FailureClass::kAuthDead);
}

// What each failure class comes to when it happens on the only account, with nothing sent: a
// hold for what passes (ending, when it expires, with the honest 429), or the upstream's own
// answer relayed for a refusal of this account.
struct OnlyAccountCase {
  core::FailureClass failure;
  int status;
  core::ThrottleScope scope;
  Kind expected;
};

class OnlyAccountTest : public RequestLoopTest,
                        public ::testing::WithParamInterface<OnlyAccountCase> {};

TEST_P(OnlyAccountTest, EndsAsTheReferenceDoes) {
  const OnlyAccountCase& c = GetParam();
  AddKeys({"A"});
  auto loop = Loop();
  ASSERT_EQ(loop->Start(kNothingSent).kind, Kind::kSend);
  const RequestAction next = loop->OnAttemptFailed(Verdict(c.failure, absl::Seconds(20), c.scope),
                                                   Status(c.status), c.status, kNothingSent);
  ASSERT_EQ(next.kind, c.expected) << core::FailureClassName(c.failure);
  EXPECT_EQ(InFlight("A"), 0);
  if (next.kind == Kind::kRelayFailure) {
    EXPECT_EQ(next.relay_status, static_cast<unsigned>(c.status));
    return;
  }
  const RequestAction end = loop->OnHoldEnded({HoldOutcome::kExpired, {}}, kNothingSent);
  ASSERT_EQ(end.kind, Kind::kReplyError);
  EXPECT_EQ(end.error.status, 429u);
  EXPECT_EQ(end.error.type, "rate_limit_error");
  EXPECT_TRUE(end.error.retry_after.has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Classes, OnlyAccountTest,
    ::testing::Values(OnlyAccountCase{core::FailureClass::kQuotaRejected, 429,
                                      core::ThrottleScope::kAccount, Kind::kHold},
                      OnlyAccountCase{core::FailureClass::kModelRejected, 429,
                                      core::ThrottleScope::kAccount, Kind::kHold},
                      OnlyAccountCase{core::FailureClass::kRateLimited, 429,
                                      core::ThrottleScope::kAccount, Kind::kHold},
                      OnlyAccountCase{core::FailureClass::kRequestRefused, 429,
                                      core::ThrottleScope::kUpstream, Kind::kHold},
                      OnlyAccountCase{core::FailureClass::kOverloaded, 529,
                                      core::ThrottleScope::kNone, Kind::kHold},
                      OnlyAccountCase{core::FailureClass::kUpstream5xx, 502,
                                      core::ThrottleScope::kNone, Kind::kHold},
                      OnlyAccountCase{core::FailureClass::kBanned, 403, core::ThrottleScope::kNone,
                                      Kind::kRelayFailure},
                      OnlyAccountCase{core::FailureClass::kForbidden, 403,
                                      core::ThrottleScope::kNone, Kind::kRelayFailure}),
    [](const auto& param_info) {
      return std::string(core::FailureClassName(param_info.param.failure));
    });

}  // namespace
}  // namespace maxpool::pool
