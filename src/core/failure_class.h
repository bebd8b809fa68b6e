#pragma once

// The failure taxonomy (docs/architecture.md): every upstream attempt that did not succeed has
// exactly one class. The class decides the effect on the account, whether the request is retried on
// another account, the metric label and the body of the error the client sees.

#include <string_view>

namespace maxpool::core {

enum class FailureClass {
  kNone,            // not a failure: 2xx/3xx, or a status relayed as is (e.g. 501)
  kQuotaRejected,   // 429 with account-wide quota exhaustion (headers or body say so)
  kModelRejected,   // 429 for one model family's weekly cap; the account serves other models
  kRateLimited,     // 429 without quota evidence; benched by retry-after (may be fleet-wide)
  kRequestRefused,  // 429 where Anthropic says it is limiting requests for everyone
  kOverloaded,      // 529 / overloaded_error
  kUpstream5xx,     // 500, 502, 503, 504
  kAuthExpired,     // 401 on an OAuth account: refresh the token, retry once on the same account
  kAuthDead,        // credentials rejected for good (invalid_grant, API key 401): needs login
  kBanned,          // 403 saying the account itself is refused (organisation disabled, OAuth not
                    // allowed): benched, and the request fails over
  kForbidden,       // 403 about this request only (a model or feature the organisation lacks):
                    // the account is skipped for this request alone; relayed when all refuse
  kNetwork,         // connect/reset/timeout before or during the exchange
  kClientError,     // other 4xx: the request itself is wrong; relayed, never retried
  kLocalOverload,   // maxpool's own limits (queue full, concurrency caps); never marks an account
};

// snake_case name used in metrics labels, logs and error bodies ("quota_rejected", ...);
// "none" for kNone.
std::string_view FailureClassName(FailureClass failure);

// True for classes that fail over to another account while nothing was sent to the client.
bool IsRetryable(FailureClass failure);

}  // namespace maxpool::core
