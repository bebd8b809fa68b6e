#include "server/oauth_wiring.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "config/account_names.h"
#include "config/account_upsert.h"
#include "credentials/oauth_constants.h"
#include "credentials/redact.h"

namespace maxpool::server {
namespace {

constexpr std::chrono::seconds kFirstRetry{5};
constexpr std::chrono::seconds kMaxRetry{60};

std::chrono::milliseconds RefreshTimeout() {
  const char* env = std::getenv("MAXPOOL_TOKEN_REFRESH_TIMEOUT_MS");
  int64_t ms = 0;
  if (env == nullptr || !absl::SimpleAtoi(env, &ms) || ms <= 0) {
    return std::chrono::milliseconds(15000);
  }
  return std::chrono::milliseconds(std::clamp<int64_t>(ms, 5000, 120000));
}

}  // namespace

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
                                                                 config::TokenStore* tokens,
                                                                 pool::Pool& pool, Log log) {
  std::unique_ptr<OAuthWiring> wiring(new OAuthWiring(store, tokens, pool, std::move(log)));
  credentials::RefresherOptions options;
  options.token_url = TokenUrlOf(config);
  options.extra_ca_file = config.oauth().ca_file();
  options.attempt_timeout = RefreshTimeout();
  OAuthWiring* self = wiring.get();
  absl::StatusOr<std::unique_ptr<credentials::TokenRefresher>> refresher =
      credentials::TokenRefresher::Create(
          clock, std::move(options),
          [self](const std::string& account, const std::string& old_refresh_token,
                 const credentials::TokenSet& rotated) {
            return self->Persist(account, old_refresh_token, rotated);
          },
          [self](const std::string& account, const credentials::FreshToken& outcome) {
            self->Outcome(account, outcome);
          });
  if (!refresher.ok()) return refresher.status();
  wiring->refresher_ = *std::move(refresher);
  wiring->RememberAccounts(config);
  wiring->retry_thread_ = std::thread([self] { self->RetryLoop(); });
  pool.SetTokenRefresher(wiring->refresher_.get());
  return wiring;
}

OAuthWiring::~OAuthWiring() {
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    stopping_ = true;
  }
  pending_cv_.notify_all();
  if (retry_thread_.joinable()) retry_thread_.join();
}

void OAuthWiring::RememberAccounts(const v1::Config& config) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < config.accounts_size(); ++i) {
    const v1::AccountConfig& account = config.accounts(i);
    if (account.type() != "oauth") continue;
    // The pool's name for the entry (config::AccountSettingsOf).
    uuids_[config::AccountNameOf(account, i)] = account.account_uuid();
  }
}

void OAuthWiring::Rename(const std::string& from, const std::string& to) {
  {
    absl::MutexLock lock(&mu_);
    if (auto it = uuids_.find(from); it != uuids_.end()) {
      std::string uuid = std::move(it->second);
      uuids_.erase(it);
      uuids_[to] = std::move(uuid);
    }
  }
  std::lock_guard<std::mutex> lock(pending_mu_);
  if (auto it = pending_.find(from); it != pending_.end()) {
    pending_[to] = std::move(it->second);
    pending_.erase(from);
  }
}

void OAuthWiring::Forget(const std::string& account) {
  {
    absl::MutexLock lock(&mu_);
    uuids_.erase(account);
  }
  std::lock_guard<std::mutex> lock(pending_mu_);
  pending_.erase(account);
}

std::string OAuthWiring::UuidOf(const std::string& account) {
  absl::MutexLock lock(&mu_);
  auto it = uuids_.find(account);
  return it == uuids_.end() ? std::string() : it->second;
}

absl::Status OAuthWiring::Persist(const std::string& refreshed_as,
                                  const std::string& old_refresh_token,
                                  const credentials::TokenSet& tokens) {
  // Renamed while the refresh ran: saved under the name (and identity) it has now.
  const std::string account = pool_.AccountHolding(old_refresh_token).value_or(refreshed_as);
  Pending pending{old_refresh_token, tokens, tokens_ == nullptr, store_ == nullptr};
  const absl::Status durable = Save(account, pending);
  if (pending.token_store_done && pending.config_done) {
    std::lock_guard<std::mutex> lock(pending_mu_);
    pending_.erase(account);
    pool_.SetCredentialsUnsaved(account, "");
    return absl::OkStatus();
  }
  {
    // The newest pair replaces any older one still waiting: only it works.
    std::lock_guard<std::mutex> lock(pending_mu_);
    pending_[account] = pending;
  }
  pending_cv_.notify_all();
  if (!durable.ok()) {
    const std::string error = credentials::Redact(std::string(durable.message()));
    log_(absl::StrCat("error: account ", account,
                      ": the refreshed OAuth tokens could not be saved: ", error,
                      "; they are in use and kept in memory, and saving is retried until it "
                      "works. Until then a restart would lose them: fix the cause (a read-only "
                      "or full disk?)"));
    pool_.SetCredentialsUnsaved(account, error);
  }
  return durable;
}

absl::Status OAuthWiring::Save(const std::string& account, Pending& pending) {
  const credentials::TokenSet& tokens = pending.tokens;
  absl::Status durable = absl::OkStatus();
  if (!pending.token_store_done) {
    config::StoredTokenPair pair;
    pair.account_uuid = UuidOf(account);
    pair.access_token = tokens.access_token;
    pair.refresh_token = tokens.refresh_token;
    pair.expires_at_ms = tokens.expires_at_ms;
    pair.rotated_at_ms = absl::ToUnixMillis(absl::Now());
    durable = tokens_->Put(account, pair);
    pending.token_store_done = durable.ok();
  }
  if (!pending.config_done) {
    config::AccountLocator locator;
    locator.name = account;
    locator.uuid = UuidOf(account);
    config::RotatedTokens rotated;
    rotated.access_token = tokens.access_token;
    rotated.refresh_token = tokens.refresh_token;
    rotated.expires_at_ms = tokens.expires_at_ms;
    absl::StatusOr<config::RotationResult> result =
        config::PersistRotatedTokens(*store_, locator, pending.old_refresh_token, rotated);
    if (!result.ok()) {
      // Without a token store the config file is the durable copy.
      if (tokens_ == nullptr) durable = result.status();
      if (pending.token_store_done) {
        log_(absl::StrCat("account ", account, ": the refreshed tokens are saved in ",
                          tokens_->path().string(), " but not yet in the config file (",
                          credentials::Redact(std::string(result.status().message())),
                          "); retried"));
      }
      return durable;
    }
    pending.config_done = true;
    switch (*result) {
      case config::RotationResult::kWritten:
        log_(absl::StrCat("account ", account, ": token refreshed (refresh ",
                          credentials::Fingerprint(pending.old_refresh_token), " -> ",
                          credentials::Fingerprint(tokens.refresh_token), ") and saved"));
        break;
      case config::RotationResult::kAccountGone:
        log_(absl::StrCat("account ", account,
                          ": token refreshed; the account is no longer in the config file, so "
                          "only the token store holds the new tokens"));
        break;
      case config::RotationResult::kSupersededOnDisk:
        log_(absl::StrCat("account ", account,
                          ": token refreshed; the config file already holds a newer token from "
                          "another writer, left as is"));
        break;
    }
  }
  return durable;
}

void OAuthWiring::RetryLoop() {
  std::chrono::seconds wait = kFirstRetry;
  std::unique_lock<std::mutex> lock(pending_mu_);
  while (!stopping_) {
    if (pending_.empty()) {
      wait = kFirstRetry;
      pending_cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      continue;
    }
    pending_cv_.wait_for(lock, wait, [&] { return stopping_ || nudged_; });
    if (stopping_) return;
    nudged_ = false;
    std::map<std::string, Pending> work = pending_;
    lock.unlock();
    bool all_saved = true;
    // The write that makes a pair survive a restart: the token store's, else the config file's.
    auto durable = [this](const Pending& p) {
      return tokens_ != nullptr ? p.token_store_done : p.config_done;
    };
    for (auto& [account, pending] : work) {
      const bool was_durable = durable(pending);
      const absl::Status status = Save(account, pending);
      const bool done = pending.token_store_done && pending.config_done;
      if (status.ok() && durable(pending) && !was_durable) {
        log_(absl::StrCat("account ", account, ": the refreshed OAuth tokens are saved now"));
        pool_.SetCredentialsUnsaved(account, "");
      }
      all_saved = all_saved && done;
      std::lock_guard<std::mutex> relock(pending_mu_);
      auto it = pending_.find(account);
      // Unless a newer pair arrived meanwhile, record what landed.
      if (it != pending_.end() && it->second.tokens.refresh_token == pending.tokens.refresh_token) {
        if (done) {
          pending_.erase(it);
        } else {
          it->second = pending;
        }
      }
    }
    lock.lock();
    wait = all_saved ? kFirstRetry : std::min(kMaxRetry, wait * 2);
  }
}

void OAuthWiring::ConfigSaved() {
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    if (pending_.empty()) return;
    nudged_ = true;
  }
  pending_cv_.notify_all();
}

std::vector<std::string> OAuthWiring::Unsaved() const {
  std::lock_guard<std::mutex> lock(pending_mu_);
  std::vector<std::string> names;
  for (const auto& [account, pending] : pending_) {
    if (!pending.token_store_done || !pending.config_done) names.push_back(account);
  }
  return names;
}

void OAuthWiring::RestoreLivePair(const std::string& account) {
  if (store_ == nullptr) return;
  const std::optional<credentials::TokenSet> live = pool_.Tokens(account);
  if (!live) return;
  config::AccountLocator locator;
  locator.name = account;
  locator.uuid = UuidOf(account);
  config::RotatedTokens rotated;
  rotated.access_token = live->access_token;
  rotated.refresh_token = live->refresh_token;
  rotated.expires_at_ms = live->expires_at_ms;
  absl::StatusOr<bool> restored = config::RestoreNewerTokens(*store_, locator, rotated);
  if (!restored.ok()) {
    log_(absl::StrCat("warning: account ", account,
                      ": the config file holds an older OAuth token pair than the running one, "
                      "and writing the running pair back failed: ",
                      credentials::Redact(std::string(restored.status().message()))));
    return;
  }
  if (*restored) {
    log_(absl::StrCat("account ", account,
                      ": the config file held an older OAuth token pair than the running one (an "
                      "editor buffer opened before a token refresh?); the running pair (refresh ",
                      credentials::Fingerprint(live->refresh_token),
                      ") was written back, the rest of the edit kept"));
  }
}

void OAuthWiring::Outcome(const std::string& account, const credentials::FreshToken& outcome) {
  if (outcome.kind == credentials::FreshToken::Kind::kFailed &&
      outcome.failure == core::RefreshFailure::kDead) {
    const std::string why =
        outcome.reason == "token_refresh_unknown_outcome"
            ? "its refresh token may have been used by a refresh whose answer was lost, and its "
              "access token has expired"
            : absl::StrCat("the token endpoint refused its refresh token",
                           outcome.status ? absl::StrCat(" (HTTP ", *outcome.status, ")") : "");
    log_(absl::StrCat("error: account ", account, ": ", why,
                      "; it needs a new login: maxpool login --name ", account));
  }
  pool_.RefreshOutcome(account, outcome);
}

}  // namespace maxpool::server
