#pragma once

// `maxpool api PATH [--account N] [--method M] [--data JSON]` (spec §0.1): a debug helper that
// calls <the account's upstream>PATH with one account's credential from the config file, the
// way the proxy would send it (oauth: Authorization: Bearer + anthropic-beta oauth-2025-04-20;
// API keys: x-api-key, or Bearer when authHeader is "authorization"; providers: Bearer), plus
// anthropic-version: 2023-06-01. Real HTTP(S) (net::SendJsonBlocking: verified TLS;
// plain http only to loopback). The status and the response headers go to `err`, the body to
// `out`; the credential is never printed. Stateless.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "maxpool/v1/config.pb.h"
#include "net/http_client.h"

namespace maxpool::app {

inline constexpr char kAnthropicVersion[] = "2023-06-01";

struct ApiArgs {
  std::filesystem::path config_path;
  std::string path;                    // "/v1/models", query included
  std::optional<std::string> account;  // --account: a name or a number from 1; default the first
  std::optional<std::string> method;   // --method; default GET, or POST with --data
  std::optional<std::string> data;     // --data: the JSON request body
};

// The help of `maxpool api` (ends with a newline).
std::string ApiUsageText();

// The checks that need no config: PATH starts with "/", --method is GET, POST, PUT, PATCH or
// DELETE (any case), --data is JSON. InvalidArgument with a one-line reason otherwise.
absl::Status CheckApiArgs(const ApiArgs& args);

// What RunApi sends.
struct ApiRequest {
  net::HttpCall call;
  std::string account_name;
  std::string account_type;
  // The OAuth access token's expiry (ms since the epoch), 0 when unknown or not OAuth.
  int64_t expires_at_ms = 0;
};

// Builds the request for `args` (REQUIRES: CheckApiArgs(args) is OK) against `config`. Errors:
// NotFound naming the accounts when --account designates none (or there are no accounts);
// FailedPrecondition when the account has no credential.
absl::StatusOr<ApiRequest> BuildApiRequest(const v1::Config& config, const ApiArgs& args);

// Loads the config, sends the request, prints. Returns 0 on a 2xx answer; 1 on any other
// status, or with one line on `err` when the config, the account or the connection fails.
int RunApi(const ApiArgs& args, std::ostream& out, std::ostream& err);

}  // namespace maxpool::app
