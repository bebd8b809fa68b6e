#include "credentials/login_flow.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "config/account_upsert.h"
#include "core/absl_view.h"
#include "credentials/pasted_code.h"
#include "credentials/pkce.h"
#include "credentials/redact.h"
#include "net/http_client.h"
#include "net/tls_client_context.h"

namespace maxpool::credentials {
namespace {

constexpr size_t kMaxQuotedServerText = 200;
constexpr std::string_view kApiKeyPrefix = "sk-ant-api";
constexpr size_t kMinApiKeyTail = 20;

std::string_view Trimmed(std::string_view text) {
  return core::StdView(absl::StripAsciiWhitespace(core::AbslView(text)));
}

// A server-provided text made safe to quote in a one-line message: secrets masked, control
// characters replaced, at most kMaxQuotedServerText characters.
std::string Quotable(std::string_view text) {
  const std::string redacted = Redact(text);
  std::string out;
  for (const char c : redacted) {
    if (out.size() >= kMaxQuotedServerText) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  return std::string(Trimmed(out));
}

// "<what> failed: HTTP <status> <error> (<description>)", or with a quoted body when it is not
// an OAuth / Anthropic error body.
std::string HttpFailureText(std::string_view what, const net::HttpResponse& response) {
  std::string text = absl::StrCat(core::AbslView(what), " failed: HTTP ", response.status);
  if (std::optional<OAuthError> error = ParseOAuthError(response.body)) {
    absl::StrAppend(&text, " ", Quotable(error->error));
    const std::string description = Quotable(error->description);
    if (!description.empty()) absl::StrAppend(&text, " (", description, ")");
  } else {
    const std::string body = Quotable(response.body);
    if (!body.empty()) absl::StrAppend(&text, ": ", body);
  }
  return text;
}

absl::Status Prefixed(const absl::Status& status, std::string_view prefix) {
  return absl::Status(status.code(), absl::StrCat(core::AbslView(prefix), status.message()));
}

std::optional<std::string> NonEmptyEnv(const config::EnvLookup& env, std::string_view name) {
  if (!env) return std::nullopt;
  std::optional<std::string> value = env(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

}  // namespace

std::string OAuthEndpoints::profile_url() const {
  return absl::StrCat(api_base_url, core::AbslView(kOAuthProfilePath));
}

std::string OAuthEndpoints::usage_url() const {
  return absl::StrCat(api_base_url, core::AbslView(kOAuthUsagePath));
}

OAuthEndpoints ResolveOAuthEndpoints(const v1::OAuthConfig& oauth, const config::EnvLookup& env) {
  OAuthEndpoints endpoints;
  if (std::optional<std::string> token = NonEmptyEnv(env, kOAuthTokenUrlEnv)) {
    endpoints.token_url = *std::move(token);
  } else if (!oauth.token_url().empty()) {
    endpoints.token_url = oauth.token_url();
  }
  if (!oauth.authorize_url().empty()) endpoints.authorize_url = oauth.authorize_url();
  if (!oauth.api_base_url().empty()) {
    std::string base = oauth.api_base_url();
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    endpoints.api_base_url = std::move(base);
  }
  endpoints.ca_file = oauth.ca_file();
  return endpoints;
}

absl::Duration LoginTimeout(const config::EnvLookup& env) {
  int64_t ms = 0;
  std::optional<std::string> value = NonEmptyEnv(env, kOAuthLoginTimeoutEnv);
  if (!value || !absl::SimpleAtoi(*value, &ms) || ms <= 0) return kOAuthLoginTimeout;
  return std::max(absl::Milliseconds(ms), kOAuthLoginTimeoutMin);
}

LoginFlow::LoginFlow(OAuthEndpoints endpoints, std::unique_ptr<boost::asio::ssl::context> tls)
    : endpoints_(std::move(endpoints)), tls_(std::move(tls)) {}

LoginFlow::~LoginFlow() = default;

absl::StatusOr<std::unique_ptr<LoginFlow>> LoginFlow::Create(OAuthEndpoints endpoints) {
  absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> tls =
      net::MakeTlsClientContext(endpoints.ca_file);
  if (!tls.ok()) return Prefixed(tls.status(), "oauth.caFile: ");
  return std::unique_ptr<LoginFlow>(new LoginFlow(std::move(endpoints), *std::move(tls)));
}

absl::StatusOr<StartedLogin> LoginFlow::Start(const LoginStartOptions& options) const {
  absl::StatusOr<PkceSession> pkce = MakePkce();
  if (!pkce.ok()) return pkce.status();
  StartedLogin started;
  if (options.redirect == LoginStartOptions::Redirect::kLocalCallback) {
    CallbackServer::Options callback_options;
    callback_options.expected_state = pkce->state;
    callback_options.port = options.callback_port;
    absl::StatusOr<std::unique_ptr<CallbackServer>> server =
        CallbackServer::StartOnOwnThread(std::move(callback_options));
    if (!server.ok()) return server.status();
    started.callback = *std::move(server);
    started.redirect_uri = started.callback->redirect_uri();
  } else {
    started.redirect_uri = std::string(kOAuthManualRedirectUrl);
  }
  absl::StatusOr<std::string> url = AuthorizeUrl(endpoints_.authorize_url, kOAuthClientId,
                                                 started.redirect_uri, kOAuthScopes, *pkce);
  if (!url.ok()) return Prefixed(url.status(), "oauth.authorizeUrl: ");
  started.authorize_url = *std::move(url);
  started.session.verifier = std::move(pkce->verifier);
  started.session.state = std::move(pkce->state);
  started.session.redirect_uri = started.redirect_uri;
  return started;
}

absl::StatusOr<LoggedInAccount> LoginFlow::Complete(const LoginSession& session,
                                                    std::string_view code) const {
  if (code.empty()) return absl::InvalidArgumentError("the authorization code is empty");
  net::HttpCall call;
  call.method = net::HttpMethod::kPost;
  call.url = endpoints_.token_url;
  call.body =
      CodeExchangeBody(code, session.state, kOAuthClientId, session.redirect_uri, session.verifier);
  call.timeout = http_timeout_;
  const net::HttpOutcome outcome = net::SendJsonBlocking(*tls_, std::move(call));
  if (!outcome.ok()) return Prefixed(outcome.ToStatus(), "token exchange failed: ");
  const net::HttpResponse& response = *outcome.response;
  if (response.status < 200 || response.status > 299) {
    const std::string text = HttpFailureText("token exchange", response);
    if (response.status >= 400 && response.status < 500 && response.status != 408 &&
        response.status != 429) {
      return absl::PermissionDeniedError(text);
    }
    return absl::UnavailableError(text);
  }
  TokenIdentity identity;
  absl::StatusOr<TokenSet> tokens =
      ParseTokenResponse(response.body, absl::Now(), /*previous_refresh_token=*/"", &identity);
  if (!tokens.ok()) {
    return absl::InternalError(
        absl::StrCat("token exchange failed: the token endpoint's answer is not usable: ",
                     tokens.status().message()));
  }
  LoggedInAccount account;
  account.tokens = *std::move(tokens);
  absl::StatusOr<Profile> profile = FetchProfile(account.tokens.access_token);
  if (profile.ok()) {
    account.profile = *std::move(profile);
    return account;
  }
  account.profile_error = std::string(profile.status().message());
  account.profile.uuid = identity.account_uuid.value_or("");
  account.profile.email = identity.account_email.value_or("");
  account.profile.organization_uuid = identity.organization_uuid.value_or("");
  account.profile.organization_name = identity.organization_name.value_or("");
  return account;
}

absl::StatusOr<LoggedInAccount> LoginFlow::CompletePasted(const LoginSession& session,
                                                          std::string_view pasted) const {
  absl::StatusOr<std::string> code = ParsePastedCode(pasted, session.state);
  if (!code.ok()) return code.status();
  return Complete(session, *code);
}

absl::StatusOr<Profile> LoginFlow::FetchProfile(std::string_view access_token) const {
  net::HttpCall call;
  call.method = net::HttpMethod::kGet;
  call.url = endpoints_.profile_url();
  call.headers.push_back({"Authorization", absl::StrCat("Bearer ", core::AbslView(access_token))});
  call.headers.push_back({"anthropic-beta", std::string(kOAuthBeta)});
  call.timeout = http_timeout_;
  const net::HttpOutcome outcome = net::SendJsonBlocking(*tls_, std::move(call));
  if (!outcome.ok()) return Prefixed(outcome.ToStatus(), "profile request failed: ");
  const net::HttpResponse& response = *outcome.response;
  if (response.status < 200 || response.status > 299) {
    const std::string text = HttpFailureText("profile request", response);
    if (response.status == 401) return absl::UnauthenticatedError(text);
    if (response.status == 403) return absl::PermissionDeniedError(text);
    return absl::UnavailableError(text);
  }
  absl::StatusOr<Profile> profile = ParseProfile(response.body);
  if (!profile.ok()) return Prefixed(profile.status(), "profile request failed: ");
  return profile;
}

absl::StatusOr<SavedAccount> SaveLoggedInAccount(config::ConfigStore& store,
                                                 const LoggedInAccount& account,
                                                 std::string_view source,
                                                 const std::optional<std::string>& name) {
  if (source != "login" && source != "import") {
    return absl::InvalidArgumentError(
        absl::StrCat("source must be \"login\" or \"import\", not \"", Quotable(source), "\""));
  }
  if (account.tokens.access_token.empty()) {
    return absl::InvalidArgumentError("the login has no access token");
  }
  if (name.has_value() && Trimmed(*name).empty()) {
    return absl::InvalidArgumentError("the account name is empty");
  }
  v1::AccountConfig entry;
  entry.set_type("oauth");
  entry.set_access_token(account.tokens.access_token);
  if (!account.tokens.refresh_token.empty()) {
    entry.set_refresh_token(account.tokens.refresh_token);
  }
  if (account.tokens.expires_at_ms > 0) entry.set_expires_at(account.tokens.expires_at_ms);
  if (!account.profile.uuid.empty()) entry.set_account_uuid(account.profile.uuid);
  if (!account.profile.email.empty()) entry.set_email(account.profile.email);
  if (!account.profile.organization_name.empty()) {
    entry.set_organization(account.profile.organization_name);
  }
  entry.set_source(std::string(source));
  if (name.has_value()) entry.set_name(std::string(Trimmed(*name)));

  SavedAccount saved;
  absl::StatusOr<config::LoadedConfig> written = store.Update(
      [&](v1::Config& config) -> absl::Status {
        absl::StatusOr<config::UpsertResult> result = config::UpsertAccount(config, entry);
        if (!result.ok()) return result.status();
        saved.name = config.accounts(result->index).name();
        saved.added = result->added;
        return absl::OkStatus();
      },
      std::nullopt);
  if (!written.ok()) return written.status();
  return saved;
}

absl::StatusOr<std::string> CheckApiKey(std::string_view key) {
  const std::string_view trimmed = Trimmed(key);
  if (trimmed.empty()) {
    return absl::InvalidArgumentError(
        "no API key given; paste a Console API key (sk-ant-api…), from "
        "https://console.anthropic.com/settings/keys");
  }
  const absl::string_view view = core::AbslView(trimmed);
  if (absl::StartsWith(view, "sk-ant-oat") || absl::StartsWith(view, "sk-ant-ort")) {
    return absl::InvalidArgumentError(
        "that is a Claude subscription OAuth token, not an API key; add a subscription with "
        "`maxpool login` (or `maxpool import` to reuse Claude Code's login)");
  }
  if (!absl::StartsWith(view, core::AbslView(kApiKeyPrefix))) {
    return absl::InvalidArgumentError(
        "that does not look like an Anthropic API key (they start with \"sk-ant-api\"); copy "
        "the key from https://console.anthropic.com/settings/keys");
  }
  const std::string_view tail = trimmed.substr(kApiKeyPrefix.size());
  const bool clean = std::all_of(tail.begin(), tail.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  if (!clean) {
    return absl::InvalidArgumentError(
        "the API key contains unexpected characters (spaces, quotes or a line break inside?); "
        "paste the key on its own");
  }
  if (tail.size() < kMinApiKeyTail) {
    return absl::InvalidArgumentError(
        "the API key is too short (cut off while copying?); copy the whole key from "
        "https://console.anthropic.com/settings/keys");
  }
  return std::string(trimmed);
}

absl::StatusOr<SavedAccount> SaveApiKeyAccount(config::ConfigStore& store, std::string_view key,
                                               const std::optional<std::string>& name) {
  absl::StatusOr<std::string> checked = CheckApiKey(key);
  if (!checked.ok()) return checked.status();
  if (name.has_value() && Trimmed(*name).empty()) {
    return absl::InvalidArgumentError("the account name is empty");
  }
  SavedAccount saved;
  absl::StatusOr<config::LoadedConfig> written = store.Update(
      [&](v1::Config& config) -> absl::Status {
        v1::AccountConfig entry;
        entry.set_type("apikey");
        entry.set_api_key(*checked);
        entry.set_source("login");
        if (name.has_value()) {
          entry.set_name(std::string(Trimmed(*name)));
        } else {
          for (const v1::AccountConfig& existing : config.accounts()) {
            if (existing.type() == "apikey" && existing.api_key() == *checked &&
                !existing.name().empty()) {
              entry.set_name(existing.name());
              break;
            }
          }
        }
        absl::StatusOr<config::UpsertResult> result = config::UpsertAccount(config, entry);
        if (!result.ok()) return result.status();
        saved.name = config.accounts(result->index).name();
        saved.added = result->added;
        return absl::OkStatus();
      },
      std::nullopt);
  if (!written.ok()) return written.status();
  return saved;
}

}  // namespace maxpool::credentials
