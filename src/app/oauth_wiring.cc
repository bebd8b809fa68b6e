#include "app/oauth_wiring.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "config/account_upsert.h"
#include "credentials/oauth_constants.h"
#include "credentials/redact.h"

namespace maxpool::app {

std::string TokenUrlOf(const v1::Config& config) {
  if (const char* env = std::getenv(std::string(credentials::kOAuthTokenUrlEnv).c_str());
      env != nullptr && *env != '\0') {
    return env;
  }
  if (config.oauth().has_token_url() && !config.oauth().token_url().empty()) {
    return config.oauth().token_url();
  }
  return std::string(credentials::kOAuthDefaultTokenUrl);
}

absl::StatusOr<std::unique_ptr<OAuthWiring>> OAuthWiring::Create(const core::Clock& clock,
                                                                 const v1::Config& config,
                                                                 config::ConfigStore* store,
                                                                 pool::Pool& pool, Log log) {
  std::unique_ptr<OAuthWiring> wiring(new OAuthWiring(store, pool, std::move(log)));
  credentials::RefresherOptions options;
  options.token_url = TokenUrlOf(config);
  options.extra_ca_file = config.oauth().ca_file();
  OAuthWiring* self = wiring.get();
  absl::StatusOr<std::unique_ptr<credentials::TokenRefresher>> refresher =
      credentials::TokenRefresher::Create(
          clock, std::move(options),
          [self](const std::string& account, const std::string& old_refresh_token,
                 const credentials::TokenSet& tokens) {
            return self->Persist(account, old_refresh_token, tokens);
          },
          [self](const std::string& account, const credentials::TokenSet& tokens) {
            self->Rotated(account, tokens);
          });
  if (!refresher.ok()) return refresher.status();
  wiring->refresher_ = *std::move(refresher);
  wiring->TrackAccounts(config);
  pool.SetTokenRefresher(wiring->refresher_.get());
  return wiring;
}

void OAuthWiring::TrackAccounts(const v1::Config& config) {
  for (int i = 0; i < config.accounts_size(); ++i) {
    const v1::AccountConfig& account = config.accounts(i);
    if (account.type() != "oauth" || account.access_token().empty() ||
        account.refresh_token().empty()) {
      continue;
    }
    // The pool's name for the entry (config::AccountSettingsOf): unnamed ones are "account-<n>".
    const std::string name = account.has_name() ? account.name() : absl::StrCat("account-", i + 1);
    {
      absl::MutexLock lock(&mu_);
      uuids_[name] = account.account_uuid();
    }
    credentials::TokenSet tokens;
    tokens.access_token = account.access_token();
    tokens.refresh_token = account.refresh_token();
    tokens.expires_at_ms = account.expires_at();
    refresher_->Track(name, tokens);
  }
}

void OAuthWiring::Forget(const std::string& account) {
  refresher_->Forget(account);
  absl::MutexLock lock(&mu_);
  uuids_.erase(account);
}

absl::Status OAuthWiring::Persist(const std::string& account, const std::string& old_refresh_token,
                                  const credentials::TokenSet& tokens) {
  if (store_ == nullptr) return absl::OkStatus();
  config::AccountLocator locator;
  locator.name = account;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = uuids_.find(account); it != uuids_.end()) locator.uuid = it->second;
  }
  config::RotatedTokens rotated;
  rotated.access_token = tokens.access_token;
  rotated.refresh_token = tokens.refresh_token;
  rotated.expires_at_ms = tokens.expires_at_ms;
  absl::StatusOr<config::RotationResult> result =
      config::PersistRotatedTokens(*store_, locator, old_refresh_token, rotated);
  if (!result.ok()) {
    log_(absl::StrCat("account ", account, ": the refreshed tokens could not be saved to ",
                      store_->path().string(), ": ", result.status().message(),
                      " (they are in use; the next save retries)"));
    return result.status();
  }
  switch (*result) {
    case config::RotationResult::kWritten:
      log_(absl::StrCat("account ", account, ": token refreshed (refresh ",
                        credentials::Fingerprint(old_refresh_token), " -> ",
                        credentials::Fingerprint(tokens.refresh_token), ") and saved"));
      break;
    case config::RotationResult::kAccountGone:
      log_(absl::StrCat("account ", account,
                        ": token refreshed; the account is no longer in the config file, so the "
                        "new tokens were not saved"));
      break;
    case config::RotationResult::kSupersededOnDisk:
      log_(absl::StrCat("account ", account,
                        ": token refreshed; the config file already holds a newer token from "
                        "another writer, left as is"));
      break;
  }
  return absl::OkStatus();
}

void OAuthWiring::Rotated(const std::string& account, const credentials::TokenSet& tokens) {
  const absl::Status status = pool_.UpdateSecret(account, tokens.access_token);
  if (!status.ok()) {
    log_(absl::StrCat("account ", account, ": refreshed, but ", status.message()));
  }
}

}  // namespace maxpool::app
