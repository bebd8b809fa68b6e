#pragma once

// The fake's OAuth server state (anthropic-wire.md §5.3): for each subscription account its
// access tokens (each with its own expiry), its current refresh token (earlier ones are spent and
// answer invalid_grant), the authorization codes minted for it, and counters; plus the
// token-endpoint fault script and the history of refresh tokens presented.
//
// Accounts are keyed by their original credential, their identity: a rotation adds access tokens
// that resolve to the same account, so per-credential stats stay where tests expect them. The
// initial credential is the first access token; it expires at the spec's expires_at (or now +
// expires_in), else never. Rotations issue tokens living token_lifetime (expires_in, default 1h);
// older access tokens keep working until their own expiry unless revoke_old_access is set.
//
// Not thread-safe: FakeState owns it and serialises access. Time is passed in.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/json/object.hpp"
#include "fake/oauth_faults.h"
#include "fake/oauth_identity.h"
#include "fake/oauth_spec.h"

namespace maxpool::fake {

enum class TokenStatus { kUnknown, kValid, kExpired, kRevoked };

struct OAuthCounters {
  int64_t token_calls = 0;    // token-endpoint calls attributed to the account (any outcome)
  int64_t refresh_calls = 0;  // refresh_token grants presenting one of its refresh tokens
  int64_t rotations = 0;      // grants that issued it new tokens (also when the answer was lost)
  int64_t rejected = 0;       // invalid_grant answers attributed to it
  int64_t profile_calls = 0;  // GET /api/oauth/profile with one of its tokens (any outcome)
  int64_t usage_calls = 0;    // GET /api/oauth/usage likewise
  // When the last grant issued it new tokens (unix ms; 0: never), as the fake's clock says.
  int64_t last_rotation_ms = 0;
};

// One account's OAuth state at an instant.
struct OAuthAccountView {
  std::string credential;  // identity
  OAuthIdentity identity;
  std::string access_token;   // current: the credential until the first rotation
  absl::Time expires_at;      // of the current access token; InfiniteFuture(): never
  std::string refresh_token;  // current; "" when none
  absl::Duration token_lifetime;
  bool revoke_old_access = false;
  int64_t valid_access_tokens = 0;  // neither expired nor revoked
  OAuthCounters counters;
};

// A refresh token presented to the token endpoint, oldest first.
struct PresentedRefresh {
  std::string refresh_token;
  bool accepted = false;   // it was current and rotated (also when a fault then lost the answer)
  std::string credential;  // its account; "" for a token the fake never issued
  std::string fault;       // the fault applied: "ok", "reset", …
  absl::Time at;
};

// A token request body, as parsed by the HTTP layer.
struct TokenRequest {
  bool malformed = false;  // not a JSON object, or a field of the wrong type
  std::string grant_type;
  std::string refresh_token;
  std::string client_id;
  std::string scope;
  std::string code;
  std::string code_verifier;
  std::string state;
  std::string redirect_uri;
  std::optional<int64_t> expires_in;  // authorization_code: requested lifetime (s)
};

struct IssuedTokens {
  std::string access_token;
  std::string refresh_token;
  int64_t expires_in = 0;  // seconds
  std::string scope;
  OAuthIdentity identity;
};

// What the token endpoint does with one request.
struct TokenOutcome {
  TokenFault fault;        // applied (kOk when the script and default had nothing special)
  std::string credential;  // the account the request was attributed to; "" if none
  std::optional<IssuedTokens> issued;  // the grant succeeded
  std::string error;                   // OAuth error code when it did not ("invalid_grant", …)
  std::string error_description;
};

class OAuthRegistry {
 public:
  // How long a minted authorization code stays valid.
  static constexpr absl::Duration kCodeLifetime = absl::Minutes(10);
  static constexpr size_t kMaxPresented = 10000;  // history kept (oldest dropped)

  // Installs (or re-installs, forgetting its old tokens but not its counters) an account whose
  // initial access token is `credential`. `name` is its configured name ("" if none).
  void Register(std::string_view credential, std::string_view name, const OAuthAccountSpec& spec,
                absl::Time now);
  // Drops the account and its tokens (counters stay). No-op for an unknown credential.
  void Forget(std::string_view credential);
  // Changes the fields `update` sets: identity fields; refresh_token (the new current one; the
  // old is spent); expires_at / expires_in (the current access token's expiry, and expires_in
  // the lifetime of later tokens); revoke_old_access. Error: NotFound.
  [[nodiscard]] absl::Status Update(std::string_view credential, const OAuthAccountSpec& update,
                                    absl::Time now);

  struct Resolution {
    TokenStatus status = TokenStatus::kUnknown;
    std::string credential;  // the account's identity when known
  };
  // Which account an access token belongs to and whether it is usable at `now`.
  Resolution Resolve(std::string_view token, absl::Time now) const;

  // Answers one token request: takes the next fault (script, then default), then carries out the
  // grant unless the fault prevents it (see oauth_faults.h).
  TokenOutcome Exchange(const TokenRequest& request, absl::Time now);

  // Mints a single-use authorization code for the account, bound to the S256 `code_challenge`
  // and, when non-empty, to `state` and `redirect_uri`. Error: NotFound, InvalidArgument for an
  // empty challenge.
  [[nodiscard]] absl::StatusOr<std::string> MintCode(std::string_view credential,
                                                     std::string_view code_challenge,
                                                     std::string_view state,
                                                     std::string_view redirect_uri, absl::Time now);
  // Every access token of the account expires now. Error: NotFound.
  [[nodiscard]] absl::Status Expire(std::string_view credential, absl::Time now);

  void Script(std::vector<TokenFault> faults, bool replace);
  void SetDefault(TokenFault fault) { default_fault_ = fault; }

  enum class Call { kProfile, kUsage };
  void CountCall(std::string_view credential, Call call);

  std::optional<OAuthIdentity> Identity(std::string_view credential) const;
  std::optional<OAuthAccountView> Account(std::string_view credential, absl::Time now) const;
  int64_t token_calls() const { return token_calls_; }
  std::vector<PresentedRefresh> Presented() const {
    return std::vector<PresentedRefresh>(presented_.begin(), presented_.end());
  }
  // {"accounts":{credential:{…}}, "token_calls", "presented":[…], "script_remaining",
  //  "default"} (control_api.h, GET /_fake/oauth).
  boost::json::object ToJson(absl::Time now) const;

 private:
  struct AccessToken {
    std::string credential;
    absl::Time expires_at;
    bool revoked = false;
  };
  struct AccountState {
    std::string name;
    OAuthAccountSpec spec;
    std::string access_token;
    std::string refresh_token;
    std::vector<std::string> access_tokens;  // every one issued, oldest first
  };
  struct Code {
    std::string credential;
    std::string challenge;
    std::string state;
    std::string redirect_uri;
    absl::Time expires_at;
  };

  absl::Duration Lifetime(const AccountState& account) const;
  void AddAccessToken(std::string_view credential, AccountState& account, std::string token,
                      absl::Time expires_at);
  IssuedTokens Rotate(std::string_view credential, AccountState& account, absl::Duration lifetime,
                      std::string_view scope, absl::Time now);
  // The grant itself; fills issued / error.
  void Grant(const TokenRequest& request, absl::Time now, TokenOutcome& out);
  OAuthAccountView View(std::string_view credential, const AccountState& account,
                        absl::Time now) const;

  absl::flat_hash_map<std::string, AccountState> accounts_;
  std::map<std::string, OAuthCounters> counters_;  // survive re-registration
  absl::flat_hash_map<std::string, AccessToken> access_;
  absl::flat_hash_map<std::string, std::string> refresh_owner_;  // current and spent
  absl::flat_hash_map<std::string, Code> codes_;
  std::deque<TokenFault> script_;
  TokenFault default_fault_;
  int64_t token_calls_ = 0;
  std::deque<PresentedRefresh> presented_;
};

}  // namespace maxpool::fake
