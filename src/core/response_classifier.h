#pragma once

// The one classifier of upstream outcomes (spec §4.2–4.5): from an HTTP status, the response
// headers and the (bounded) error body to a FailureClass plus what the router needs to act on it.
// The proxy, the metrics and the client error bodies all use this verdict, so a class never
// means two things. Pure functions: no I/O, no state; safe to call from any thread.
//
// The taxonomy (ours; the reference's actions per class are in §4):
//   < 400, and >= 500 other than 500/502/503/504/529 (e.g. 501)   -> kNone (relayed as is)
//   429, provider account            -> kRateLimited, scope kAccount, retry from header else body
//   429, Claude, quota by headers/body (§4.2)                      -> kQuotaRejected, kAccount
//   429, Claude, model-scope test (§3.4/§4.2) and scope not kUpstream
//                                    -> kModelRejected, neutral, model_scope set
//   429, Claude, explicit shared throttle or overloaded_error       -> kRequestRefused, kUpstream,
//                                                                     neutral
//   429, Claude, otherwise           -> kRateLimited, scope kUnknown (ambiguous-429 tracking)
//   529, Claude                      -> kOverloaded, kUpstream, neutral, retry min(hdr or 30, 30) s
//   529, provider; 500/502/503/504   -> kUpstream5xx (exponential cooldown, §4.7)
//   401, Claude OAuth                -> kAuthExpired (refresh once, retry; RECOMMENDED §13.7)
//   401, API key or provider         -> kAuthDead
//   403, Claude, "token has been revoked" on OAuth                 -> kAuthExpired (refresh path)
//   403, Claude, the text says the account or its organisation is refused (disabled, OAuth not
//        allowed)                    -> kBanned, benched for provider_403_cooldown
//   403, Claude, otherwise           -> kForbidden, neutral: this request skips the account
//                                       (RECOMMENDED §13.7); relayed when every account says it
//   403, provider                    -> kRateLimited, kAccount, neutral, provider_403_cooldown
//   408                              -> kNetwork (a transport-level timeout of this exchange:
//                                       fixed short cooldown, retried; the reference relays it)
//   other 4xx                        -> kClientError (relayed, never retried)

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "core/account.h"
#include "core/failure_class.h"
#include "core/header_source.h"
#include "core/model_family.h"

namespace maxpool::core {

// The attempt's account and request, as far as classification depends on them.
struct UpstreamContext {
  AccountType type = AccountType::kOAuth;
  Provider provider = Provider::kAnthropic;
  ModelFamily request_family = ModelFamily::kNone;
  std::string_view request_model = {};  // the request's `model`, for the 529 fingerprint (§4.3)
  // MAXPOOL_PROVIDER_403_COOLDOWN_SEC (§4.4): the bench of a provider 403 and of a Claude 403 that
  // refuses the account (kBanned). Default: 1800 s; the caller enforces its 60 s minimum.
  absl::Duration provider_403_cooldown = absl::Seconds(1800);
};

// Who a 429/529 is about (§4.2).
enum class ThrottleScope {
  kNone,      // not a 429/529, or nothing the breaker cares about
  kAccount,   // this account's own limit: bench it
  kUpstream,  // Anthropic says it throttles everyone: incident + provisional block
  kUnknown,   // unexplained: ambiguous-429 tracking decides (two accounts -> shared)
};

struct ResponseVerdict {
  FailureClass failure = FailureClass::kNone;
  ThrottleScope scope = ThrottleScope::kNone;
  // The request's family when the 429 is model-scoped (§4.2); kNone otherwise. Set only with
  // failure == kModelRejected.
  ModelFamily model_scope = ModelFamily::kNone;
  // How long to bench/hold: 429 (§3.2/§3.3, [1, 86400] s), 529 (<= 30 s), provider 403, and an
  // account-level Claude 403 (kBanned).
  // Zero where the router computes the duration itself (5xx, network, auth, client errors).
  absl::Duration retry_after = absl::ZeroDuration();
  // Incident key for scope kUpstream/kUnknown: "429:<normalised>" (§4.2) or
  // "529:<normalised model:type:message>" (§4.3). Empty otherwise.
  std::string fingerprint;
  // Release without failure counters or a load event (§2.7, §10.1): shared throttles, 529,
  // model-scoped 429s, provider 403.
  bool neutral = false;
  // From the error body when status >= 400: `error.type` / `error.message` (or top-level), the
  // message cut to 300 bytes, for logs (§4.5). Empty when absent or not JSON (then `message`
  // holds the start of the raw body).
  std::string error_type;
  std::string error_message;
};

// Classifies one upstream response per the table above. `body` is the error body read so far
// (the caller bounds it, 64 KiB per §4.2); it may be empty or not JSON. `now` is used only to
// turn a provider body's reset time into a duration (§3.3). Never fails.
ResponseVerdict ClassifyResponse(int status, const HeaderSource& headers, std::string_view body,
                                 const UpstreamContext& context, absl::Time now);

// §4.5: kNetwork when the transport error (an error code such as "ECONNRESET", an Asio/Beast
// message such as "Connection reset by peer", or one of our timeouts "ttfb_timeout",
// "stream_idle_timeout", "body_timeout") is of the network class; otherwise kUpstream5xx (the
// upstream misbehaved: bad HTTP, TLS failure), which fails over with an exponential cooldown
// instead of the reference's permanent `status = error` (RECOMMENDED §13.6). Case-insensitive.
FailureClass ClassifyTransportError(std::string_view error_code_or_message);

// §4.2: "<type>:<message>" lower-cased; hex runs of >= 8 chars -> "#", then digit runs -> "#";
// whitespace runs collapsed to one space; trimmed; the first 240 bytes (cut at a UTF-8
// boundary). Returns "" when both inputs are empty.
std::string NormalizeFingerprint(std::string_view type, std::string_view message);

}  // namespace maxpool::core
