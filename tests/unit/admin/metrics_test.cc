// admin::Metrics fed by admin::EventMetrics from a real pool's EventBus (on a fake clock): the
// counters and histograms events make, the gauges computed from the pool at scrape time, and the
// exposition text they give.

#include "admin/metrics.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "admin/event_metrics.h"
#include "core/failure_class.h"
#include "core/header_source.h"
#include "core/response_classifier.h"
#include "credentials/token_refresher.h"
#include "gtest/gtest.h"
#include "pool/pool.h"
#include "support/eventually.h"
#include "support/fake_clock.h"
#include "support/pool_credential.h"
#include "support/pool_waiter.h"
#include "support/router_harness.h"
#include "support/status_matchers.h"
#include "unit/admin/metrics_text.h"

namespace maxpool::admin {
namespace {

using ::maxpool::admin::testing::AnySampleContains;
using ::maxpool::admin::testing::Sample;
using ::maxpool::testing::ApiKeyAccount;
using ::maxpool::testing::Eventually;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::OAuthAccount;
using ::maxpool::testing::SmallRequest;
using ::maxpool::testing::Token;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kAllStates[] = {"active",      "throttled", "cooling", "exhausted",
                                      "needs_login", "banned",    "disabled"};

// The gauges computed from the pool (an account's series of these vanish with it).
constexpr const char* kAccountGauges[] = {"maxpool_account_inflight",
                                          "maxpool_account_quota_utilization",
                                          "maxpool_account_quota_reset_seconds",
                                          "maxpool_account_state{",
                                          "maxpool_account_enabled",
                                          "maxpool_account_load_requests"};

pool::RequestFinished Request(std::string account, int status, absl::Duration duration) {
  pool::RequestFinished r;
  r.account = std::move(account);
  r.method = "POST";
  r.target = "/v1/messages";
  r.status = status;
  r.duration = duration;
  r.attempts = 1;
  return r;
}

class MetricsTest : public ::testing::Test {
 protected:
  MetricsTest()
      : pool_(clock_, pool::PoolOptions{}),
        metrics_(pool_, MetricsOptions{"1.2.3", [this] { return draining_.load(); }, {}, {}}),
        events_(pool_.events(), metrics_) {
    events_.Start();
  }

  // Everything published so far recorded, then the text a scrape gets.
  std::string Scrape() {
    EXPECT_TRUE(events_.Flush());
    return metrics_.Serialize();
  }

  void Publish(pool::PoolEventBody body) { pool_.events().Publish(std::move(body)); }

  FakeClock clock_;
  pool::Pool pool_;
  std::atomic<bool> draining_{false};
  Metrics metrics_;
  EventMetrics events_;
};

TEST(MetricsLabels, StatusClassAndOutcome) {
  EXPECT_EQ(StatusClass(200), "2xx");
  EXPECT_EQ(StatusClass(304), "3xx");
  EXPECT_EQ(StatusClass(429), "4xx");
  EXPECT_EQ(StatusClass(529), "5xx");
  EXPECT_EQ(StatusClass(0), "other");
  pool::RequestFinished r = Request("A", 200, absl::ZeroDuration());
  EXPECT_EQ(RequestOutcome(r), "ok");
  r.failure = "none";
  EXPECT_EQ(RequestOutcome(r), "ok");
  r.failure = "network";
  EXPECT_EQ(RequestOutcome(r), "error");
  r.failure.clear();
  r.status = 503;
  EXPECT_EQ(RequestOutcome(r), "error");
  r.truncated = true;
  EXPECT_EQ(RequestOutcome(r), "truncated");
  r.client_gone = true;
  EXPECT_EQ(RequestOutcome(r), "client_gone");
}

TEST_F(MetricsTest, RequestsTokensAndDurationsFromRequestFinished) {
  pool::RequestFinished a1 = Request("A", 200, absl::Milliseconds(120));
  a1.input_tokens = 10;
  a1.output_tokens = 20;
  Publish(a1);
  pool::RequestFinished a2 = Request("A", 200, absl::Seconds(2));
  a2.input_tokens = 5;  // output unknown (-1): not counted
  Publish(a2);
  pool::RequestFinished a3 = Request("A", 429, absl::ZeroDuration());
  a3.failure = "rate_limited";
  Publish(a3);
  pool::RequestFinished none = Request("", 503, absl::Milliseconds(1));
  none.failure = "local_overload";
  none.attempts = 0;
  Publish(none);
  pool::RequestFinished b1 = Request("B", 200, absl::Seconds(30));
  b1.truncated = true;
  Publish(b1);
  pool::RequestFinished b2 = Request("B", 200, absl::Seconds(1));
  b2.client_gone = true;
  Publish(b2);

  const std::string text = Scrape();
  EXPECT_EQ(Sample(text, R"(maxpool_requests_total{account="A",outcome="ok",status_class="2xx"})"),
            2);
  EXPECT_EQ(
      Sample(text, R"(maxpool_requests_total{account="A",outcome="error",status_class="4xx"})"), 1);
  EXPECT_EQ(
      Sample(text, R"(maxpool_requests_total{account="none",outcome="error",status_class="5xx"})"),
      1);
  EXPECT_EQ(
      Sample(text, R"(maxpool_requests_total{account="B",outcome="truncated",status_class="2xx"})"),
      1);
  EXPECT_EQ(
      Sample(text,
             R"(maxpool_requests_total{account="B",outcome="client_gone",status_class="2xx"})"),
      1);
  EXPECT_EQ(Sample(text, R"(maxpool_truncated_streams_total{account="B"})"), 1);
  EXPECT_EQ(Sample(text, R"(maxpool_truncated_streams_total{account="A"})"), std::nullopt);
  EXPECT_EQ(Sample(text, R"(maxpool_tokens_total{account="A",kind="input"})"), 15);
  EXPECT_EQ(Sample(text, R"(maxpool_tokens_total{account="A",kind="output"})"), 20);
  EXPECT_FALSE(AnySampleContains(text, R"(account="B")", "maxpool_tokens_total"));

  EXPECT_EQ(Sample(text, R"(maxpool_request_duration_seconds_count{account="A"})"), 3);
  EXPECT_DOUBLE_EQ(*Sample(text, R"(maxpool_request_duration_seconds_sum{account="A"})"), 2.12);
  EXPECT_EQ(Sample(text, R"(maxpool_request_duration_seconds_bucket{account="A",le="0.005"})"), 1);
  EXPECT_EQ(Sample(text, R"(maxpool_request_duration_seconds_bucket{account="A",le="0.25"})"), 2);
  EXPECT_EQ(Sample(text, R"(maxpool_request_duration_seconds_bucket{account="A",le="2.5"})"), 3);
  EXPECT_EQ(Sample(text, R"(maxpool_request_duration_seconds_bucket{account="A",le="600"})"), 3);
  EXPECT_EQ(Sample(text, R"(maxpool_request_duration_seconds_bucket{account="A",le="+Inf"})"), 3);
  EXPECT_EQ(Sample(text, R"(maxpool_request_duration_seconds_bucket{account="B",le="10"})"), 1);
  EXPECT_EQ(Sample(text, R"(maxpool_request_duration_seconds_bucket{account="B",le="30"})"), 2);
  EXPECT_EQ(Sample(text, R"(maxpool_request_duration_seconds_count{account="none"})"), 1);

  EXPECT_THAT(text, HasSubstr("# TYPE maxpool_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE maxpool_request_duration_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE maxpool_held_requests gauge\n"));
  EXPECT_THAT(text, HasSubstr("# HELP maxpool_requests_total "));
  EXPECT_EQ(events_.recorded(), 6u);
  EXPECT_EQ(Sample(text, "maxpool_metrics_events_dropped_total"), 0);
}

// RequestFinished::failure is the last attempt's failure class: a request that failed over and
// then succeeded ("none") counts ok; one whose last attempt failed counts as an error, whatever
// its status.
TEST_F(MetricsTest, TheLastAttemptsFailureDecidesTheOutcome) {
  pool::RequestFinished recovered = Request("A", 200, absl::Seconds(1));
  recovered.attempts = 2;
  recovered.failure = std::string(core::FailureClassName(core::FailureClass::kNone));
  Publish(recovered);
  for (core::FailureClass failure :
       {core::FailureClass::kRateLimited, core::FailureClass::kNetwork,
        core::FailureClass::kLocalOverload, core::FailureClass::kClientError}) {
    pool::RequestFinished failed = Request("A", 200, absl::Seconds(1));
    failed.failure = std::string(core::FailureClassName(failure));
    Publish(failed);
  }
  const std::string text = Scrape();
  EXPECT_EQ(Sample(text, R"(maxpool_requests_total{account="A",outcome="ok",status_class="2xx"})"),
            1);
  EXPECT_EQ(
      Sample(text, R"(maxpool_requests_total{account="A",outcome="error",status_class="2xx"})"), 4);
}

TEST_F(MetricsTest, InternalErrorsByComponentStartAtZero) {
  EXPECT_EQ(Sample(Scrape(), R"(maxpool_internal_errors_total{component="admin"})"), 0);
  metrics_.RecordInternalError("admin");
  metrics_.RecordInternalError("admin");
  EXPECT_EQ(Sample(Scrape(), R"(maxpool_internal_errors_total{component="admin"})"), 2);
}

// A 5xx fails over and cools the account; a dead refresh token fails the other over and needs a
// login. The pool publishes it all; the metrics count it and the state gauges show it.
TEST_F(MetricsTest, FailoversRefreshesAndStatesFromARealPool) {
  pool_.AddAccount(OAuthAccount("A"), Token("a"));
  pool_.AddAccount(OAuthAccount("B"), Token("b"));
  std::string text = Scrape();
  EXPECT_EQ(Sample(text, R"(maxpool_account_state_changes_total{account="A",state="active"})"), 1);
  EXPECT_EQ(Sample(text, R"(maxpool_account_state_changes_total{account="B",state="active"})"), 1);
  for (const char* account : {"A", "B"}) {
    for (const char* state : kAllStates) {
      EXPECT_EQ(Sample(text, absl::StrCat("maxpool_account_state{account=\"", account,
                                          "\",state=\"", state, "\"}")),
                std::string_view(state) == "active" ? 1 : 0)
          << account << " " << state;
    }
  }

  core::RequestInfo request = SmallRequest();
  core::RouteState route;
  std::optional<pool::Grant> first = pool_.TryAcquire(request, route);
  ASSERT_TRUE(first.has_value());
  const std::string cooled = first->lease.account_name;
  const std::string other = cooled == "A" ? "B" : "A";
  core::ResponseVerdict verdict;
  verdict.failure = core::FailureClass::kUpstream5xx;
  core::AttemptContext attempt;
  attempt.status = 500;
  pool_.OnFailure(first->lease, request, route, verdict, attempt);

  core::RouteState route2;
  std::optional<pool::Grant> second = pool_.TryAcquire(request, route2);
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->lease.account_name, other);
  credentials::FreshToken failure;
  failure.kind = credentials::FreshToken::Kind::kFailed;
  failure.failure = core::RefreshFailure::kDead;
  failure.status = 400;
  failure.reason = "token_refresh_failed";
  // The refresher reports the refresh; the request that waited for it fails over.
  pool_.RefreshOutcome(other, failure);
  pool_.OnRefreshFailure(second->lease, request, route2, failure, core::AttemptContext{});
  pool::RefreshFinished ok;
  ok.account = cooled;
  ok.ok = true;
  Publish(ok);

  text = Scrape();
  EXPECT_EQ(Sample(text, absl::StrCat("maxpool_failovers_total{account=\"", cooled,
                                      "\",reason=\"upstream_5xx\"}")),
            1);
  EXPECT_TRUE(
      AnySampleContains(text, absl::StrCat("account=\"", other, "\""), "maxpool_failovers_total"));
  EXPECT_EQ(Sample(text, absl::StrCat("maxpool_oauth_refreshes_total{account=\"", other,
                                      "\",result=\"failed\"}")),
            1);
  EXPECT_EQ(Sample(text, absl::StrCat("maxpool_oauth_refreshes_total{account=\"", cooled,
                                      "\",result=\"ok\"}")),
            1);
  EXPECT_EQ(Sample(text, absl::StrCat("maxpool_account_state_changes_total{account=\"", cooled,
                                      "\",state=\"cooling\"}")),
            1);
  EXPECT_EQ(Sample(text, absl::StrCat("maxpool_account_state_changes_total{account=\"", other,
                                      "\",state=\"needs_login\"}")),
            1);
  // One-hot: exactly the current state is 1.
  for (const char* state : kAllStates) {
    EXPECT_EQ(Sample(text, absl::StrCat("maxpool_account_state{account=\"", cooled, "\",state=\"",
                                        state, "\"}")),
              std::string_view(state) == "cooling" ? 1 : 0)
        << state;
    EXPECT_EQ(Sample(text, absl::StrCat("maxpool_account_state{account=\"", other, "\",state=\"",
                                        state, "\"}")),
              std::string_view(state) == "needs_login" ? 1 : 0)
        << state;
  }
}

TEST_F(MetricsTest, HoldOutcomesAndWaits) {
  pool::HoldEnded admitted;
  admitted.hold_id = 1;
  admitted.outcome = pool::HoldOutcome::kAdmitted;
  admitted.waited = absl::Seconds(2);
  Publish(admitted);
  pool::HoldEnded expired;
  expired.hold_id = 2;
  expired.outcome = pool::HoldOutcome::kExpired;
  expired.waited = absl::Seconds(10);
  Publish(expired);
  pool::HoldEnded refused;  // a full queue: no wait
  refused.outcome = pool::HoldOutcome::kQueueFull;
  Publish(refused);
  Publish(pool::HoldStarted{3, true, 1});

  const std::string text = Scrape();
  EXPECT_EQ(Sample(text, R"(maxpool_holds_total{outcome="admitted"})"), 1);
  EXPECT_EQ(Sample(text, R"(maxpool_holds_total{outcome="deadline"})"), 1);
  EXPECT_EQ(Sample(text, R"(maxpool_holds_total{outcome="queue_full"})"), 1);
  EXPECT_EQ(Sample(text, R"(maxpool_holds_total{outcome="cancelled"})"), 0);  // there from start
  EXPECT_EQ(Sample(text, R"(maxpool_holds_total{outcome="not_recovering"})"), 0);
  EXPECT_EQ(Sample(text, "maxpool_hold_wait_seconds_count"), 2);
  EXPECT_EQ(Sample(text, "maxpool_hold_wait_seconds_sum"), 12);
  EXPECT_EQ(Sample(text, R"(maxpool_hold_wait_seconds_bucket{le="2.5"})"), 1);
  EXPECT_EQ(Sample(text, R"(maxpool_hold_wait_seconds_bucket{le="10"})"), 2);
  EXPECT_EQ(Sample(text, "maxpool_held_requests"), 0);  // read from the pool, not the events
}

TEST_F(MetricsTest, QuotaInflightAndLoadGauges) {
  pool_.AddAccount(OAuthAccount("A"), Token("a"));
  core::RequestInfo request = SmallRequest();
  core::RouteState route;
  std::optional<pool::Grant> grant = pool_.TryAcquire(request, route);
  ASSERT_TRUE(grant.has_value());
  const absl::Time now = clock_.Now();
  core::FlatHeaders headers{{"anthropic-ratelimit-unified-status", "allowed"},
                            {"anthropic-ratelimit-unified-5h-utilization", "0.42"},
                            {"anthropic-ratelimit-unified-5h-reset",
                             absl::StrCat(absl::ToUnixSeconds(now + absl::Hours(2)))},
                            {"anthropic-ratelimit-unified-7d-utilization", "0.1"},
                            {"anthropic-ratelimit-unified-7d-reset",
                             absl::StrCat(absl::ToUnixSeconds(now + absl::Hours(72)))}};
  pool_.Observe(grant->lease, 200, headers);

  std::string text = Scrape();
  EXPECT_EQ(Sample(text, R"(maxpool_account_inflight{account="A"})"), 1);
  EXPECT_DOUBLE_EQ(*Sample(text, R"(maxpool_account_quota_utilization{account="A",window="5h"})"),
                   0.42);
  EXPECT_DOUBLE_EQ(*Sample(text, R"(maxpool_account_quota_utilization{account="A",window="7d"})"),
                   0.1);
  EXPECT_EQ(Sample(text, R"(maxpool_account_quota_reset_seconds{account="A",window="5h"})"), 7200);
  EXPECT_EQ(Sample(text, R"(maxpool_account_quota_reset_seconds{account="A",window="7d"})"),
            72 * 3600);
  EXPECT_FALSE(AnySampleContains(text, R"(window="tokens")"));
  EXPECT_FALSE(AnySampleContains(text, R"(window="provider_session")"));
  EXPECT_EQ(Sample(text, R"(maxpool_account_load_requests{account="A",window="15m"})"), 0);

  pool_.Release(grant->lease, core::ReleaseOutcome{core::ReleaseKind::kSuccess, 200, ""});
  clock_.Advance(absl::Hours(1));
  text = Scrape();
  EXPECT_EQ(Sample(text, R"(maxpool_account_inflight{account="A"})"), 0);
  EXPECT_EQ(Sample(text, R"(maxpool_account_quota_reset_seconds{account="A",window="5h"})"), 3600);
  EXPECT_EQ(Sample(text, R"(maxpool_account_load_requests{account="A",window="15m"})"), 0);
  EXPECT_EQ(Sample(text, R"(maxpool_account_load_requests{account="A",window="1h"})"), 1);
  clock_.Advance(absl::Hours(2));  // past the 5h reset: 0, not negative
  text = Scrape();
  EXPECT_EQ(Sample(text, R"(maxpool_account_quota_reset_seconds{account="A",window="5h"})"), 0);
}

// Session bindings are bounded; what was forgotten, and why, is counted.
TEST_F(MetricsTest, SessionBindingsAndTheirEvictions) {
  pool_.AddAccount(OAuthAccount("A"), Token("a"));
  pool_.UpdateSchedulerSettings([](core::SchedulerSettings& s) { s.max_session_bindings = 2; });
  auto route_session = [&](const std::string& session) {
    core::RouteState route;
    std::optional<pool::Grant> grant = pool_.TryAcquire(SmallRequest(session), route);
    ASSERT_TRUE(grant.has_value());
    pool_.Release(grant->lease, core::ReleaseOutcome{core::ReleaseKind::kSuccess, 200, ""});
    clock_.Advance(absl::Seconds(1));
  };
  std::string text = Scrape();
  EXPECT_EQ(Sample(text, "maxpool_session_bindings"), 0);
  EXPECT_EQ(Sample(text, R"(maxpool_session_evictions_total{reason="capacity"})"), 0);
  EXPECT_NE(text.find("# TYPE maxpool_session_evictions_total counter"), std::string::npos);
  route_session("s1");
  route_session("s2");
  route_session("s3");  // the table holds two: s1 goes
  text = Scrape();
  EXPECT_EQ(Sample(text, "maxpool_session_bindings"), 2);
  EXPECT_EQ(Sample(text, R"(maxpool_session_evictions_total{reason="capacity"})"), 1);
  clock_.Advance(absl::Hours(25));  // both idle past the 24-hour default
  route_session("s4");
  text = Scrape();
  EXPECT_EQ(Sample(text, "maxpool_session_bindings"), 1);
  EXPECT_EQ(Sample(text, R"(maxpool_session_evictions_total{reason="idle"})"), 2);
}

TEST_F(MetricsTest, ApiKeyLimitWindows) {
  pool_.AddAccount(ApiKeyAccount("K"),
                   ::maxpool::testing::MakeCredential(pool::CredentialKind::kApiKey, "sk-ant-api-k",
                                                      "https://api.anthropic.com"));
  core::RequestInfo request = SmallRequest();
  core::RouteState route;
  std::optional<pool::Grant> grant = pool_.TryAcquire(request, route);
  ASSERT_TRUE(grant.has_value());
  const absl::Time reset = clock_.Now() + absl::Seconds(40);
  core::FlatHeaders headers{{"anthropic-ratelimit-tokens-limit", "1000"},
                            {"anthropic-ratelimit-tokens-remaining", "250"},
                            {"anthropic-ratelimit-tokens-reset",
                             absl::FormatTime(absl::RFC3339_sec, reset, absl::UTCTimeZone())},
                            {"anthropic-ratelimit-requests-limit", "50"},
                            {"anthropic-ratelimit-requests-remaining", "40"}};
  pool_.Observe(grant->lease, 200, headers);
  const std::string text = Scrape();
  EXPECT_DOUBLE_EQ(
      *Sample(text, R"(maxpool_account_quota_utilization{account="K",window="tokens"})"), 0.75);
  EXPECT_DOUBLE_EQ(
      *Sample(text, R"(maxpool_account_quota_utilization{account="K",window="requests"})"), 0.2);
  EXPECT_EQ(Sample(text, R"(maxpool_account_quota_reset_seconds{account="K",window="tokens"})"),
            40);
  EXPECT_FALSE(AnySampleContains(text, R"(window="5h")"));

  // Past the reset, before the next answer: 0, never negative.
  clock_.Advance(absl::Seconds(55));
  const std::string later = Scrape();
  const std::optional<double> left =
      Sample(later, R"(maxpool_account_quota_reset_seconds{account="K",window="tokens"})");
  ASSERT_TRUE(left.has_value()) << later;
  EXPECT_EQ(*left, 0);
}

// A removed account's gauges vanish with it (they are computed from the pool); its counters stay.
// A counter series born at 1 hides its first event from rate() and increase(): an account's
// counters exist at 0 from the moment it joins the pool, before any traffic.
TEST_F(MetricsTest, AnAccountsCountersStartAtZeroWhenItJoins) {
  pool_.AddAccount(OAuthAccount("sub"), Token("s"));
  pool_.AddAccount(ApiKeyAccount("key"), Token("k"));
  const std::string text = Scrape();
  for (const char* account : {"sub", "key"}) {
    const std::string label = absl::StrCat("account=\"", account, "\"");
    EXPECT_EQ(Sample(text, absl::StrCat("maxpool_requests_total{", label,
                                        ",outcome=\"ok\",status_class=\"2xx\"}")),
              0)
        << account;
    EXPECT_EQ(Sample(text, absl::StrCat("maxpool_truncated_streams_total{", label, "}")), 0);
    EXPECT_EQ(Sample(text, absl::StrCat("maxpool_tokens_total{", label, ",kind=\"input\"}")), 0);
    EXPECT_EQ(Sample(text, absl::StrCat("maxpool_tokens_total{", label, ",kind=\"output\"}")), 0);
    for (const char* reason : {"rate_limited", "auth_dead", "overloaded", "network"}) {
      EXPECT_EQ(Sample(text, absl::StrCat("maxpool_failovers_total{", label, ",reason=\"", reason,
                                          "\"}")),
                0)
          << account << " " << reason;
    }
  }
  EXPECT_EQ(Sample(text, R"(maxpool_oauth_refreshes_total{account="sub",result="ok"})"), 0);
  EXPECT_EQ(Sample(text, R"(maxpool_oauth_refreshes_total{account="sub",result="failed"})"), 0);
  EXPECT_EQ(Sample(text, R"(maxpool_oauth_refreshes_total{account="key",result="ok"})"),
            std::nullopt)
      << "an API key is never refreshed";

  Publish(Request("sub", 200, absl::Seconds(1)));
  EXPECT_EQ(
      Sample(Scrape(), R"(maxpool_requests_total{account="sub",outcome="ok",status_class="2xx"})"),
      1);
}

// Accounts in the pool before the metrics exist get their series too.
TEST(MetricsStartTest, AccountsAlreadyInThePoolStartAtZero) {
  FakeClock clock;
  pool::Pool pool(clock, pool::PoolOptions{});
  pool.AddAccount(OAuthAccount("early"), Token("e"));
  Metrics metrics(pool);
  EXPECT_EQ(Sample(metrics.Serialize(), R"(maxpool_truncated_streams_total{account="early"})"), 0);
}

TEST_F(MetricsTest, ARemovedAccountLosesItsGaugesButKeepsItsCounters) {
  pool_.AddAccount(OAuthAccount("A"), Token("a"));
  pool_.AddAccount(OAuthAccount("B"), Token("b"));
  Publish(Request("B", 200, absl::Seconds(1)));
  std::string text = Scrape();
  for (const char* gauge : kAccountGauges) {
    if (std::string_view(gauge) == "maxpool_account_quota_utilization" ||
        std::string_view(gauge) == "maxpool_account_quota_reset_seconds") {
      continue;  // no quota known yet
    }
    EXPECT_TRUE(AnySampleContains(text, R"(account="B")", gauge)) << gauge;
  }

  ASSERT_THAT(pool_.RemoveAccount("B"), IsOk());
  text = Scrape();
  for (const char* gauge : kAccountGauges) {
    EXPECT_FALSE(AnySampleContains(text, R"(account="B")", gauge)) << gauge;
    if (std::string_view(gauge) != "maxpool_account_quota_utilization" &&
        std::string_view(gauge) != "maxpool_account_quota_reset_seconds") {
      EXPECT_TRUE(AnySampleContains(text, R"(account="A")", gauge)) << gauge;
    }
  }
  EXPECT_EQ(Sample(text, R"(maxpool_requests_total{account="B",outcome="ok",status_class="2xx"})"),
            1);
  EXPECT_EQ(Sample(text, R"(maxpool_account_state_changes_total{account="B",state="none"})"), 1);
}

TEST_F(MetricsTest, PoolWideGauges) {
  pool_.AddAccount(OAuthAccount("A"), Token("a"));
  std::string text = Scrape();
  EXPECT_EQ(Sample(text, R"(maxpool_build_info{version="1.2.3"})"), 1);
  EXPECT_EQ(Sample(text, "maxpool_draining"), 0);
  EXPECT_EQ(Sample(text, "maxpool_held_requests"), 0);
  EXPECT_EQ(Sample(text, R"(maxpool_account_enabled{account="A"})"), 1);

  draining_ = true;
  ASSERT_THAT(pool_.SetEnabled("A", false), IsOk());
  text = Scrape();
  EXPECT_EQ(Sample(text, "maxpool_draining"), 1);
  EXPECT_EQ(Sample(text, R"(maxpool_account_enabled{account="A"})"), 0);
  EXPECT_EQ(Sample(text, R"(maxpool_account_state{account="A",state="disabled"})"), 1);
  EXPECT_EQ(Sample(text, R"(maxpool_account_state{account="A",state="active"})"), 0);
  EXPECT_EQ(Sample(text, R"(maxpool_account_state_changes_total{account="A",state="disabled"})"),
            1);
}

TEST(MetricsClientLimits, TheDataPlanesBoundsAreScrapedAsTheProxyCountsThem) {
  FakeClock clock;
  pool::Pool pool(clock, pool::PoolOptions{});
  MetricsOptions options;
  options.client_limits = [] {
    ClientLimitsView view;
    view.connections = 7;
    view.buffered_bytes = 12345;
    view.refused = {
        {"connections", 2}, {"buffered_bytes", 0}, {"unauthenticated", 5}, {"malformed", 1}};
    view.accept_errors = 3;
    return view;
  };
  Metrics metrics(pool, std::move(options));
  const std::string text = metrics.Serialize();
  EXPECT_EQ(Sample(text, "maxpool_client_connections"), 7);
  EXPECT_EQ(Sample(text, "maxpool_request_buffered_bytes"), 12345);
  EXPECT_EQ(Sample(text, R"(maxpool_client_refusals_total{reason="connections"})"), 2);
  EXPECT_EQ(Sample(text, R"(maxpool_client_refusals_total{reason="buffered_bytes"})"), 0);
  EXPECT_EQ(Sample(text, R"(maxpool_client_refusals_total{reason="unauthenticated"})"), 5);
  EXPECT_EQ(Sample(text, "maxpool_accept_errors_total"), 3);
  EXPECT_THAT(text, HasSubstr("# TYPE maxpool_client_refusals_total counter"));
}

TEST(MetricsCluster, TheFleetsStateAndEachAccountsFleetWideRequests) {
  FakeClock clock;
  pool::Pool pool(clock, pool::PoolOptions{});
  pool.AddAccount(ApiKeyAccount("a"),
                  ::maxpool::testing::MakeCredential(pool::CredentialKind::kApiKey, "key-a",
                                                     "https://api.anthropic.com"));
  core::RouteState route;
  std::optional<pool::Grant> grant = pool.TryAcquire(SmallRequest(), route);
  ASSERT_TRUE(grant.has_value());
  pool.SetFleetInFlight({{"a", 4}});
  pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
  grant = pool.TryAcquire(SmallRequest(), route);
  ASSERT_TRUE(grant.has_value());
  pool::FleetLoad theirs;
  theirs.last_15m.requests = 10;
  theirs.last_1h.requests = 30;
  pool.SetFleetLoads({{"a", theirs}});
  {
    Metrics local(pool, MetricsOptions{});
    const std::string text = local.Serialize();
    EXPECT_THAT(text, Not(HasSubstr("maxpool_cluster_")));
    EXPECT_THAT(text, Not(HasSubstr("maxpool_account_fleet_")));
  }
  MetricsOptions options;
  options.cluster = [] { return ClusterMetricsView{false, 3, 120, 7, 2}; };
  Metrics metrics(pool, std::move(options));
  const std::string text = metrics.Serialize();
  EXPECT_EQ(Sample(text, R"(maxpool_account_inflight{account="a"})"), 1);
  EXPECT_EQ(Sample(text, R"(maxpool_account_fleet_inflight{account="a"})"), 5);
  EXPECT_EQ(Sample(text, R"(maxpool_account_fleet_load_requests{account="a",window="15m"})"), 11);
  EXPECT_EQ(Sample(text, R"(maxpool_account_fleet_load_requests{account="a",window="1h"})"), 31);
  EXPECT_EQ(Sample(text, "maxpool_cluster_connected"), 0);
  EXPECT_EQ(Sample(text, "maxpool_cluster_replicas"), 3);
  EXPECT_EQ(Sample(text, R"(maxpool_cluster_lease_claims_total{result="granted"})"), 120);
  EXPECT_EQ(Sample(text, R"(maxpool_cluster_lease_claims_total{result="refused"})"), 7);
  EXPECT_EQ(Sample(text, R"(maxpool_cluster_lease_claims_total{result="alone"})"), 2);
  EXPECT_THAT(text, HasSubstr("# TYPE maxpool_cluster_lease_claims_total counter"));
  pool.Release(grant->lease, {core::ReleaseKind::kSuccess, 200, ""});
}

TEST(MetricsVersion, DefaultsToTheProjectVersion) {
  FakeClock clock;
  pool::Pool pool(clock, pool::PoolOptions{});
  Metrics metrics(pool);
  EXPECT_FALSE(AnySampleContains(metrics.Serialize(), R"(version="")", "maxpool_build_info"));
  EXPECT_THAT(metrics.Serialize(), Not(HasSubstr(R"(version="unknown")")));
}

// A subscriber that falls behind loses events; the loss is counted, never silent.
TEST(EventMetricsTest, AGapCountsTheDroppedEvents) {
  FakeClock clock;
  pool::Pool pool(clock, pool::PoolOptions{});
  Metrics metrics(pool);
  EventMetrics events(pool.events(), metrics, /*capacity=*/8);
  for (int i = 0; i < 40; ++i) pool.events().Publish(Request("A", 200, absl::Seconds(1)));
  pool.events().Flush();  // 8 queued, 32 lost: nobody reads yet
  events.Start();
  // The reader catches up: the 8 queued events, then the gap (before any newer event).
  ASSERT_TRUE(Eventually(
      [&] { return Sample(metrics.Serialize(), "maxpool_metrics_events_dropped_total") == 32; }));
  EXPECT_EQ(events.recorded(), 8u);
  const uint64_t last = pool.events().Publish(Request("A", 200, absl::Seconds(1)));
  ASSERT_TRUE(events.WaitRecorded(last));
  const std::string text = metrics.Serialize();
  EXPECT_EQ(events.recorded(), 9u);
  EXPECT_EQ(Sample(text, "maxpool_metrics_events_dropped_total"), 32);
  EXPECT_EQ(Sample(text, R"(maxpool_requests_total{account="A",outcome="ok",status_class="2xx"})"),
            9);
}

TEST(EventMetricsTest, StopIsIdempotentAndTheBusMayGoFirst) {
  FakeClock clock;
  auto pool = std::make_unique<pool::Pool>(clock, pool::PoolOptions{});
  Metrics metrics(*pool);
  EventMetrics events(pool->events(), metrics);
  events.Start();
  events.Start();
  const uint64_t seq = pool->events().Publish(Request("A", 200, absl::Seconds(1)));
  ASSERT_TRUE(events.WaitRecorded(seq));
  pool.reset();  // the bus is gone: the reader's subscription ends
  events.Stop();
  events.Stop();
  EXPECT_EQ(events.recorded(), 1u);
}

}  // namespace
}  // namespace maxpool::admin
