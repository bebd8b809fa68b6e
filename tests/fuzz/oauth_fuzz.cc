// Fuzz target: what the OAuth and usage endpoints answer: token responses (refresh and code
// exchange), their error bodies, the profile, and the usage report of an OAuth account and of a
// z.ai account, applied to a quota reading as the prober does; and the credentials a user hands
// over: a Claude Code credentials file, a pasted authorization code or callback URL. Hostile bodies
// get an error, never a crash, and a token set that parses has an access token and a sane expiry.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "core/quota.h"
#include "core/usage_report.h"
#include "credentials/claude_code_credentials.h"
#include "credentials/oauth_messages.h"
#include "credentials/pasted_code.h"
#include "credentials/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider provider(data, size);
  const int which = provider.ConsumeIntegralInRange(0, 6);
  const std::string body = provider.ConsumeRemainingBytesAsString();
  const absl::Time now = absl::FromUnixSeconds(1795694400);
  switch (which) {
    case 0: {
      maxpool::credentials::TokenIdentity identity;
      absl::StatusOr<maxpool::credentials::TokenSet> tokens =
          maxpool::credentials::ParseTokenResponse(body, now, "sk-ant-ort01-previous", &identity);
      if (tokens.ok() && (tokens->access_token.empty() || tokens->refresh_token.empty() ||
                          tokens->expires_at_ms <= 0)) {
        __builtin_trap();
      }
      break;
    }
    case 1:
      maxpool::credentials::ParseOAuthError(body);
      break;
    case 2:
      (void)maxpool::credentials::ParseProfile(body);
      break;
    case 3: {
      absl::StatusOr<maxpool::core::UsageReport> report = maxpool::core::ParseOAuthUsage(body);
      if (report.ok()) {
        maxpool::core::QuotaReading quota;
        maxpool::core::ApplyOAuthUsage(quota, *report, now);
      }
      break;
    }
    case 5: {  // a local Claude Code install's credentials file (`maxpool import`)
      absl::StatusOr<maxpool::credentials::ImportedCredentials> imported =
          maxpool::credentials::ParseClaudeCodeCredentials(body, "fuzz.json");
      if (imported.ok() &&
          (imported->tokens.access_token.empty() || imported->tokens.refresh_token.empty())) {
        __builtin_trap();
      }
      break;
    }
    case 6: {  // what a user pastes into `maxpool login`
      absl::StatusOr<std::string> code = maxpool::credentials::ParsePastedCode(body, "state-1");
      if (code.ok() && code->empty()) __builtin_trap();
      break;
    }
    default: {
      absl::StatusOr<maxpool::core::UsageReport> report = maxpool::core::ParseZaiUsage(body, now);
      if (report.ok()) {
        maxpool::core::QuotaReading quota;
        maxpool::core::ApplyProviderUsage(quota, *report, now);
      }
      break;
    }
  }
  return 0;
}
