// What a refusal from Anthropic does to the pool, through the real proxy (spec §4.2, §4.4, §13
// item 7; anthropic-wire.md §3, §4.2):
// - a 403 about the request (a model or feature the organisation lacks) skips the account for
//   that request only, and is relayed when every account gives it; the pool stays available;
// - a 403 that refuses the account itself benches that account alone;
// - a 429 `rejected` with the 5-hour window at 100% and the week healthy is a 5-hour limit:
//   `retry-after` names the 5-hour reset and a stream held for it is served at that reset;
// - an API key sent as a bearer token is classified as the API key it is, and a provider account
//   by its own provider's rules.

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fake/behaviour.h"
#include "fake/test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pool/account_state.h"
#include "support/eventually.h"
#include "support/proxy_harness.h"
#include "support/scripted_upstream.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::ProxyHarness;
using ::maxpool::testing::ScriptedUpstream;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

fake::Behaviour Forbidden(std::string message) {
  fake::Behaviour b = fake::Behaviour::Of(fake::BehaviourKind::kBanned403);
  b.message = std::move(message);
  return b;
}

void Script(ProxyHarness& h, const std::string& credential, std::vector<fake::Behaviour> script) {
  ASSERT_TRUE(h.upstream().Script(credential, std::move(script)).ok());
}

pool::AccountState StateOf(ProxyHarness& h, std::string_view name) {
  const absl::Time now = h.pool().clock().Now();
  for (const core::Account& a : h.pool().Snapshot()) {
    if (a.settings.name == name) {
      return pool::DeriveAccountState(a, h.pool().SchedulerSettings(), now);
    }
  }
  ADD_FAILURE() << "no account " << name;
  return pool::AccountState::kActive;
}

bool Settled(ProxyHarness& h) {
  return Eventually([&] {
    for (const core::Account& a : h.pool().Snapshot()) {
      if (a.state.in_flight != 0) return false;
    }
    return true;
  });
}

// --- 403 ---------------------------------------------------------------------------------------

TEST(AccountRefusal, RequestSpecific403IsRelayedWhenEveryAccountGivesItAndBenchesNothing) {
  ProxyHarness h;
  const std::string a = h.AddAccount("trA");
  const std::string b = h.AddAccount("trB");
  const std::string lacks = "Your organization does not have access to this model.";
  Script(h, a, {Forbidden(lacks)});
  Script(h, b, {Forbidden(lacks)});
  h.Start();

  const fake::HttpResponse refused = h.Post(false);
  EXPECT_EQ(refused.status, 403);
  EXPECT_THAT(refused.body, HasSubstr("permission_error"));
  EXPECT_THAT(refused.body, HasSubstr(lacks));
  EXPECT_EQ(h.upstream().Requests().size(), 2u) << "each account is tried once";
  ASSERT_TRUE(Settled(h));
  EXPECT_EQ(StateOf(h, "trA"), pool::AccountState::kActive);
  EXPECT_EQ(StateOf(h, "trB"), pool::AccountState::kActive);

  // Ten ordinary requests at once: all served, none waits.
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    clients.emplace_back([&] { ok += h.Post(false).status == 200 ? 1 : 0; });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok.load(), 10);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(AccountRefusal, RequestSpecific403FailsOverToAnAccountThatServesIt) {
  ProxyHarness h;
  const std::string a = h.AddAccount("trA");
  const std::string b = h.AddAccount("trB", {}, /*priority=*/1);
  Script(h, a, {Forbidden("Your organization does not have access to this model.")});
  h.Start();
  const fake::HttpResponse r = h.Post(false);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-maxpool-account").value_or(""), "trB");
  ASSERT_TRUE(Settled(h));
  EXPECT_EQ(StateOf(h, "trA"), pool::AccountState::kActive);
}

TEST(AccountRefusal, AccountLevel403BenchesOnlyThatAccount) {
  ProxyHarness h;
  const std::string a = h.AddAccount("trA");
  const std::string b = h.AddAccount("trB", {}, /*priority=*/1);
  Script(h, a, {Forbidden("OAuth authentication is currently not allowed for this organization.")});
  h.Start();
  const fake::HttpResponse r = h.Post(false);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-maxpool-account").value_or(""), "trB");
  ASSERT_TRUE(Settled(h));
  EXPECT_EQ(StateOf(h, "trA"), pool::AccountState::kBanned);
  EXPECT_EQ(StateOf(h, "trB"), pool::AccountState::kActive);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(h.Post(false).Header("x-maxpool-account").value_or(""), "trB");
  }
}

TEST(AccountRefusal, RevokedToken403GoesToTheRefreshPathNotTheBench) {
  ProxyHarness h;
  const std::string a = h.AddAccount("trA");
  Script(h, a, {Forbidden("OAuth token has been revoked. Please obtain a new token.")});
  h.Start();
  // Without a refresher the same token is retried once, then the 403 stands: the account is not
  // benched as banned either way.
  h.Post(false);
  ASSERT_TRUE(Settled(h));
  EXPECT_NE(StateOf(h, "trA"), pool::AccountState::kBanned);
}

// --- A 5-hour limit is not weekly exhaustion -----------------------------------------------------

fake::FakeAccountSpec ResetsIn(absl::Duration d) {
  fake::FakeAccountSpec spec;
  spec.utilization_5h = 0.95;
  spec.utilization_7d = 0.59;
  spec.reset_5h = absl::Now() + d;
  return spec;
}

TEST(AccountRefusal, Scenario15RejectedAt5hIsAFiveHourLimitAndRetryAfterNamesItsReset) {
  ProxyHarness::Options o = ProxyHarness::DefaultOptions();
  o.pool.queue.non_stream_max_wait = absl::ZeroDuration();  // answer at once, do not hold
  ProxyHarness h(o);
  const std::string a = h.AddAccount("trA", ResetsIn(absl::Minutes(30)));
  Script(h, a, {fake::Behaviour::Of(fake::BehaviourKind::kQuota429)});
  h.Start();
  const fake::HttpResponse r = h.Post(false);
  ASSERT_EQ(r.status, 429) << r.body;
  int64_t retry_after = 0;
  ASSERT_TRUE(absl::SimpleAtoi(r.Header("retry-after").value_or(""), &retry_after));
  EXPECT_GE(retry_after, 29 * 60);
  EXPECT_LE(retry_after, 31 * 60) << "a weekly reset named for a 5-hour limit";
  EXPECT_THAT(r.body, Not(HasSubstr("weekly")));
  ASSERT_TRUE(Settled(h));
  // Out until the 5-hour reset, not the weekly one.
  for (const core::Account& account : h.pool().Snapshot()) {
    const pool::AccountStateView view =
        pool::DescribeAccountState(account, h.pool().SchedulerSettings(), h.pool().clock().Now());
    EXPECT_NE(view.reason, "weekly_limit");
    EXPECT_LE(view.until, absl::Now() + absl::Minutes(31));
  }
}

TEST(AccountRefusal, StreamHeldFor5hLimitIsServedWhenTheWindowResets) {
  ProxyHarness::Options o = ProxyHarness::DefaultOptions();
  o.proxy.heartbeat = 500ms;
  o.proxy.stream_grace = 500ms;
  ProxyHarness h(o);
  const std::string a = h.AddAccount("trA", ResetsIn(absl::Seconds(3)));
  Script(h, a, {fake::Behaviour::Of(fake::BehaviourKind::kQuota429)});
  h.Start();
  const auto started = std::chrono::steady_clock::now();
  const fake::HttpResponse r = h.Post(true);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(r.status, 200) << r.body;
  const fake::SseParse sse = fake::ParseSse(r.body);
  ASSERT_FALSE(sse.events.empty()) << r.body;
  EXPECT_EQ(sse.events.front().event, "ping") << "held with heartbeats first";
  EXPECT_EQ(sse.events.back().event, "message_stop") << r.body;
  EXPECT_GE(took, 1500ms);
  EXPECT_LT(took, 15s);
  EXPECT_EQ(h.upstream().Requests().size(), 2u);
}

// --- The account's own kind and provider decide what an answer means --------------------------

TEST(AccountRefusal, ApiKeySentAsBearerIsClassifiedAsAnApiKeyNotAProvider) {
  ProxyHarness h;
  ScriptedUpstream scripted;
  fake::FakeAccountSpec spec;
  spec.type = fake::AccountType::kApiKey;
  h.AddAccount("bearer-key", spec, 0, [](core::AccountSettings&, pool::Credential& c) {
    c.kind = pool::CredentialKind::kBearer;  // authHeader: "authorization"
  });
  h.AddAccount("other", spec, 1);
  h.Redirect("bearer-key", scripted.base_url());
  scripted.Push({ScriptedUpstream::Json(
      403,
      R"({"type":"error","error":{"type":"permission_error","message":"no access to this model"}})")});
  h.Start();
  const fake::HttpResponse r = h.Post(false);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-maxpool-account").value_or(""), "other");
  ASSERT_TRUE(Settled(h));
  // As a provider it would have been benched for 30 minutes.
  EXPECT_EQ(StateOf(h, "bearer-key"), pool::AccountState::kActive);
}

TEST(AccountRefusal, ZaiAccountIsBenchedByItsOwnProvidersBody) {
  ProxyHarness::Options o = ProxyHarness::DefaultOptions();
  o.pool.scheduler.routing_mode = core::RoutingMode::kBalance;  // the provider serves directly
  ProxyHarness h(o);
  ScriptedUpstream scripted;
  fake::FakeAccountSpec spec;
  spec.type = fake::AccountType::kApiKey;
  h.AddAccount("glm", spec, 0, [](core::AccountSettings& s, pool::Credential& c) {
    s.type = core::AccountType::kProvider;
    s.provider = core::Provider::kZai;
    s.profiles = {"zai", "all"};
    c.kind = pool::CredentialKind::kBearer;
  });
  h.Redirect("glm", scripted.base_url());
  // Z.AI's weekly-limit code: benched for an hour (the default for an unread body is a minute).
  scripted.Push({ScriptedUpstream::Json(
      429,
      R"({"type":"error","error":{"code":"1308","message":"Usage limit reached for 5 hour."}})")});
  h.Start();
  const absl::Time before = absl::Now();
  EXPECT_EQ(h.Post(false, {{"x-maxpool-profile", "zai"}}).status, 429);
  EXPECT_EQ(scripted.requests().size(), 1u);
  ASSERT_TRUE(Settled(h));
  for (const core::Account& account : h.pool().Snapshot()) {
    if (account.settings.name != "glm") continue;
    ASSERT_TRUE(account.state.rate_limited_until.has_value());
    EXPECT_GE(*account.state.rate_limited_until - before, absl::Minutes(59));
  }
}

// §15 scenario 57 through the proxy: each provider's 429 body, with no retry-after, times its
// account's bench: GLM's code 1308 an hour, Kimi's "try again after 20 seconds" 20 s. The client
// gets the 429, and the other provider is untouched.
TEST(AccountRefusal, Scenario57_ProviderBodiesTimeTheBenchThroughTheProxy) {
  ProxyHarness::Options o = ProxyHarness::DefaultOptions();
  o.pool.scheduler.routing_mode = core::RoutingMode::kBalance;
  // A 20 s bench is within a request's hold window: answer at once instead of holding.
  o.pool.queue.non_stream_max_wait = absl::ZeroDuration();
  ProxyHarness h(o);
  ScriptedUpstream glm_upstream;
  ScriptedUpstream kimi_upstream;
  auto provider = [](core::Provider which, std::string profile) {
    return [which, profile](core::AccountSettings& s, pool::Credential& c) {
      s.type = core::AccountType::kProvider;
      s.provider = which;
      s.profiles = {profile, "all"};
      c.kind = pool::CredentialKind::kBearer;
    };
  };
  fake::FakeAccountSpec spec;
  spec.type = fake::AccountType::kApiKey;
  h.AddAccount("glm", spec, 0, provider(core::Provider::kZai, "zai"));
  spec.credential.clear();
  h.AddAccount("kimi", spec, 0, provider(core::Provider::kKimi, "kimi"));
  h.Redirect("glm", glm_upstream.base_url());
  h.Redirect("kimi", kimi_upstream.base_url());
  glm_upstream.Push({ScriptedUpstream::Json(
      429, R"({"error":{"code":"1308","message":"Usage limit reached for 5 hour."}})")});
  kimi_upstream.Push({ScriptedUpstream::Json(
      429,
      R"({"error":{"type":"rate_limit_reached_error","message":"Rate limit reached, please try again after 20 seconds"}})")});
  h.Start();
  const absl::Time before = absl::Now();
  EXPECT_EQ(h.Post(false, {{"x-maxpool-profile", "zai"}}).status, 429);
  EXPECT_EQ(h.Post(false, {{"x-maxpool-profile", "kimi"}}).status, 429);
  ASSERT_TRUE(Settled(h));
  const absl::Time after = absl::Now();
  for (const core::Account& account : h.pool().Snapshot()) {
    ASSERT_TRUE(account.state.rate_limited_until.has_value()) << account.settings.name;
    const absl::Time until = *account.state.rate_limited_until;
    if (account.settings.name == "glm") {
      EXPECT_GE(until, before + absl::Seconds(3600));
      EXPECT_LE(until, after + absl::Seconds(3600));
    } else {
      EXPECT_GE(until, before + absl::Seconds(20));
      EXPECT_LE(until, after + absl::Seconds(21));
    }
  }
}

}  // namespace
}  // namespace maxpool
