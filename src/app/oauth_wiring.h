#pragma once

// Connects the OAuth refresher to a running server (spec §7.3, §7.4): every OAuth account of the
// config with a refresh token is tracked; rotated tokens are persisted to the config file through
// the ConfigStore (atomic, 0600, never over a fresher pair on disk) before the pool's credential
// is replaced and the waiting requests resume. Each refresh and persist is reported through `log`
// with token fingerprints only.
//
// Token URL: env MAXPOOL_OAUTH_TOKEN_ENDPOINT, else config `oauth.tokenUrl`, else the default.

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "config/config_store.h"
#include "core/clock.h"
#include "credentials/token_refresher.h"
#include "maxpool/v1/config.pb.h"
#include "pool/pool.h"

namespace maxpool::app {

class OAuthWiring {
 public:
  using Log = std::function<void(const std::string& line)>;

  // `store` may be null (nothing is persisted, e.g. the demo). `pool` and `store` must outlive
  // the wiring; the pool must not be used by requests after the wiring is destroyed.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<OAuthWiring>> Create(
      const core::Clock& clock, const v1::Config& config, config::ConfigStore* store,
      pool::Pool& pool, Log log);

  // Tracks (or re-tracks with newer tokens) every OAuth account of `config` that has a refresh
  // token; remembers each account's UUID for persistence.
  void TrackAccounts(const v1::Config& config);
  void Forget(const std::string& account);

  credentials::TokenRefresher& refresher() { return *refresher_; }

 private:
  OAuthWiring(config::ConfigStore* store, pool::Pool& pool, Log log)
      : store_(store), pool_(pool), log_(std::move(log)) {}
  absl::Status Persist(const std::string& account, const std::string& old_refresh_token,
                       const credentials::TokenSet& tokens);
  void Rotated(const std::string& account, const credentials::TokenSet& tokens);

  config::ConfigStore* store_;
  pool::Pool& pool_;
  Log log_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> uuids_ ABSL_GUARDED_BY(mu_);  // name -> uuid
  std::unique_ptr<credentials::TokenRefresher> refresher_;                    // last: stopped first
};

// The token endpoint to use: env MAXPOOL_OAUTH_TOKEN_ENDPOINT, config, or the default.
std::string TokenUrlOf(const v1::Config& config);

}  // namespace maxpool::app
