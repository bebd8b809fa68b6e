// OAuth refresh on the request path (spec §7.3, §7.4, §1.7): the real proxy and pool with a
// TokenRefresher, against the fake upstream's token endpoint. The pool and the refresher run on a
// fake clock that starts at the wall clock's now: a refresh cooldown ends when a test moves it.

#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/use_future.hpp"
#include "credentials/token_refresher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/fake_clock.h"
#include "support/proxy_harness.h"
#include "support/tcp_relay.h"

namespace maxpool {
namespace {

using testing::FakeClock;
using testing::ProxyHarness;

ProxyHarness::Options OnClock(const FakeClock& clock) {
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.clock = &clock;
  return options;
}

// Records what the refresher persisted, in order.
struct PersistLog {
  std::mutex mu;
  std::vector<std::pair<std::string, credentials::TokenSet>> writes;
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return writes.size();
  }
};

// Cluster mode's turn, scripted: every TakeTurn() answers `turn`; FinishTurn() is recorded, with
// its place among the persists.
class ScriptedTurns final : public credentials::RefreshCoordinator {
 public:
  explicit ScriptedTurns(PersistLog& persisted) : persisted_(persisted) {}
  boost::asio::awaitable<credentials::RefreshTurn> TakeTurn(std::string, credentials::TokenSet,
                                                            absl::Time) override {
    ++taken;
    co_return turn;
  }
  boost::asio::awaitable<absl::Status> FinishTurn(
      std::string, uint64_t fence, std::optional<credentials::TokenSet> rotated) override {
    std::lock_guard<std::mutex> lock(mu);
    finished.push_back({fence, rotated, persisted_.size()});
    co_return absl::OkStatus();
  }
  struct Finished {
    uint64_t fence = 0;
    std::optional<credentials::TokenSet> rotated;
    size_t persisted_before = 0;
  };
  credentials::RefreshTurn turn;
  std::atomic<int> taken{0};
  std::mutex mu;
  std::vector<Finished> finished;

 private:
  PersistLog& persisted_;
};

class OAuthRefreshTest : public ::testing::Test {
 protected:
  // An OAuth account at the fake and in the pool, with its refresh token and `expires_in` left on
  // its access token (the pool holds the tokens the refresher reads and rotates).
  std::string AddOAuth(const std::string& name, const std::string& refresh_token,
                       absl::Duration expires_in, double priority = 0) {
    fake::FakeAccountSpec spec;
    spec.type = fake::AccountType::kOAuth;
    spec.oauth.refresh_token = refresh_token;
    spec.oauth.expires_at = absl::Now() + expires_in;
    return h_.AddAccount(name, spec, priority,
                         [&](core::AccountSettings&, pool::Credential& credential) {
                           credential.refresh_token = refresh_token;
                           // As the pool's clock reads it.
                           credential.expires_at_ms = absl::ToUnixMillis(clock_.Now() + expires_in);
                         });
  }

  void Start(const std::string& token_url) {
    credentials::RefresherOptions options;
    options.token_url = token_url;
    options.retry_delays = {std::chrono::milliseconds(50), std::chrono::milliseconds(100)};
    auto refresher = credentials::TokenRefresher::Create(
        clock_, options,
        [this](const std::string& account, const std::string&, const credentials::TokenSet& t) {
          std::lock_guard<std::mutex> lock(persisted_.mu);
          persisted_.writes.emplace_back(account, t);
          return absl::OkStatus();
        },
        [this](const std::string& account, const credentials::FreshToken& outcome) {
          h_.pool().RefreshOutcome(account, outcome);
        });
    ASSERT_TRUE(refresher.ok()) << refresher.status();
    refresher_ = std::move(*refresher);
    h_.pool().SetTokenRefresher(refresher_.get());
    h_.Start();
  }

  core::Account AccountNamed(const std::string& name) {
    for (core::Account& a : h_.pool().Snapshot()) {
      if (a.settings.name == name) return a;
    }
    ADD_FAILURE() << "no account " << name;
    return {};
  }

  // What reached /v1/messages (the fake also records its token endpoint's requests).
  std::vector<fake::RecordedRequest> MessagesRequests() {
    std::vector<fake::RecordedRequest> out;
    for (fake::RecordedRequest& r : h_.upstream().Requests()) {
      if (r.target.starts_with("/v1/messages")) out.push_back(std::move(r));
    }
    return out;
  }

  void TearDown() override { h_.proxy().Stop(); }

  FakeClock clock_{absl::Now()};
  ProxyHarness h_{OnClock(clock_)};
  PersistLog persisted_;
  std::unique_ptr<credentials::TokenRefresher> refresher_;
};

TEST_F(OAuthRefreshTest, SixtyFourConcurrentRequestsShareOneRefreshAndAllSucceed) {
  const std::string credential = AddOAuth("a", "sk-ant-ort01-a-0", absl::Minutes(1));
  Start(h_.upstream().token_url());

  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 64; ++i) {
    clients.emplace_back([&] {
      const fake::HttpResponse response = h_.Post(/*stream=*/false);
      if (response.status == 200) ++ok;
    });
  }
  for (std::thread& t : clients) t.join();

  EXPECT_EQ(ok.load(), 64);
  EXPECT_EQ(h_.upstream().TokenCalls(), 1);
  EXPECT_EQ(refresher_->refresh_calls(), 1);
  ASSERT_EQ(persisted_.size(), 1u);
  const std::optional<fake::OAuthAccountView> view = h_.upstream().OAuthAccount(credential);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(persisted_.writes[0].second.refresh_token, view->refresh_token);
  EXPECT_EQ(persisted_.writes[0].second.access_token, view->access_token);
  // Persist-before-use: every request went upstream with the rotated token, none with the old.
  int messages = 0;
  for (const fake::RecordedRequest& r : MessagesRequests()) {
    EXPECT_EQ(r.Header("authorization"), "Bearer " + view->access_token);
    ++messages;
  }
  EXPECT_EQ(messages, 64);
}

TEST_F(OAuthRefreshTest, InvalidGrantMarksTheAccountDeadAndTrafficContinuesElsewhere) {
  // The fake never issued this refresh token: the token endpoint answers invalid_grant.
  AddOAuth("dead", "sk-ant-ort01-never-issued", absl::Seconds(-1));
  AddOAuth("alive", "sk-ant-ort01-alive-0", absl::Hours(1), /*priority=*/1);
  ASSERT_TRUE(h_.upstream()
                  .UpdateOAuth("sk-ant-oat01-test-dead",
                               [] {
                                 fake::OAuthAccountSpec s;
                                 s.refresh_token = "sk-ant-ort01-dead-real";
                                 return s;
                               }())
                  .ok());
  Start(h_.upstream().token_url());

  for (int i = 0; i < 6; ++i) {
    const fake::HttpResponse response = h_.Post(/*stream=*/i % 2 == 0);
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.Header("x-maxpool-account"), "alive");
  }
  EXPECT_TRUE(h_.pool().RefreshTokenDead("dead"));
  const core::Account dead = AccountNamed("dead");
  EXPECT_TRUE(dead.state.refresh_dead);
  EXPECT_EQ(dead.state.status, core::AccountStatus::kError);
  EXPECT_EQ(dead.state.last_error, "token_refresh_failed");
  EXPECT_EQ(h_.upstream().TokenCalls(), 1);  // latched: never retried
}

TEST_F(OAuthRefreshTest, TokenEndpointOutageFailsOverWithoutKillingTheAccountThenRecovers) {
  const std::string credential = AddOAuth("a", "sk-ant-ort01-a-0", absl::Seconds(-1));
  AddOAuth("b", "sk-ant-ort01-b-0", absl::Hours(1), /*priority=*/1);
  testing::TcpRelay token_endpoint(h_.upstream().port());  // off: connections are refused
  Start(absl::StrCat("http://127.0.0.1:", token_endpoint.port(), "/v1/oauth/token"));

  for (int i = 0; i < 4; ++i) {
    const fake::HttpResponse response = h_.Post(/*stream=*/false);
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.Header("x-maxpool-account"), "b");
  }
  EXPECT_FALSE(h_.pool().RefreshTokenDead("a"));
  EXPECT_FALSE(AccountNamed("a").state.refresh_dead);
  EXPECT_NE(AccountNamed("a").state.status, core::AccountStatus::kError);
  EXPECT_EQ(h_.upstream().TokenCalls(), 0);

  // The endpoint comes back: after the network cooldown, "a" (preferred) refreshes and serves.
  token_endpoint.On();
  clock_.Advance(core::kRefreshNetworkCooldown + absl::Milliseconds(100));
  EXPECT_TRUE(testing::Eventually(
      [&] { return h_.Post(/*stream=*/false).Header("x-maxpool-account") == "a"; },
      std::chrono::seconds(20)));
  EXPECT_EQ(h_.upstream().TokenCalls(), 1);
  ASSERT_EQ(persisted_.size(), 1u);
  EXPECT_EQ(persisted_.writes[0].second.access_token,
            h_.upstream().OAuthAccount(credential)->access_token);
}

TEST_F(OAuthRefreshTest, ARefreshLostAfterItWasSentIsNeverSentAgain) {
  AddOAuth("a", "sk-ant-ort01-a-0", absl::Seconds(-1));
  AddOAuth("b", "sk-ant-ort01-b-0", absl::Hours(1), /*priority=*/1);
  // The token endpoint rotates the token, then the connection resets: the answer is lost.
  h_.upstream().ScriptTokenFaults({fake::TokenFault::Of(fake::TokenFaultKind::kReset,
                                                        /*consume=*/true)});
  Start(h_.upstream().token_url());

  EXPECT_EQ(h_.Post(/*stream=*/false).Header("x-maxpool-account"), "b");
  EXPECT_EQ(h_.upstream().TokenCalls(), 1);
  // Past the network cooldown "a" is tried again, but its refresh token may be spent: it is not
  // sent a second time, and the request fails over again.
  clock_.Advance(core::kRefreshNetworkCooldown + absl::Milliseconds(100));
  for (int i = 0; i < 3; ++i) {
    const fake::HttpResponse response = h_.Post(/*stream=*/false);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.Header("x-maxpool-account"), "b");
  }
  EXPECT_EQ(h_.upstream().TokenCalls(), 1);
  int presented = 0;
  for (const fake::PresentedRefresh& p : h_.upstream().PresentedRefreshTokens()) {
    if (p.refresh_token == "sk-ant-ort01-a-0") ++presented;
  }
  EXPECT_EQ(presented, 1);
  // Its access token has expired and its refresh token may be spent: it needs a new login, and
  // says so, instead of cooling down and coming back every few seconds.
  EXPECT_TRUE(AccountNamed("a").state.refresh_dead);
}

TEST_F(OAuthRefreshTest, AnUpstream401RefreshesOnceAndRetriesOnTheSameAccount) {
  const std::string credential = AddOAuth("a", "sk-ant-ort01-a-0", absl::Hours(1));
  AddOAuth("b", "sk-ant-ort01-b-0", absl::Hours(1), /*priority=*/1);
  Start(h_.upstream().token_url());
  // The fake expires the token early (e.g. revoked server-side); maxpool still thinks it valid.
  ASSERT_TRUE(h_.upstream().ExpireAccessTokens(credential).ok());

  const fake::HttpResponse response = h_.Post(/*stream=*/true);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("x-maxpool-account"), "a");
  EXPECT_THAT(response.body, ::testing::HasSubstr("message_stop"));
  EXPECT_EQ(h_.upstream().TokenCalls(), 1);
  const std::vector<fake::RecordedRequest> sent = MessagesRequests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].Header("authorization"), "Bearer " + credential);
  EXPECT_EQ(sent[1].Header("authorization"),
            "Bearer " + h_.upstream().OAuthAccount(credential)->access_token);
}

// A token still valid for minutes never waits for the token endpoint: the refresh runs behind the
// requests, once, however slow the endpoint is.
TEST_F(OAuthRefreshTest, ASlowTokenEndpointNeverStallsARequestWhoseTokenIsStillValid) {
  AddOAuth("a", "sk-ant-ort01-a-0", absl::Minutes(4));  // inside the 5-minute lead
  h_.upstream().ScriptTokenFaults({fake::TokenFault::Of(fake::TokenFaultKind::kStall)});
  Start(h_.upstream().token_url());
  for (int i = 0; i < 5; ++i) {
    const auto started = std::chrono::steady_clock::now();
    const fake::HttpResponse response = h_.Post(/*stream=*/false);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.Header("x-maxpool-account"), "a");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  }
  EXPECT_EQ(h_.upstream().TokenCalls(), 1);
}

// invalid_grant while the access token still works: the account needs a new login at once, and
// says so (state, event), instead of failing silently minutes later.
TEST_F(OAuthRefreshTest, InvalidGrantWhileTheTokenIsStillValidNeedsALoginAtOnce) {
  AddOAuth("a", "sk-ant-ort01-a-0", absl::Minutes(4));
  AddOAuth("b", "sk-ant-ort01-b-0", absl::Hours(1), /*priority=*/1);
  h_.upstream().ScriptTokenFaults({fake::TokenFault::Of(fake::TokenFaultKind::kInvalidGrant)});
  std::shared_ptr<pool::Subscription> events = h_.pool().events().Subscribe();
  Start(h_.upstream().token_url());

  EXPECT_EQ(h_.Post(/*stream=*/false).Header("x-maxpool-account"), "a");
  EXPECT_TRUE(testing::Eventually([&] { return AccountNamed("a").state.refresh_dead; }));
  bool reported = false;
  while (std::optional<pool::Delivery> delivery = events->WaitNext(absl::Milliseconds(200))) {
    if (const auto* event = std::get_if<pool::PoolEvent>(&*delivery)) {
      if (const auto* refresh = std::get_if<pool::RefreshFinished>(&event->body)) {
        reported = reported || (refresh->account == "a" && !refresh->ok);
      }
    }
  }
  EXPECT_TRUE(reported);
  EXPECT_EQ(h_.Post(/*stream=*/false).Header("x-maxpool-account"), "b");
}

TEST_F(OAuthRefreshTest, ClusterModeSendsNoRefreshTokenWithoutTheFleetsTurn) {
  // Expired: only a refresh could serve it, and the turn cannot be taken (Redis is out).
  AddOAuth("a", "sk-ant-ort01-a-0", absl::Seconds(-1));
  ScriptedTurns turns(persisted_);
  turns.turn.kind = credentials::RefreshTurn::Kind::kUnavailable;
  turns.turn.reason = "Redis is out of reach";
  Start(h_.upstream().token_url());
  refresher_->SetCoordinator(&turns);
  boost::asio::io_context ioc;
  std::future<credentials::FreshToken> fresh = boost::asio::co_spawn(
      ioc, refresher_->EnsureFresh("a", std::nullopt), boost::asio::use_future);
  ioc.run();
  const credentials::FreshToken outcome = fresh.get();
  EXPECT_EQ(outcome.kind, credentials::FreshToken::Kind::kFailed);
  EXPECT_EQ(outcome.reason, "token_refresh_no_turn");
  EXPECT_EQ(turns.taken.load(), 1);
  EXPECT_EQ(h_.upstream().TokenCalls(), 0);
  EXPECT_EQ(refresher_->refresh_calls(), 0);
  EXPECT_EQ(persisted_.size(), 0u);
  EXPECT_FALSE(AccountNamed("a").state.refresh_dead);  // it waits; it is not dead
}

TEST_F(OAuthRefreshTest, ClusterModeKeepsServingAValidTokenWhileTheTurnCannotBeTaken) {
  AddOAuth("a", "sk-ant-ort01-a-0", absl::Minutes(3));  // due, still valid
  ScriptedTurns turns(persisted_);
  turns.turn.kind = credentials::RefreshTurn::Kind::kUnavailable;
  Start(h_.upstream().token_url());
  refresher_->SetCoordinator(&turns);
  EXPECT_EQ(h_.Post(/*stream=*/false).status, 200);
  ASSERT_TRUE(testing::Eventually([&] { return turns.taken.load() >= 1; }));
  EXPECT_EQ(h_.upstream().TokenCalls(), 0);
}

TEST_F(OAuthRefreshTest, ClusterModeTheTurnsHolderPublishesTheNewPairBeforeItSavesIt) {
  const std::string credential = AddOAuth("a", "sk-ant-ort01-a-0", absl::Minutes(1));
  ScriptedTurns turns(persisted_);
  turns.turn.kind = credentials::RefreshTurn::Kind::kMine;
  turns.turn.fence = 7;
  Start(h_.upstream().token_url());
  refresher_->SetCoordinator(&turns);
  EXPECT_EQ(h_.Post(/*stream=*/false).status, 200);
  EXPECT_EQ(h_.upstream().TokenCalls(), 1);
  std::lock_guard<std::mutex> lock(turns.mu);
  ASSERT_EQ(turns.finished.size(), 1u);
  EXPECT_EQ(turns.finished[0].fence, 7u);
  ASSERT_TRUE(turns.finished[0].rotated.has_value());
  EXPECT_EQ(turns.finished[0].persisted_before, 0u);  // published first, then saved here
  const std::optional<fake::OAuthAccountView> view = h_.upstream().OAuthAccount(credential);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(turns.finished[0].rotated->refresh_token, view->refresh_token);
  ASSERT_EQ(persisted_.size(), 1u);
}

}  // namespace
}  // namespace maxpool
