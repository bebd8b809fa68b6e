#include "credentials/token_refresher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "credentials/oauth_constants.h"
#include "net/http_client.h"
#include "net/tls_client_context.h"

namespace maxpool::credentials {
namespace asio = boost::asio;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

FreshToken FreshWith(FreshToken::Kind kind, const std::string& access_token) {
  FreshToken fresh;
  fresh.kind = kind;
  fresh.access_token = access_token;
  return fresh;
}
}  // namespace

// One request waiting for a refresh, on its own executor. Woken by setting the timer's expiry in
// the past: that ends a pending wait, and a wait that has not started yet returns at once.
struct TokenRefresher::Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : timer(executor) {
    timer.expires_at(asio::steady_timer::time_point::max());
  }
  asio::steady_timer timer;
};

struct TokenRefresher::Flight {
  std::vector<std::shared_ptr<Waiter>> waiters;  // guarded by the refresher's mu_
  bool done = false;                             // guarded by mu_
  FreshToken result;                             // set before done
};

absl::StatusOr<std::unique_ptr<TokenRefresher>> TokenRefresher::Create(const core::Clock& clock,
                                                                       RefresherOptions options,
                                                                       PersistTokens persist,
                                                                       OnOutcome on_outcome) {
  if (options.token_url.empty()) options.token_url = std::string(kOAuthDefaultTokenUrl);
  if (options.client_id.empty()) options.client_id = std::string(kOAuthClientId);
  absl::StatusOr<std::unique_ptr<asio::ssl::context>> tls =
      net::MakeTlsClientContext(options.extra_ca_file);
  if (!tls.ok()) return tls.status();
  return std::unique_ptr<TokenRefresher>(new TokenRefresher(
      clock, std::move(options), std::move(persist), std::move(on_outcome), std::move(*tls)));
}

TokenRefresher::TokenRefresher(const core::Clock& clock, RefresherOptions options,
                               PersistTokens persist, OnOutcome on_outcome,
                               std::unique_ptr<asio::ssl::context> tls)
    : clock_(clock),
      options_(std::move(options)),
      persist_(std::move(persist)),
      on_outcome_(std::move(on_outcome)),
      tls_(std::move(tls)),
      work_(ioc_.get_executor()),
      thread_([this] { ioc_.run(); }) {}

TokenRefresher::~TokenRefresher() {
  work_.reset();
  ioc_.stop();
  thread_.join();
}

bool TokenRefresher::Expired(const TokenSet& tokens, absl::Time now) {
  return tokens.expires_at_ms > 0 && now >= absl::FromUnixMillis(tokens.expires_at_ms);
}

bool TokenRefresher::Due(int64_t expires_at_ms, absl::Time now) const {
  return expires_at_ms > 0 && now + options_.lead >= absl::FromUnixMillis(expires_at_ms);
}

void TokenRefresher::SetLedger(TokenLedger* ledger) {
  absl::MutexLock lock(&mu_);
  ledger_ = ledger;
}

std::optional<TokenSet> TokenRefresher::TokensOf(const std::string& account) const {
  if (ledger_ == nullptr) return std::nullopt;
  return ledger_->Tokens(account);
}

void TokenRefresher::SetCoordinator(RefreshCoordinator* coordinator) {
  absl::MutexLock lock(&mu_);
  coordinator_ = coordinator;
}

int64_t TokenRefresher::refresh_calls() const {
  absl::MutexLock lock(&mu_);
  return refresh_calls_;
}

void TokenRefresher::Launch(const std::string& account, std::shared_ptr<Flight> flight,
                            std::string refresh_token) {
  asio::co_spawn(ioc_, Run(this, account, std::move(flight), std::move(refresh_token)),
                 [this, account](std::exception_ptr e) {
                   if (!e) return;
                   // Run() does not throw; should it ever, the account must not stay stuck behind
                   // a flight that never finishes.
                   FreshToken failed;
                   failed.kind = FreshToken::Kind::kFailed;
                   failed.reason = "token_refresh_internal_error";
                   std::shared_ptr<Flight> stuck;
                   {
                     absl::MutexLock lock(&mu_);
                     auto it = flights_.find(account);
                     if (it != flights_.end()) stuck = it->second;
                   }
                   if (stuck) Finish(account, stuck, failed);
                   if (on_outcome_) on_outcome_(account, failed);
                 });
}

asio::awaitable<FreshToken> TokenRefresher::EnsureFresh(
    std::string account, std::optional<std::string> rejected_access_token) {
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  std::shared_ptr<Waiter> waiter;
  std::shared_ptr<Flight> flight;
  std::string refresh_token;  // set when this call starts the refresh
  bool forced = false;
  bool wait = false;  // the caller waits for the flight (else it only starts it)
  FreshToken immediate;
  std::optional<FreshToken> spent_report;  // a spent refresh token met an expired access token
  {
    absl::MutexLock lock(&mu_);
    if (const std::optional<TokenSet> tokens = TokensOf(account)) {
      const auto found = flights_.find(account);
      const std::shared_ptr<Flight> in_flight = found != flights_.end() ? found->second : nullptr;
      const absl::Time now = clock_.Now();
      forced = rejected_access_token.has_value() && *rejected_access_token == tokens->access_token;
      const bool expired = Expired(*tokens, now);
      const absl::Time expiry = absl::FromUnixMillis(tokens->expires_at_ms);
      const bool expiring = Due(tokens->expires_at_ms, now);
      // Still good for longer than the margin: the request goes on, the refresh runs behind it.
      const bool must_wait =
          forced || (tokens->expires_at_ms > 0 && now + options_.wait_margin >= expiry);
      const bool usable = !forced && !expired;
      if (rejected_access_token.has_value() && !forced) {
        // Another request already replaced the refused token.
        immediate = FreshWith(FreshToken::Kind::kFresh, tokens->access_token);
      } else if (!forced && !expiring) {
        immediate = FreshWith(FreshToken::Kind::kFresh, tokens->access_token);
      } else if (in_flight) {
        if (must_wait) {
          flight = in_flight;  // join the refresh in progress
          wait = true;
        } else {
          immediate = FreshWith(FreshToken::Kind::kFresh, tokens->access_token);
        }
      } else if (const core::RefreshPermit permit = ledger_ != nullptr
                                                        ? ledger_->RefreshGate(account, usable)
                                                        : core::RefreshPermit{};
                 !permit.allowed) {
        FreshToken latched;
        latched.kind = FreshToken::Kind::kFailed;
        latched.failure = permit.failure.value_or(core::RefreshFailure::kNetworkBeforeSend);
        latched.status = permit.status;
        latched.reason = permit.reason;
        if (permit.newly_dead) spent_report = latched;
        immediate = usable ? FreshWith(FreshToken::Kind::kFresh, tokens->access_token) : latched;
      } else {
        flight = std::make_shared<Flight>();
        flights_[account] = flight;
        refresh_token = tokens->refresh_token;
        wait = must_wait;
        if (!wait) immediate = FreshWith(FreshToken::Kind::kFresh, tokens->access_token);
      }
      if (flight && wait) {
        waiter = std::make_shared<Waiter>(executor);
        flight->waiters.push_back(waiter);
      }
    }
  }
  if (spent_report && on_outcome_) on_outcome_(account, *spent_report);
  if (!refresh_token.empty()) Launch(account, flight, std::move(refresh_token));
  if (!wait) co_return immediate;
  auto [ec] = co_await waiter->timer.async_wait(kTuple);
  (void)ec;
  FreshToken result;
  {
    absl::MutexLock lock(&mu_);
    std::erase(flight->waiters, waiter);
    if (!flight->done) {
      result.kind = FreshToken::Kind::kCancelled;
    } else {
      result = flight->result;
      if (result.kind == FreshToken::Kind::kFailed && !forced) {
        const std::optional<TokenSet> tokens = TokensOf(account);
        if (tokens && !Expired(*tokens, clock_.Now())) {
          // The refresh failed, but the current token still works: keep serving (spec §7.3).
          result = FreshWith(FreshToken::Kind::kFresh, tokens->access_token);
        }
      }
    }
  }
  co_return result;
}

asio::awaitable<void> TokenRefresher::Run(TokenRefresher* self, std::string account,
                                          std::shared_ptr<Flight> flight,
                                          std::string refresh_token) {
  const RefresherOptions& opt = self->options_;
  FreshToken result;
  result.kind = FreshToken::Kind::kFailed;
  std::optional<TokenSet> rotated;
  // Cluster mode: the fleet's turn first. `refresh_token` stays the one this account holds (the
  // ledger's key); `send` is the one the token endpoint gets.
  std::string send = refresh_token;
  std::optional<uint64_t> fence;
  bool rotated_elsewhere = false;
  bool no_turn = false;
  RefreshCoordinator* coordinator = nullptr;
  {
    absl::MutexLock lock(&self->mu_);
    coordinator = self->coordinator_;
  }
  if (coordinator != nullptr) {
    // The pair as it stood when this refresh began (new credentials since do not change what
    // is sent: StoreRotated() keeps them).
    TokenSet held{"", refresh_token, 0};
    {
      absl::MutexLock lock(&self->mu_);
      if (std::optional<TokenSet> now = self->TokensOf(account);
          now && now->refresh_token == refresh_token) {
        held = *std::move(now);
      }
    }
    RefreshTurn turn = co_await coordinator->TakeTurn(account, held, self->clock_.Now() + opt.lead);
    if (turn.kind == RefreshTurn::Kind::kRotatedElsewhere && turn.tokens) {
      rotated = std::move(turn.tokens);
      rotated_elsewhere = true;
    } else if (turn.kind == RefreshTurn::Kind::kMine) {
      fence = turn.fence;
      if (!turn.send_refresh_token.empty()) send = std::move(turn.send_refresh_token);
    } else {
      no_turn = true;
      result.failure = core::RefreshFailure::kNetworkBeforeSend;
      result.reason = "token_refresh_no_turn";  // the coordinator logs why
    }
  }
  for (size_t attempt = 0; !rotated_elsewhere && !no_turn; ++attempt) {
    net::HttpCall call;
    call.method = net::HttpMethod::kPost;
    call.url = opt.token_url;
    call.body = RefreshRequestBody(send, opt.client_id);
    call.timeout = opt.attempt_timeout;
    call.headers.push_back({"Content-Type", "application/json"});
    {
      absl::MutexLock lock(&self->mu_);
      ++self->refresh_calls_;
    }
    net::HttpOutcome outcome = co_await net::SendJson(*self->tls_, std::move(call));
    std::optional<int> status;
    std::string body;
    if (outcome.ok()) {
      status = outcome.response->status;
      body = std::move(outcome.response->body);
      if (*status >= 200 && *status < 300) {
        absl::StatusOr<TokenSet> parsed = ParseTokenResponse(body, self->clock_.Now(), send);
        if (parsed.ok()) {
          rotated = *std::move(parsed);
          break;
        }
      }
    }
    const core::RefreshFailure kind = ClassifyRefreshFailure(status, outcome.request_sent, body);
    if (MayRetryWithinRefresh(kind, status) && attempt < opt.retry_delays.size()) {
      asio::steady_timer pause(co_await asio::this_coro::executor);
      pause.expires_after(opt.retry_delays[attempt]);
      co_await pause.async_wait(kTuple);
      continue;
    }
    result.failure = kind;
    result.status = status;
    result.reason = kind == core::RefreshFailure::kDead ? std::string("token_refresh_failed")
                                                        : RefreshFailureReason(status);
    break;
  }

  if (fence) {
    // Published before it is saved here or used (the fleet must never lose the only pair that
    // works); a failed refresh frees the turn.
    const absl::Status published = co_await coordinator->FinishTurn(account, *fence, rotated);
    if (!published.ok() && rotated) result.persist_error = published;
  }
  if (rotated) {
    result.kind = FreshToken::Kind::kRefreshed;
    result.access_token = rotated->access_token;
    // Durable before anyone uses the new access token (spec §1.7).
    if (self->persist_) {
      absl::Status saved = self->persist_(account, refresh_token, *rotated);
      if (!saved.ok()) result.persist_error = std::move(saved);
    }
    absl::MutexLock lock(&self->mu_);
    // Stored only over the refresh token it replaces: new credentials that arrived meanwhile win.
    if (self->ledger_ != nullptr) self->ledger_->StoreRotated(account, refresh_token, *rotated);
  } else {
    FreshToken counted = result;
    if (counted.failure == core::RefreshFailure::kAmbiguousAfterSend) {
      counted.reason = "token_refresh_unknown_outcome";
    }
    absl::MutexLock lock(&self->mu_);
    // Only a failure of the refresh token still held counts against it.
    if (self->ledger_ != nullptr &&
        self->ledger_->RecordRefreshFailure(account, refresh_token, counted, opt.max_backoff)) {
      result = std::move(counted);
    }
  }
  const FreshToken outcome = result;
  self->Finish(account, flight, std::move(result));
  if (self->on_outcome_) self->on_outcome_(account, outcome);
}

void TokenRefresher::Finish(const std::string& account, const std::shared_ptr<Flight>& flight,
                            FreshToken result) {
  std::vector<std::shared_ptr<Waiter>> waiters;
  {
    absl::MutexLock lock(&mu_);
    flight->result = std::move(result);
    flight->done = true;
    waiters = flight->waiters;
    auto it = flights_.find(account);
    if (it != flights_.end() && it->second == flight) flights_.erase(it);
  }
  for (const std::shared_ptr<Waiter>& waiter : waiters) {
    asio::post(waiter->timer.get_executor(),
               [waiter] { waiter->timer.expires_at(asio::steady_timer::time_point::min()); });
  }
}

}  // namespace maxpool::credentials
