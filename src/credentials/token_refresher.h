#pragma once

// Keeps the OAuth accounts' access tokens fresh (spec §7.3, §7.4, §1.7): a proactive refresh when
// less than 5 minutes remain, a forced one after an upstream 401, single-flight per account
// (every concurrent request waits for the one refresh), and persist-before-use: the rotated
// tokens are handed to `persist` (an atomic 0600 config write) and only then stored and given
// to the waiting requests.
//
// Failures follow the taxonomy of core/refresh_failure.h: a network error before the request was
// sent cools the account for 5 s; 429/5xx back off exponentially; invalid_grant and other 4xx latch
// the account dead until new credentials arrive; a refresh that failed after it was sent is never
// re-sent with the same refresh token (the account keeps serving its current access token until it
// expires, then needs new credentials). While a refresh fails, a still-valid access token keeps
// being served.
//
// The refresher keeps neither tokens nor latches: both are the account's, in the pool, which
// implements TokenLedger. Before a refresh the refresher reads the tokens and asks whether it may
// send the refresh token; it reports every outcome there, and stores a rotated pair only if the
// account still holds the refresh token it sent. The refresher is the worker: single flight, the
// HTTP exchange, and persisting the rotated tokens.
//
// Threading: refreshes run on the refresher's own thread (token calls and the blocking persist
// never run on a proxy worker). Every public method may be called from any thread; EnsureFresh()
// suspends only the calling coroutine and resumes it on its own executor. The lock is never held
// across I/O; the ledger is called with it held (lock order: refresher, then ledger).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ssl/context.hpp"
#include "core/account.h"
#include "core/clock.h"
#include "credentials/oauth_messages.h"
#include "credentials/refresh_coordinator.h"

namespace maxpool::credentials {

struct RefresherOptions {
  std::string token_url;      // default: kOAuthDefaultTokenUrl
  std::string client_id;      // default: kOAuthClientId
  std::string extra_ca_file;  // trusted on top of the system store
  absl::Duration lead = absl::Minutes(5);
  // A request whose token is still valid for longer than this never waits for the refresh.
  absl::Duration wait_margin = absl::Minutes(1);
  // The token endpoint's own timeout per attempt (connect, TLS, write, read).
  std::chrono::milliseconds attempt_timeout{15000};
  // Pauses before the 2nd and 3rd attempt of one refresh (spec §7.3: 500 ms, 1000 ms).
  std::vector<std::chrono::milliseconds> retry_delays = {std::chrono::milliseconds(500),
                                                         std::chrono::milliseconds(1000)};
  absl::Duration max_backoff = absl::Minutes(5);
};

// Writes the rotated tokens durably; called on the refresher thread before anyone uses them. An
// error is logged by the caller of the refresher (via the outcome) but does not fail the refresh:
// the server has already rotated the token, so the new pair is the only one that works.
using PersistTokens = std::function<absl::Status(
    const std::string& account, const std::string& old_refresh_token, const TokenSet& tokens)>;

struct FreshToken;
// Called once for every refresh that ended (kRefreshed or kFailed), whoever started it (a
// request, the background, RefreshAccountCredentials), and when a spent refresh token meets an
// expired access token (kFailed, kDead: the account needs a new login). On the refresher's
// thread, after the waiters are released; must not block.
using OnOutcome = std::function<void(const std::string& account, const FreshToken& outcome)>;

struct FreshToken {
  enum class Kind {
    kUntracked,  // not an account this refresher manages: use the credential you have
    kFresh,      // `access_token` is valid (no refresh was needed, or another request did it)
    kRefreshed,  // a refresh just rotated the tokens; `access_token` is the new one
    kFailed,     // no usable token: see `failure`, `status`, `reason`
    kCancelled,  // the caller was cancelled before the refresh ended (the refresh carries on)
  };
  Kind kind = Kind::kUntracked;
  std::string access_token;
  core::RefreshFailure failure = core::RefreshFailure::kNetworkBeforeSend;
  std::optional<int> status;
  std::string reason;  // "token_refresh_network", "token_refresh_429", "token_refresh_failed", …
  absl::Status persist_error;  // set when the rotated tokens could not be written
};

// Where the OAuth accounts' tokens and refresh-token health live (spec §7.3): the pool implements
// it, and the refresher keeps neither. Called with the refresher's lock held: an implementation
// never calls back into the refresher. Without a ledger the refresher manages no account.
class TokenLedger {
 public:
  // `account`'s tokens when it is an OAuth account with a refresh token; nullopt otherwise (the
  // refresher leaves it alone: kUntracked).
  virtual std::optional<TokenSet> Tokens(const std::string& account) const = 0;
  // May `account`'s refresh token be sent now? `access_usable`: its access token still works.
  virtual core::RefreshPermit RefreshGate(const std::string& account, bool access_usable) = 0;
  virtual bool RefreshTokenDead(const std::string& account) const = 0;
  // A refresh that sent `sent_refresh_token` rotated the pair to `rotated` (already persisted).
  // Stored, and counted a success, only if the account still holds `sent_refresh_token`; returns
  // whether it was. The pool wakes its held requests: the account works again.
  virtual bool StoreRotated(const std::string& account, const std::string& sent_refresh_token,
                            const TokenSet& rotated) = 0;
  // A refresh that sent `sent_refresh_token` failed (`failure.kind` kFailed). Counted against the
  // account only if it still holds that refresh token; returns whether it was. `max_backoff` caps
  // the retryable-status backoff.
  virtual bool RecordRefreshFailure(const std::string& account,
                                    const std::string& sent_refresh_token,
                                    const FreshToken& failure, absl::Duration max_backoff) = 0;

 protected:
  ~TokenLedger() = default;
};

class TokenRefresher {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TokenRefresher>> Create(
      const core::Clock& clock, RefresherOptions options, PersistTokens persist,
      OnOutcome on_outcome = nullptr);
  ~TokenRefresher();
  TokenRefresher(const TokenRefresher&) = delete;
  TokenRefresher& operator=(const TokenRefresher&) = delete;

  // Where the tokens and their health are kept (the pool); must outlive the refresher's use of
  // it. Any thread.
  void SetLedger(TokenLedger* ledger);
  // Cluster mode: every refresh takes the fleet's turn first (refresh_coordinator.h). Null (the
  // default): this refresher is the only one. Must outlive the refreshes. Any thread.
  void SetCoordinator(RefreshCoordinator* coordinator);

  // A usable access token for `account`. `rejected_access_token` is the token an upstream 401
  // refused: the refresh is forced unless the account already holds a different token.
  // Cancellation of the caller ends the wait with kCancelled (the refresh itself carries on).
  boost::asio::awaitable<FreshToken> EnsureFresh(std::string account,
                                                 std::optional<std::string> rejected_access_token);

  // Whether an access token that expires at `expires_at_ms` (Unix ms; 0 = unknown, never) is due
  // for a refresh at `now`: within the lead. A token that is not due is used without asking.
  bool Due(int64_t expires_at_ms, absl::Time now) const;
  int64_t refresh_calls() const;  // token-endpoint requests sent, for tests and metrics

 private:
  struct Waiter;
  struct Flight;
  TokenRefresher(const core::Clock& clock, RefresherOptions options, PersistTokens persist,
                 OnOutcome on_outcome, std::unique_ptr<boost::asio::ssl::context> tls);
  // Starts a refresh of `account` with `refresh_token` on the refresher's thread.
  void Launch(const std::string& account, std::shared_ptr<Flight> flight,
              std::string refresh_token);
  static boost::asio::awaitable<void> Run(TokenRefresher* self, std::string account,
                                          std::shared_ptr<Flight> flight,
                                          std::string refresh_token);
  void Finish(const std::string& account, const std::shared_ptr<Flight>& flight, FreshToken result);
  static bool Expired(const TokenSet& tokens, absl::Time now);
  // The ledger's tokens for `account`, if it manages them.
  std::optional<TokenSet> TokensOf(const std::string& account) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const core::Clock& clock_;
  const RefresherOptions options_;
  const PersistTokens persist_;
  const OnOutcome on_outcome_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  mutable absl::Mutex mu_;
  // The refresh in progress per account.
  absl::flat_hash_map<std::string, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(mu_);
  TokenLedger* ledger_ ABSL_GUARDED_BY(mu_) = nullptr;
  RefreshCoordinator* coordinator_ ABSL_GUARDED_BY(mu_) = nullptr;
  int64_t refresh_calls_ ABSL_GUARDED_BY(mu_) = 0;
  boost::asio::io_context ioc_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;  // last: runs ioc_ once everything else is built
};

}  // namespace maxpool::credentials
