#pragma once

// One fake upstream account and its quota model. OAuth (subscription) accounts carry the unified
// 5h / 7d utilization fractions and reset instants (anthropic-wire.md §4.2); API-key accounts carry
// the standard per-minute request and token budgets (§4.1). Each served request advances the
// quota, windows roll over at their reset, and an exhausted account answers quota 429s.
//
// Not thread-safe: FakeState owns the accounts and serialises access.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/json/object.hpp"
#include "boost/json/value.hpp"
#include "fake/behaviour.h"
#include "fake/oauth_spec.h"

namespace maxpool::fake {

enum class AccountType { kOAuth, kApiKey };

std::string_view AccountTypeName(AccountType type);  // "oauth" / "apikey"

// How an account is set up. JSON form (all but "credential" optional):
//   {"credential":"sk-ant-oat01-a", "type":"oauth"|"apikey", "name":"a",
//    "utilization_5h":0.1, "utilization_7d":0.2,
//    "reset_5h":<epoch s> | "reset_5h_in":<s from now>, "reset_7d" | "reset_7d_in",
//    "increment_5h":0.01, "increment_7d":0.001,
//    "requests_limit":1000, "requests_remaining":…, "tokens_limit":100000,
//    "tokens_remaining":…, "input_tokens_limit":80000, "output_tokens_limit":20000,
//    "window_s":60, "scoped_7d":{"Fable":0.32} (per-model weekly fractions, reset with the 7d
//    window; reported only by GET /api/oauth/usage),
//    "script":[behaviour…], "default":behaviour,
//    OAuth fields: "refresh_token", "expires_in", "expires_at", "uuid", "email", "display_name",
//    "organization", "organization_uuid", "tier", "scope", "revoke_old_access" (oauth_spec.h)}
struct FakeAccountSpec {
  std::string credential;  // the x-api-key value or the Bearer token
  AccountType type = AccountType::kOAuth;
  std::string name;  // a label for logs; default: the type
  // OAuth: fractions 0..1 (may exceed 1, as the real API's can).
  double utilization_5h = 0.0;
  double utilization_7d = 0.0;
  std::optional<absl::Time> reset_5h;  // default: now + 5h
  std::optional<absl::Time> reset_7d;  // default: now + 7d
  double increment_5h = 0.01;          // added per served request
  double increment_7d = 0.001;
  // OAuth: per-model weekly fractions keyed by the model's display name ("Fable"), reset with 7d.
  std::map<std::string, double> scoped_7d;
  // OAuth: token endpoint, identity and token lifetimes (oauth_spec.h).
  OAuthAccountSpec oauth;
  // API key: limits per window (default one minute); remaining defaults to the limit.
  int64_t requests_limit = 1000;
  std::optional<int64_t> requests_remaining;
  int64_t tokens_limit = 100000;
  std::optional<int64_t> tokens_remaining;
  int64_t input_tokens_limit = 80000;
  int64_t output_tokens_limit = 20000;
  absl::Duration window = absl::Seconds(60);
  // Script and default behaviour installed with the account.
  std::vector<Behaviour> script;
  Behaviour default_behaviour;
};

// Parses the JSON form above; relative resets are taken from `now`. Error: InvalidArgument
// naming the field.
[[nodiscard]] absl::StatusOr<FakeAccountSpec> ParseAccountSpec(const boost::json::value& json,
                                                               absl::Time now);

// The quota state at one instant, used to render response headers.
struct QuotaSnapshot {
  AccountType type = AccountType::kOAuth;
  double utilization_5h = 0, utilization_7d = 0;
  absl::Time reset_5h, reset_7d;
  std::map<std::string, double> scoped_7d;
  int64_t requests_limit = 0, requests_remaining = 0;
  int64_t tokens_limit = 0, tokens_remaining = 0;
  int64_t input_tokens_limit = 0, input_tokens_remaining = 0;
  int64_t output_tokens_limit = 0, output_tokens_remaining = 0;
  absl::Time api_reset;
};

// Which window an exhausted account is out of.
enum class ExhaustedWindow { kNone, kFiveHour, kSevenDay, kApiRequests, kApiTokens };

class FakeAccount {
 public:
  FakeAccount(FakeAccountSpec spec, absl::Time now);

  const FakeAccountSpec& spec() const { return spec_; }
  AccountType type() const { return spec_.type; }

  // Rolls windows whose reset is at or before `now` (utilization to 0 / budgets to full, the
  // reset moved forward by whole windows).
  void Roll(absl::Time now);
  // The window that blocks a request now (after Roll), or kNone.
  ExhaustedWindow Exhausted() const;
  // Spends one served request: utilization += increments (capped at 1.0 unless already above);
  // requests -1, tokens -(input+output), clamped at 0.
  void Spend(int64_t input_tokens, int64_t output_tokens);

  QuotaSnapshot Snapshot() const;
  boost::json::object ToJson() const;  // for GET /_fake/accounts

 private:
  FakeAccountSpec spec_;
  int64_t requests_remaining_ = 0;
  int64_t tokens_remaining_ = 0;
  int64_t input_tokens_remaining_ = 0;
  int64_t output_tokens_remaining_ = 0;
  absl::Time api_reset_;
};

// Response headers for a snapshot (appended to `out`):
//  * OAuth: the unified set (status, 5h/7d utilization/reset/status, representative claim,
//    reset, fallback-percentage, overage status), resets in epoch seconds.
//  * API key: anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-
//    {limit,remaining,reset}, resets in RFC 3339.
// `override_` adjusts the OAuth set for 429 behaviours.
struct UnifiedOverride {
  bool force_5h_exhausted = false;  // quota_429: 5h utilization 1.0, rejected
  bool force_7d_exhausted = false;
  bool cap_below_threshold = false;       // model_429: utilizations clamped < 0.999
  bool overall_rejected = false;          // model_429: unified-status rejected with healthy buckets
  std::string_view representative_claim;  // non-empty: overrides the claim
  std::optional<absl::Time> unified_reset;  // overrides anthropic-ratelimit-unified-reset
};
void AppendQuotaHeaders(const QuotaSnapshot& snapshot, const UnifiedOverride& override_,
                        std::vector<std::pair<std::string, std::string>>& out);

// Formats a utilization fraction the way the API does: "0.42", "1.0".
std::string FormatUtilization(double value);
// RFC 3339 UTC with second precision: "2025-02-24T22:25:30Z".
std::string FormatRfc3339(absl::Time t);

}  // namespace maxpool::fake
