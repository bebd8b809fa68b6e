#pragma once

// Adding accounts to the config (spec §1.5, §7.2; wire §5.2–§5.4): the PKCE browser login as a
// library, so that the CLI (`maxpool login`) and, later, the control plane (remote login) share
// it; and the saves of a logged-in or imported OAuth account and of an API key.
//
//   LoginFlow flow = *LoginFlow::Create(ResolveOAuthEndpoints(config.oauth(), env));
//   StartedLogin started = *flow.Start({});          // send the user to started.authorize_url
//   code = started.callback->WaitForCodeBlocking(…)  // or ParsePastedCode(pasted, state)
//   LoggedInAccount account = *flow.Complete(started.session, code);
//   SavedAccount saved = *SaveLoggedInAccount(store, account, "login");
//
// Every call here blocks the calling thread (HTTP through SendJsonBlocking, file I/O): run them
// off the data plane. No error message and no log line contains a token, a key, an
// authorization code or the PKCE verifier; server-provided texts go through Redact().
//
// Thread safety: a LoginFlow is immutable after Create(); Start() and Complete() may run
// concurrently from any threads. The Save functions are serialised by the ConfigStore.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/ssl/context.hpp"
#include "config/config_path.h"
#include "config/config_store.h"
#include "credentials/callback_server.h"
#include "credentials/oauth_constants.h"
#include "credentials/oauth_messages.h"
#include "credentials/profile.h"
#include "maxpool/v1/config.pb.h"

namespace maxpool::credentials {

// Base URL of the profile and usage endpoints (wire §5.1 BASE_API_URL).
inline constexpr std::string_view kOAuthDefaultApiBaseUrl = "https://api.anthropic.com";
// Path of the profile endpoint under the API base (wire §5.4).
inline constexpr std::string_view kOAuthProfilePath = "/api/oauth/profile";
// Path of the usage endpoint under the API base (wire §5.5), read by the quota prober.
inline constexpr std::string_view kOAuthUsagePath = "/api/oauth/usage";
// The redirect URI of a login without a local listener: the page it lands on shows `code#state`
// for the user to paste (wire §5.1 "Manual redirect").
inline constexpr std::string_view kOAuthManualRedirectUrl =
    "https://platform.claude.com/oauth/code/callback";

// Where the OAuth calls go, after the config's `oauth` section, the environment and the
// defaults are applied.
struct OAuthEndpoints {
  std::string authorize_url = std::string(kOAuthAuthorizeUrl);
  std::string token_url = std::string(kOAuthDefaultTokenUrl);
  std::string api_base_url = std::string(kOAuthDefaultApiBaseUrl);  // no trailing '/'
  std::string ca_file;  // extra CA certificates (PEM); "" for the system store only

  // <api_base_url>/api/oauth/profile
  std::string profile_url() const;
  // <api_base_url>/api/oauth/usage
  std::string usage_url() const;
};

// The endpoints for `oauth` (config.proto OAuthConfig): token URL from
// $MAXPOOL_OAUTH_TOKEN_ENDPOINT (non-empty; it wins, as in the reference), else oauth.tokenUrl,
// else kOAuthDefaultTokenUrl; authorize URL from oauth.authorizeUrl, else kOAuthAuthorizeUrl; API
// base from oauth.apiBaseUrl (trailing '/' dropped), else kOAuthDefaultApiBaseUrl; CA file from
// oauth.caFile. Empty strings count as unset. Never fails: a bad URL is reported by the call that
// uses it.
OAuthEndpoints ResolveOAuthEndpoints(const v1::OAuthConfig& oauth, const config::EnvLookup& env);

// How long `maxpool login` waits for the callback or a pasted code (spec §7.2 step 4):
// $MAXPOOL_LOGIN_TIMEOUT_MS when it is a whole number of milliseconds, raised to at least
// kOAuthLoginTimeoutMin (60 s); else kOAuthLoginTimeout (5 min).
absl::Duration LoginTimeout(const config::EnvLookup& env);

// One login attempt's secrets, to be handed back to Complete(). Opaque to callers: keep it
// unchanged and private (the verifier proves ownership of the code; never log it). Copyable, so
// that a remote-login service can keep it between the two calls.
struct LoginSession {
  std::string verifier;      // PKCE code_verifier (secret)
  std::string state;         // the authorize URL's `state`
  std::string redirect_uri;  // the authorize URL's `redirect_uri`, repeated at the exchange
};

struct LoginStartOptions {
  enum class Redirect {
    // Listen on 127.0.0.1 (CallbackServer on its own thread); redirect_uri
    // http://localhost:<port>/callback. The browser delivers the code by itself; a user whose
    // browser cannot reach this machine may still paste the URL it landed on.
    kLocalCallback,
    // No listener; redirect_uri kOAuthManualRedirectUrl, whose page shows `code#state` for the
    // user to paste (headless machines, remote login through the control plane).
    kManual,
  };
  Redirect redirect = Redirect::kLocalCallback;
  // kLocalCallback: the port to listen on; 0 (default) for an ephemeral one.
  uint16_t callback_port = 0;
};

struct StartedLogin {
  std::string authorize_url;  // send the user's browser here
  std::string redirect_uri;   // = session.redirect_uri
  LoginSession session;
  // kLocalCallback only (else null): the running listener. Wait on it with WaitForCode*();
  // destroying it stops it.
  std::unique_ptr<CallbackServer> callback;
};

// The result of a completed login (or of reading an imported login's profile).
struct LoggedInAccount {
  TokenSet tokens;  // secrets: never log
  Profile profile;
  // Empty when the profile was read. Otherwise why it could not be, and `profile` holds what the
  // token response said about the account (possibly nothing): the tokens are kept anyway, as
  // the authorization code is spent.
  std::string profile_error;
};

class LoginFlow {
 public:
  // Error: that of net::MakeTlsClientContext(endpoints.ca_file) (a CA file that cannot be read).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LoginFlow>> Create(OAuthEndpoints endpoints);

  LoginFlow(const LoginFlow&) = delete;
  LoginFlow& operator=(const LoginFlow&) = delete;
  ~LoginFlow();

  const OAuthEndpoints& endpoints() const { return endpoints_; }

  // A fresh PKCE session (spec §7.2 step 1) and its authorize URL (step 3), with a listener
  // running for kLocalCallback (step 2).
  // Errors: Internal when the CSPRNG fails; InvalidArgument when the authorize URL is not an
  // absolute http(s) URL; Unavailable when the callback port cannot be bound.
  [[nodiscard]] absl::StatusOr<StartedLogin> Start(const LoginStartOptions& options) const;

  // Redeems `code` (the bare authorization code) at the token URL (spec §7.2 steps 5–6) and reads
  // the profile with the new access token (step 7; see LoggedInAccount::profile_error for a
  // profile that cannot be read). Errors (what failed, the HTTP status and the OAuth error name
  // and description; never a secret):
  //   InvalidArgument for an empty code;
  //   Unavailable / DeadlineExceeded when the token endpoint cannot be reached or does not
  //     answer in time ("token exchange failed: …");
  //   PermissionDenied for a 4xx from the token endpoint, e.g. "token exchange failed: HTTP 400
  //     invalid_grant (Invalid code)"; Unavailable for another non-2xx;
  //   Internal when a 2xx answer is not a valid token response.
  [[nodiscard]] absl::StatusOr<LoggedInAccount> Complete(const LoginSession& session,
                                                         std::string_view code) const;

  // Complete() for what a user pasted: `code#state`, the callback URL, or the bare code
  // (ParsePastedCode against session.state). Errors: ParsePastedCode's, then Complete()'s.
  [[nodiscard]] absl::StatusOr<LoggedInAccount> CompletePasted(const LoginSession& session,
                                                               std::string_view pasted) const;

  // GET <api base>/api/oauth/profile with `Authorization: Bearer <access_token>` and
  // `anthropic-beta: oauth-2025-04-20`. Errors: Unavailable / DeadlineExceeded when it cannot
  // be reached; Unauthenticated for 401, PermissionDenied for 403, Unavailable for another
  // non-2xx ("profile request failed: HTTP 401 authentication_error (Invalid bearer token)");
  // InvalidArgument when the body is not a profile (ParseProfile).
  [[nodiscard]] absl::StatusOr<Profile> FetchProfile(std::string_view access_token) const;

  // Per-request timeout of the token and profile calls. Default 30 s.
  void set_http_timeout(std::chrono::milliseconds timeout) { http_timeout_ = timeout; }

 private:
  LoginFlow(OAuthEndpoints endpoints, std::unique_ptr<boost::asio::ssl::context> tls);

  OAuthEndpoints endpoints_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::chrono::milliseconds http_timeout_{30000};
};

// What a save did.
struct SavedAccount {
  std::string name;    // the entry's name after the save
  bool added = false;  // appended (true) or an existing entry updated (false)
};

// Upserts an OAuth account (spec §1.5) as one ConfigStore::Update: type "oauth", accessToken,
// refreshToken, expiresAt (when known), accountUuid, email, organization (when the profile has
// them) and `source` ("login" or "import"). The entry is found by accountUuid, then by name:
// `name` when given, else the email; a new entry without `name` is named after the email, else
// "account-N". An updated entry keeps its other settings (enabled, priority, name unless `name`
// is given, …).
// Errors: InvalidArgument for an empty access token or another `source`, or an empty `name`;
// AlreadyExists when the name belongs to another entry; ConfigStore::Update's (an invalid
// config file is never overwritten).
[[nodiscard]] absl::StatusOr<SavedAccount> SaveLoggedInAccount(
    config::ConfigStore& store, const LoggedInAccount& account, std::string_view source,
    const std::optional<std::string>& name = std::nullopt);

// Checks that `key` (surrounding whitespace ignored) looks like an Anthropic Console API key:
// "sk-ant-api" followed by at least 20 characters of [A-Za-z0-9_-]. Returns it trimmed.
// Error: InvalidArgument saying what is wrong and what to do (an OAuth token is named as such);
// the message never quotes the key.
[[nodiscard]] absl::StatusOr<std::string> CheckApiKey(std::string_view key);

// Upserts an API-key account (type "apikey", apiKey) as one ConfigStore::Update. Without `name`,
// an entry that already holds this key is updated; else a new one is named "api-N". With `name`,
// the entry of that name is updated, else a new one is added.
// Errors: CheckApiKey's; InvalidArgument for an empty `name`; AlreadyExists when the name belongs
// to a provider entry; ConfigStore::Update's.
[[nodiscard]] absl::StatusOr<SavedAccount> SaveApiKeyAccount(
    config::ConfigStore& store, std::string_view key,
    const std::optional<std::string>& name = std::nullopt);

}  // namespace maxpool::credentials
