#pragma once

// An in-process fake of the Anthropic API (anthropic-wire.md §8) on a loopback port: the one
// deliberate stand-in of this project, used by tests, benchmarks and the demo. It serves
// /v1/messages (JSON and SSE), /v1/messages/count_tokens and /v1/models for scripted accounts,
// emits the real rate-limit headers, and can produce every fault the proxy must handle (see
// behaviour.h). It is also the OAuth server of its subscription accounts (oauth_api.h): token
// rotation and code exchange at /v1/oauth/token with scriptable outages (oauth_faults.h), token
// expiry, /api/oauth/profile and /api/oauth/usage. The same state is reachable over HTTP under
// /_fake/ (control_api.h).
//
// Thread safety: every method may be called from any thread while the server runs.
// Lifecycle: Start() returns a running server; Stop() (or the destructor) shuts it down.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fake/behaviour.h"
#include "fake/fake_account.h"
#include "fake/fake_options.h"
#include "fake/fake_state.h"
#include "fake/oauth_faults.h"
#include "fake/oauth_registry.h"
#include "fake/oauth_spec.h"
#include "fake/scenario.h"

namespace maxpool::fake {

class FakeUpstream {
 public:
  // Binds options.host:options.port and starts options.threads I/O threads. Errors:
  // InvalidArgument for a bad host, thread count or half-set TLS options; Unavailable when the
  // address cannot be bound or the TLS files cannot be loaded.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FakeUpstream>> Start(FakeOptions options);

  ~FakeUpstream();  // Stop()
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  // The bound port (the ephemeral one when options.port was 0).
  uint16_t port() const;
  // "http://127.0.0.1:PORT", or https:// in TLS mode. A wildcard host reads as 127.0.0.1.
  std::string base_url() const;

  // Graceful stop: stops accepting, closes idle and deliberately hung connections at once, lets
  // busy exchanges finish for options.stop_grace, then closes the rest and joins the threads.
  // Idempotent. REQUIRES: not called from one of the server's threads.
  void Stop();

  // Control (same as the /_fake/ API). Errors: InvalidArgument (bad spec), NotFound (unknown
  // credential).
  [[nodiscard]] absl::Status AddAccount(FakeAccountSpec spec);
  // Appends to the credential's FIFO script (kReplace: replaces it).
  [[nodiscard]] absl::Status Script(std::string_view credential, std::vector<Behaviour> behaviours,
                                    ScriptMode mode = ScriptMode::kAppend);
  [[nodiscard]] absl::Status SetDefault(std::string_view credential, Behaviour behaviour);
  // Applies a scenario: {"accounts":[account spec with "script"/"default"…], "token_endpoint":
  // {"script","default"}} (scenario.h).
  [[nodiscard]] absl::Status ApplyScenario(std::string_view json);
  [[nodiscard]] absl::Status ApplyScenario(Scenario scenario);

  // OAuth (oauth_registry.h). "<base_url>/v1/oauth/token".
  std::string token_url() const;
  // A single-use authorization code for the account, bound to the S256 challenge (and to state /
  // redirect_uri when non-empty). Errors: NotFound, InvalidArgument.
  [[nodiscard]] absl::StatusOr<std::string> MintAuthCode(std::string_view credential,
                                                         std::string_view code_challenge,
                                                         std::string_view state = {},
                                                         std::string_view redirect_uri = {});
  // Changes the OAuth fields `update` sets (refresh token, expiry, identity…). Error: NotFound.
  [[nodiscard]] absl::Status UpdateOAuth(std::string_view credential,
                                         const OAuthAccountSpec& update);
  // Every access token of the account expires now. Error: NotFound.
  [[nodiscard]] absl::Status ExpireAccessTokens(std::string_view credential);
  // The token endpoint's FIFO fault script and the default after it.
  void ScriptTokenFaults(std::vector<TokenFault> faults, ScriptMode mode = ScriptMode::kAppend);
  void SetDefaultTokenFault(TokenFault fault);
  // An account's tokens, expiry, identity and OAuth counters; nullopt if not an OAuth account.
  std::optional<OAuthAccountView> OAuthAccount(std::string_view credential) const;
  // Token-endpoint calls in total, and the refresh tokens presented (oldest first).
  int64_t TokenCalls() const;
  std::vector<PresentedRefresh> PresentedRefreshTokens() const;

  // Requests received so far (oldest first; control requests excluded).
  std::vector<RecordedRequest> Requests() const;
  void ClearRequests();
  // Counters per credential.
  std::map<std::string, CredentialStats> Stats() const;

 private:
  struct Impl;
  explicit FakeUpstream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace maxpool::fake
