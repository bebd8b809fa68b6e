#pragma once

// Connects the OAuth refresher to a running server (spec §7.3, §7.4, §1.7): the refresher reads
// and rotates the tokens the pool holds (every OAuth account with a refresh token; pool.h,
// credentials::TokenLedger), and a rotated pair is made durable before it is used: first in the
// token store of the state directory (config/token_store.h), then in the config file through the
// ConfigStore (atomic, 0600, never over a fresher pair on disk).
//
// A pair that could not be saved is kept in memory and saved again every few seconds (backing off
// to a minute) and after every successful save of the config file, until it lands. Until then the
// failure is logged at error level, published as a RefreshFinished event with the error, and the
// account is marked (Pool::SetCredentialsUnsaved) so that `maxpool status` and the live view say
// so. A config file that holds an older pair than the running one (a hand edit made from a buffer
// opened before a rotation) gets the running pair written back (RestoreLivePair), the rest of the
// edit kept.
//
// Every refresh outcome, from any path, reaches the pool (Pool::RefreshOutcome): events, metrics
// and the needs-login state of a dead refresh token.
//
// Token URL: env MAXPOOL_OAUTH_TOKEN_ENDPOINT, else config `oauth.tokenUrl`, else the default.
// Token endpoint timeout: env MAXPOOL_TOKEN_REFRESH_TIMEOUT_MS (at least 5 s), else 15 s.
//
// Thread safety: every method may be called from any thread.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "config/config_store.h"
#include "config/token_store.h"
#include "core/clock.h"
#include "credentials/token_refresher.h"
#include "maxpool/v1/config.pb.h"
#include "pool/pool.h"

namespace maxpool::server {

class OAuthWiring {
 public:
  using Log = std::function<void(const std::string& line)>;

  // `store` and `tokens` may be null (nothing is persisted there, e.g. the demo). `pool`, `store`
  // and `tokens` must outlive the wiring; the pool must not be used by requests after the wiring
  // is destroyed.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<OAuthWiring>> Create(
      const core::Clock& clock, const v1::Config& config, config::ConfigStore* store,
      config::TokenStore* tokens, pool::Pool& pool, Log log);
  ~OAuthWiring();

  // Remembers the config identity (accountUuid) of every OAuth account of `config`, which
  // persisting its rotated tokens finds it by.
  void RememberAccounts(const v1::Config& config);
  // `account` left the pool: its identity and any rotated pair still waiting to be saved go.
  void Forget(const std::string& account);
  // `from` is called `to` now: its identity and any unsaved pair follow it.
  void Rename(const std::string& from, const std::string& to);

  // The config file holds an older pair for `account` than the running one: writes the running
  // pair back into the file (only that account's tokens change) and logs what it did. A no-op
  // when the file already holds the running pair, or a newer one.
  void RestoreLivePair(const std::string& account);

  // Tells the wiring that the config file was just saved: unsaved pairs are retried now.
  void ConfigSaved();

  // Accounts whose rotated pair is not durable yet (for tests and status).
  std::vector<std::string> Unsaved() const;

  credentials::TokenRefresher& refresher() { return *refresher_; }

 private:
  // A rotated pair not yet written where it belongs.
  struct Pending {
    std::string old_refresh_token;
    credentials::TokenSet tokens;
    bool token_store_done = false;  // in the token store (durable)
    bool config_done = false;       // in the config file
  };

  OAuthWiring(config::ConfigStore* store, config::TokenStore* tokens, pool::Pool& pool, Log log)
      : store_(store), tokens_(tokens), pool_(pool), log_(std::move(log)) {}
  absl::Status Persist(const std::string& account, const std::string& old_refresh_token,
                       const credentials::TokenSet& tokens);
  // Writes what is missing of `pending`; returns the durable write's status (the token store's,
  // else the config file's).
  absl::Status Save(const std::string& account, Pending& pending);
  void Outcome(const std::string& account, const credentials::FreshToken& outcome);
  std::string UuidOf(const std::string& account);
  void RetryLoop();

  config::ConfigStore* store_;
  config::TokenStore* tokens_;
  pool::Pool& pool_;
  Log log_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> uuids_ ABSL_GUARDED_BY(mu_);  // name -> uuid

  // Unsaved pairs, retried by retry_thread_.
  mutable std::mutex pending_mu_;
  std::condition_variable pending_cv_;
  std::map<std::string, Pending> pending_;  // by account; guarded by pending_mu_
  bool nudged_ = false;                     // guarded by pending_mu_
  bool stopping_ = false;                   // guarded by pending_mu_
  std::thread retry_thread_;

  std::unique_ptr<credentials::TokenRefresher> refresher_;  // last: stopped first
};

// The token endpoint to use: env MAXPOOL_OAUTH_TOKEN_ENDPOINT, config, or the default.
std::string TokenUrlOf(const v1::Config& config);

}  // namespace maxpool::server
