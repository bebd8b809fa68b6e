#include "fake/oauth_registry.h"

#include <algorithm>
#include <array>
#include <utility>

#include "boost/json/array.hpp"
#include "fake/oauth_crypto.h"
#include "fake/str_cat.h"

namespace maxpool::fake {
namespace {

constexpr absl::Duration kDefaultLifetime = absl::Hours(1);
constexpr std::string_view kRefreshInvalid = "Refresh token not found or invalid";
constexpr std::string_view kCodeInvalid = "Invalid 'code' in request.";

void Fail(TokenOutcome& out, std::string_view error, std::string_view description) {
  out.error = std::string(error);
  out.error_description = std::string(description);
}

boost::json::value EpochMsOrNull(absl::Time t) {
  if (t == absl::InfiniteFuture()) return nullptr;
  return absl::ToUnixMillis(t);
}

boost::json::value StringOrNull(const std::string& s) {
  if (s.empty()) return nullptr;
  return boost::json::string(s);
}

}  // namespace

absl::Duration OAuthRegistry::Lifetime(const AccountState& account) const {
  return account.spec.expires_in.value_or(kDefaultLifetime);
}

void OAuthRegistry::AddAccessToken(std::string_view credential, AccountState& account,
                                   std::string token, absl::Time expires_at) {
  access_.insert_or_assign(token, AccessToken{std::string(credential), expires_at, false});
  account.access_token = token;
  account.access_tokens.push_back(std::move(token));
}

void OAuthRegistry::Forget(std::string_view credential) {
  const std::string key(credential);
  auto it = accounts_.find(key);
  if (it == accounts_.end()) return;
  for (const std::string& token : it->second.access_tokens) {
    if (auto t = access_.find(token); t != access_.end() && t->second.credential == key) {
      access_.erase(t);
    }
  }
  for (auto r = refresh_owner_.begin(); r != refresh_owner_.end();) {
    if (r->second == key) {
      refresh_owner_.erase(r++);
    } else {
      ++r;
    }
  }
  accounts_.erase(it);
}

void OAuthRegistry::Register(std::string_view credential, std::string_view name,
                             const OAuthAccountSpec& spec, absl::Time now) {
  const std::string key(credential);
  Forget(key);
  AccountState account;
  account.name = std::string(name);
  account.spec = spec;
  absl::Time expires_at = absl::InfiniteFuture();
  if (spec.expires_at) {
    expires_at = *spec.expires_at;
  } else if (spec.expires_in) {
    expires_at = now + *spec.expires_in;
  }
  AddAccessToken(key, account, key, expires_at);
  if (spec.refresh_token) {
    account.refresh_token = *spec.refresh_token;
    refresh_owner_.insert_or_assign(*spec.refresh_token, key);
  }
  accounts_.insert_or_assign(key, std::move(account));
  counters_.try_emplace(key);
}

absl::Status OAuthRegistry::Update(std::string_view credential, const OAuthAccountSpec& update,
                                   absl::Time now) {
  auto it = accounts_.find(std::string(credential));
  if (it == accounts_.end()) return absl::NotFoundError("unknown OAuth account");
  AccountState& account = it->second;
  OverlayOAuthSpec(account.spec, update);
  if (update.refresh_token) {
    account.refresh_token = *update.refresh_token;
    refresh_owner_.insert_or_assign(*update.refresh_token, std::string(credential));
  }
  std::optional<absl::Time> expiry = update.expires_at;
  if (!expiry && update.expires_in) expiry = now + *update.expires_in;
  if (expiry) access_[account.access_token].expires_at = *expiry;
  return absl::OkStatus();
}

OAuthRegistry::Resolution OAuthRegistry::Resolve(std::string_view token, absl::Time now) const {
  Resolution r;
  auto it = access_.find(std::string(token));
  if (it == access_.end() || !accounts_.contains(it->second.credential)) return r;
  r.credential = it->second.credential;
  if (it->second.revoked) {
    r.status = TokenStatus::kRevoked;
  } else if (now >= it->second.expires_at) {
    r.status = TokenStatus::kExpired;
  } else {
    r.status = TokenStatus::kValid;
  }
  return r;
}

IssuedTokens OAuthRegistry::Rotate(std::string_view credential, AccountState& account,
                                   absl::Duration lifetime, std::string_view scope,
                                   absl::Time now) {
  if (account.spec.revoke_old_access.value_or(false)) {
    for (const std::string& token : account.access_tokens) access_[token].revoked = true;
  }
  IssuedTokens issued;
  issued.access_token = NewAccessToken();
  issued.refresh_token = NewRefreshToken();
  AddAccessToken(credential, account, issued.access_token, now + lifetime);
  account.refresh_token = issued.refresh_token;
  refresh_owner_.insert_or_assign(issued.refresh_token, std::string(credential));
  issued.expires_in = absl::ToInt64Seconds(lifetime);
  issued.identity = ResolveIdentity(credential, account.name, account.spec);
  issued.scope = scope.empty() ? issued.identity.scope : std::string(scope);
  return issued;
}

void OAuthRegistry::Grant(const TokenRequest& request, absl::Time now, TokenOutcome& out) {
  if (request.malformed) return Fail(out, "invalid_request", "Invalid request format");
  if (request.grant_type.empty()) return Fail(out, "invalid_request", "grant_type is required");
  if (request.grant_type == "refresh_token") {
    if (request.refresh_token.empty()) {
      return Fail(out, "invalid_request", "refresh_token is required");
    }
    if (request.client_id.empty()) return Fail(out, "invalid_request", "client_id is required");
    auto owner = refresh_owner_.find(request.refresh_token);
    if (owner == refresh_owner_.end()) return Fail(out, "invalid_grant", kRefreshInvalid);
    auto account = accounts_.find(owner->second);
    if (account == accounts_.end() || account->second.refresh_token != request.refresh_token) {
      return Fail(out, "invalid_grant", kRefreshInvalid);
    }
    out.issued =
        Rotate(account->first, account->second, Lifetime(account->second), request.scope, now);
    return;
  }
  if (request.grant_type == "authorization_code") {
    const std::array<std::pair<std::string_view, const std::string*>, 4> required = {{
        {"code", &request.code},
        {"code_verifier", &request.code_verifier},
        {"redirect_uri", &request.redirect_uri},
        {"client_id", &request.client_id},
    }};
    for (const auto& [field, value] : required) {
      if (value->empty()) return Fail(out, "invalid_request", Cat(field, " is required"));
    }
    auto code = codes_.find(request.code);
    if (code == codes_.end()) return Fail(out, "invalid_grant", kCodeInvalid);
    if (now >= code->second.expires_at) {
      codes_.erase(code);
      return Fail(out, "invalid_grant", kCodeInvalid);
    }
    if (S256Challenge(request.code_verifier) != code->second.challenge) {
      return Fail(out, "invalid_grant", "Invalid code_verifier");
    }
    if (!code->second.state.empty() && request.state != code->second.state) {
      return Fail(out, "invalid_grant", "Invalid state");
    }
    if (!code->second.redirect_uri.empty() && request.redirect_uri != code->second.redirect_uri) {
      return Fail(out, "invalid_grant", "Invalid redirect_uri");
    }
    auto account = accounts_.find(code->second.credential);
    codes_.erase(code);  // single use
    if (account == accounts_.end()) return Fail(out, "invalid_grant", kCodeInvalid);
    const absl::Duration lifetime =
        request.expires_in ? absl::Seconds(*request.expires_in) : Lifetime(account->second);
    out.issued = Rotate(account->first, account->second, lifetime, request.scope, now);
    return;
  }
  Fail(out, "invalid_request", Cat("Unsupported grant_type: ", request.grant_type));
}

TokenOutcome OAuthRegistry::Exchange(const TokenRequest& request, absl::Time now) {
  ++token_calls_;
  TokenOutcome out;
  if (!script_.empty()) {
    out.fault = script_.front();
    script_.pop_front();
  } else {
    out.fault = default_fault_;
  }
  const bool refresh = !request.malformed && request.grant_type == "refresh_token";
  const bool code = !request.malformed && request.grant_type == "authorization_code";
  if (refresh) {
    if (auto it = refresh_owner_.find(request.refresh_token); it != refresh_owner_.end()) {
      out.credential = it->second;
    }
  } else if (code) {
    if (auto it = codes_.find(request.code); it != codes_.end()) {
      out.credential = it->second.credential;
    }
  }

  const TokenFaultKind kind = out.fault.kind;
  if (kind == TokenFaultKind::kInvalidGrant) {
    Fail(out, "invalid_grant", code ? kCodeInvalid : kRefreshInvalid);
  } else if (kind == TokenFaultKind::kOk || out.fault.consume) {
    Grant(request, now, out);
  }

  if (!out.credential.empty()) {
    OAuthCounters& c = counters_[out.credential];
    ++c.token_calls;
    if (refresh) ++c.refresh_calls;
    if (out.issued) {
      ++c.rotations;
      c.last_rotation_ms = absl::ToUnixMillis(now);
    }
    const bool answered = kind == TokenFaultKind::kOk || kind == TokenFaultKind::kInvalidGrant;
    if (answered && out.error == "invalid_grant") ++c.rejected;
  }
  if (refresh && !request.refresh_token.empty()) {
    if (presented_.size() >= kMaxPresented) presented_.pop_front();
    presented_.push_back(PresentedRefresh{request.refresh_token, out.issued.has_value(),
                                          out.credential, std::string(TokenFaultKindName(kind)),
                                          now});
  }
  return out;
}

absl::StatusOr<std::string> OAuthRegistry::MintCode(std::string_view credential,
                                                    std::string_view code_challenge,
                                                    std::string_view state,
                                                    std::string_view redirect_uri, absl::Time now) {
  if (!accounts_.contains(std::string(credential))) {
    return absl::NotFoundError("unknown OAuth account");
  }
  if (code_challenge.empty()) return absl::InvalidArgumentError("code_challenge is required");
  std::string code = NewAuthCode();
  codes_.insert_or_assign(
      code, Code{std::string(credential), std::string(code_challenge), std::string(state),
                 std::string(redirect_uri), now + kCodeLifetime});
  return code;
}

absl::Status OAuthRegistry::Expire(std::string_view credential, absl::Time now) {
  auto it = accounts_.find(std::string(credential));
  if (it == accounts_.end()) return absl::NotFoundError("unknown OAuth account");
  for (const std::string& token : it->second.access_tokens) {
    AccessToken& t = access_[token];
    t.expires_at = std::min(t.expires_at, now);
  }
  return absl::OkStatus();
}

void OAuthRegistry::Script(std::vector<TokenFault> faults, bool replace) {
  if (replace) script_.clear();
  for (TokenFault& f : faults) script_.push_back(std::move(f));
}

void OAuthRegistry::CountCall(std::string_view credential, Call call) {
  OAuthCounters& c = counters_[std::string(credential)];
  ++(call == Call::kProfile ? c.profile_calls : c.usage_calls);
}

std::optional<OAuthIdentity> OAuthRegistry::Identity(std::string_view credential) const {
  auto it = accounts_.find(std::string(credential));
  if (it == accounts_.end()) return std::nullopt;
  return ResolveIdentity(credential, it->second.name, it->second.spec);
}

OAuthAccountView OAuthRegistry::View(std::string_view credential, const AccountState& account,
                                     absl::Time now) const {
  OAuthAccountView v;
  v.credential = std::string(credential);
  v.identity = ResolveIdentity(credential, account.name, account.spec);
  v.access_token = account.access_token;
  if (auto t = access_.find(account.access_token); t != access_.end()) {
    v.expires_at = t->second.expires_at;
  }
  v.refresh_token = account.refresh_token;
  v.token_lifetime = Lifetime(account);
  v.revoke_old_access = account.spec.revoke_old_access.value_or(false);
  for (const std::string& token : account.access_tokens) {
    auto t = access_.find(token);
    if (t != access_.end() && !t->second.revoked && now < t->second.expires_at) {
      ++v.valid_access_tokens;
    }
  }
  if (auto c = counters_.find(v.credential); c != counters_.end()) v.counters = c->second;
  return v;
}

std::optional<OAuthAccountView> OAuthRegistry::Account(std::string_view credential,
                                                       absl::Time now) const {
  auto it = accounts_.find(std::string(credential));
  if (it == accounts_.end()) return std::nullopt;
  return View(credential, it->second, now);
}

boost::json::object OAuthRegistry::ToJson(absl::Time now) const {
  boost::json::object accounts;
  for (const auto& [credential, account] : accounts_) {
    const OAuthAccountView v = View(credential, account, now);
    const OAuthIdentity& id = v.identity;
    const OAuthCounters& c = v.counters;
    accounts[credential] =
        boost::json::object{{"access_token", v.access_token},
                            {"refresh_token", StringOrNull(v.refresh_token)},
                            {"expires_at", EpochMsOrNull(v.expires_at)},
                            {"expired", now >= v.expires_at},
                            {"token_lifetime_s", absl::ToInt64Seconds(v.token_lifetime)},
                            {"revoke_old_access", v.revoke_old_access},
                            {"valid_access_tokens", v.valid_access_tokens},
                            {"uuid", id.uuid},
                            {"email", id.email},
                            {"display_name", id.display_name},
                            {"organization_uuid", id.organization_uuid},
                            {"organization_name", id.organization_name},
                            {"tier", id.tier},
                            {"scope", id.scope},
                            {"token_calls", c.token_calls},
                            {"refresh_calls", c.refresh_calls},
                            {"rotations", c.rotations},
                            {"last_rotation_ms", c.last_rotation_ms},
                            {"rejected", c.rejected},
                            {"profile_calls", c.profile_calls},
                            {"usage_calls", c.usage_calls}};
  }
  boost::json::array presented;
  for (const PresentedRefresh& p : presented_) {
    presented.push_back(boost::json::object{{"refresh_token", p.refresh_token},
                                            {"accepted", p.accepted},
                                            {"credential", StringOrNull(p.credential)},
                                            {"fault", p.fault},
                                            {"at", absl::ToUnixMillis(p.at)}});
  }
  boost::json::array script;
  for (const TokenFault& f : script_) script.push_back(TokenFaultToJson(f));
  return boost::json::object{{"accounts", std::move(accounts)},
                             {"token_calls", token_calls_},
                             {"presented", std::move(presented)},
                             {"script", std::move(script)},
                             {"default", TokenFaultToJson(default_fault_)}};
}

}  // namespace maxpool::fake
