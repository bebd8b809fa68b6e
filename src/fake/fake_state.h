#pragma once

// The fake upstream's live state: accounts keyed by credential, their behaviour scripts and
// defaults, the requests it has received, and per-credential counters; and the OAuth server state
// (oauth_registry.h): the tokens each subscription account has been issued, the token-endpoint
// fault script, OAuth counters. An account's credential stays its identity: a Bearer token issued
// by a rotation resolves to it (ResolveBearer) and its requests count under it. Thread-safe: every
// method takes one short lock; nothing is held across I/O.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "boost/json/object.hpp"
#include "core/clock.h"
#include "fake/behaviour.h"
#include "fake/fake_account.h"
#include "fake/oauth_faults.h"
#include "fake/oauth_registry.h"

namespace maxpool::fake {

// One request as the fake received it.
struct RecordedRequest {
  std::string method;
  std::string target;                                        // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;  // as received: order, case
  std::string body;                                          // empty if bodies not recorded
  std::string credential;  // the account it was attributed to; empty if none matched
  std::string behaviour;   // the behaviour applied ("" when rejected before one was chosen)

  // The first value of a header, matched case-insensitively.
  std::optional<std::string> Header(std::string_view name) const;
};

// Per-credential counters.
struct CredentialStats {
  int64_t requests = 0;           // requests attributed to the account (any outcome)
  int64_t streams_completed = 0;  // SSE answers written through message_stop
  int64_t in_flight = 0;          // admitted and not yet finished
  int64_t max_in_flight = 0;      // the most in flight at once
  int64_t input_tokens = 0;       // in answers written completely
  int64_t output_tokens = 0;
  int64_t tokens_served() const { return input_tokens + output_tokens; }
};

enum class ScriptMode { kAppend, kReplace };

class FakeState {
 public:
  // `clock` must outlive the state.
  FakeState(const core::Clock& clock, size_t max_recorded);
  FakeState(const FakeState&) = delete;
  FakeState& operator=(const FakeState&) = delete;

  absl::Time Now() const { return clock_.Now(); }

  // Adds the account, or replaces the one with the same credential (its counters are kept).
  // The spec's script and default are installed. Error: InvalidArgument for an empty credential.
  [[nodiscard]] absl::Status AddAccount(FakeAccountSpec spec);
  // Appends to (or replaces) the credential's FIFO script. Error: NotFound for an unknown
  // credential.
  [[nodiscard]] absl::Status Script(std::string_view credential, std::vector<Behaviour> behaviours,
                                    ScriptMode mode = ScriptMode::kAppend);
  // The behaviour used once the script is empty. Error: NotFound for an unknown credential.
  [[nodiscard]] absl::Status SetDefault(std::string_view credential, Behaviour behaviour);
  // The account type, or nullopt for an unknown credential.
  std::optional<AccountType> Lookup(std::string_view credential) const;

  // Admits one request: counts it, marks it in flight, rolls the quota windows and takes the next
  // behaviour (script first, then the default). REQUIRES: Lookup(credential) succeeded; returns
  // nullopt if the account has since been removed.
  struct Admission {
    AccountType type = AccountType::kOAuth;
    Behaviour behaviour;
    ExhaustedWindow exhausted = ExhaustedWindow::kNone;  // before this request
    QuotaSnapshot quota;                                 // before this request
  };
  std::optional<Admission> Admit(std::string_view credential);
  // Spends quota for an answered request and returns the snapshot after it.
  QuotaSnapshot Spend(std::string_view credential, int64_t input_tokens, int64_t output_tokens);
  // Ends an admitted request: in_flight -1; a complete answer adds its tokens (and a stream).
  struct Finished {
    bool complete = false;  // the whole answer was written
    bool stream = false;
    int64_t input_tokens = 0;
    int64_t output_tokens = 0;
  };
  void Finish(std::string_view credential, const Finished& finished);

  // --- OAuth (oauth_registry.h) ---------------------------------------------------------------
  struct BearerResolution {
    TokenStatus status = TokenStatus::kUnknown;
    std::string credential;  // the account's identity
    AccountType type = AccountType::kOAuth;
  };
  // The account a Bearer token belongs to: any access token ever issued to an OAuth account
  // (valid, expired or revoked, per the clock), or an API key sent as a Bearer (kValid).
  BearerResolution ResolveBearer(std::string_view token) const;
  // One POST /v1/oauth/token request (the fault script is consumed).
  TokenOutcome ExchangeToken(const TokenRequest& request);
  // Errors: NotFound for an unknown OAuth account, InvalidArgument for an empty challenge.
  [[nodiscard]] absl::StatusOr<std::string> MintAuthCode(std::string_view credential,
                                                         std::string_view code_challenge,
                                                         std::string_view state = {},
                                                         std::string_view redirect_uri = {});
  // Changes the OAuth fields `update` sets (OAuthRegistry::Update). Error: NotFound.
  [[nodiscard]] absl::Status UpdateOAuth(std::string_view credential,
                                         const OAuthAccountSpec& update);
  // Every access token of the account expires now. Error: NotFound.
  [[nodiscard]] absl::Status ExpireAccessTokens(std::string_view credential);
  void ScriptTokenFaults(std::vector<TokenFault> faults, ScriptMode mode = ScriptMode::kAppend);
  void SetDefaultTokenFault(TokenFault fault);
  // For GET /api/oauth/profile and /usage: counts the call, and returns the account's identity and
  // its quota with the windows rolled to now. nullopt for an unknown or non-OAuth credential.
  struct OAuthResource {
    OAuthIdentity identity;
    QuotaSnapshot quota;
  };
  std::optional<OAuthResource> ReadOAuthResource(std::string_view credential,
                                                 OAuthRegistry::Call call);
  std::optional<OAuthAccountView> OAuthAccount(std::string_view credential) const;
  int64_t TokenCalls() const;
  std::vector<PresentedRefresh> PresentedRefreshTokens() const;
  boost::json::object OAuthJson() const;  // GET /_fake/oauth

  void Record(RecordedRequest request);
  std::vector<RecordedRequest> Requests() const;
  size_t ClearRequests();  // returns how many were dropped
  std::map<std::string, CredentialStats> Stats() const;
  boost::json::object AccountsJson() const;  // credential -> account state and script length

 private:
  struct Entry {
    FakeAccount account;
    std::deque<Behaviour> script;
    Behaviour default_behaviour;
  };
  const core::Clock& clock_;
  const size_t max_recorded_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> accounts_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, CredentialStats> stats_ ABSL_GUARDED_BY(mu_);
  std::deque<RecordedRequest> requests_ ABSL_GUARDED_BY(mu_);
  OAuthRegistry oauth_ ABSL_GUARDED_BY(mu_);
};

// Finishes an admitted request exactly once: explicitly with Complete() when the last bytes of a
// whole answer go to the socket (so a client that has read the answer sees it counted), else on
// destruction as incomplete.
class InFlight {
 public:
  InFlight() = default;
  InFlight(FakeState* state, std::string credential)
      : state_(state), credential_(std::move(credential)) {}
  InFlight(InFlight&& other) noexcept { *this = std::move(other); }
  InFlight& operator=(InFlight&& other) noexcept {
    if (this != &other) {
      Release();
      state_ = std::exchange(other.state_, nullptr);
      credential_ = std::move(other.credential_);
      finished_ = other.finished_;
    }
    return *this;
  }
  ~InFlight() { Release(); }

  // Tokens counted if the answer completes.
  void SetTokens(int64_t input_tokens, int64_t output_tokens, bool stream) {
    finished_.input_tokens = input_tokens;
    finished_.output_tokens = output_tokens;
    finished_.stream = stream;
  }
  // Counts the answer as complete and finishes it now.
  void Complete() {
    finished_.complete = true;
    Release();
  }

 private:
  void Release() {
    if (state_ != nullptr) state_->Finish(credential_, finished_);
    state_ = nullptr;
  }
  FakeState* state_ = nullptr;
  std::string credential_;
  FakeState::Finished finished_;
};

}  // namespace maxpool::fake
