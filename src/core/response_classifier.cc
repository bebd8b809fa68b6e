#include "core/response_classifier.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/absl_view.h"
#include "core/provider_limits.h"
#include "core/quota_headers.h"
#include "core/retry_after.h"

namespace maxpool::core {
namespace {

constexpr size_t kFingerprintMax = 240;
constexpr size_t kLoggedMessageMax = 300;
// §4.2: a model-scoped 429 has a retry-after of at least this.
constexpr absl::Duration kModelScopeMinRetry = absl::Seconds(1800);
// §4.3: a 529 blocks the account provisionally for min(retry-after or 30 s, 30 s).
constexpr absl::Duration kOverloadedBlock = absl::Seconds(30);

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view CutUtf8(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

bool IsHex(char c) { return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'); }

// The §4.2 normalisation of an already assembled "<type>:<message>" text.
std::string NormalizeText(std::string_view raw) {
  const std::string lower = absl::AsciiStrToLower(AbslView(raw));
  // Hex runs of >= 8 chars -> '#'; digit runs inside shorter hex runs -> '#'. A maximal hex run
  // shorter than 8 contains no longer one, so one pass over maximal runs is exact.
  std::string masked;
  masked.reserve(lower.size());
  for (size_t i = 0; i < lower.size();) {
    if (!IsHex(lower[i])) {
      masked.push_back(lower[i++]);
      continue;
    }
    size_t end = i;
    while (end < lower.size() && IsHex(lower[end])) ++end;
    if (end - i >= 8) {
      masked.push_back('#');
    } else {
      for (size_t j = i; j < end;) {
        if (absl::ascii_isdigit(lower[j])) {
          masked.push_back('#');
          while (j < end && absl::ascii_isdigit(lower[j])) ++j;
        } else {
          masked.push_back(lower[j++]);
        }
      }
    }
    i = end;
  }
  // Whitespace runs -> one space, trimmed.
  std::string out;
  out.reserve(masked.size());
  bool pending_space = false;
  for (char c : masked) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  out.resize(CutUtf8(out, kFingerprintMax).size());
  return out;
}

std::optional<double> HeaderNumber(const HeaderSource& headers, std::string_view name) {
  const std::optional<std::string_view> value = headers.Find(name);
  double v = 0;
  if (!value.has_value() || !absl::SimpleAtod(absl::StripAsciiWhitespace(AbslView(*value)), &v) ||
      !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

bool IsWordChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// One regex-free reading of §4.2's
//   \b(first)\b.{0,40}\b(second)\b   (case-insensitive; '.' does not cross a line break)
// over the words (maximal [A-Za-z0-9_] runs) of `lower`.
bool WordFollowedBy(std::string_view lower, std::initializer_list<std::string_view> first,
                    std::initializer_list<std::string_view> second) {
  struct Word {
    std::string_view text;
    size_t begin;
  };
  std::vector<Word> words;
  for (size_t i = 0; i < lower.size();) {
    if (!IsWordChar(lower[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < lower.size() && IsWordChar(lower[end])) ++end;
    words.push_back({lower.substr(i, end - i), i});
    i = end;
  }
  auto in = [](std::string_view word, std::initializer_list<std::string_view> set) {
    return std::find(set.begin(), set.end(), word) != set.end();
  };
  for (size_t a = 0; a < words.size(); ++a) {
    if (!in(words[a].text, first)) continue;
    const size_t gap_begin = words[a].begin + words[a].text.size();
    for (size_t b = a + 1; b < words.size() && words[b].begin - gap_begin <= 40; ++b) {
      const std::string_view gap = lower.substr(gap_begin, words[b].begin - gap_begin);
      if (gap.find_first_of("\r\n") != std::string_view::npos) break;
      if (in(words[b].text, second)) return true;
    }
  }
  return false;
}

// §4.2 quota exhaustion by body.
bool BodySaysQuota(std::string_view lower_message) {
  return WordFollowedBy(lower_message, {"account", "plan", "session", "weekly", "quota"},
                        {"exhausted", "limit", "exceeded", "reached"}) ||
         WordFollowedBy(lower_message, {"usage"}, {"exhausted", "exceeded", "reached"});
}

// §4.2 explicit shared throttle.
bool BodySaysSharedThrottle(std::string_view lower_message, std::string_view type) {
  return lower_message.find("not your usage limit") != std::string_view::npos ||
         lower_message.find("temporarily limiting requests") != std::string_view::npos ||
         lower_message.find("server is temporarily limiting") != std::string_view::npos ||
         type == "overloaded_error";
}

// §4.2 quota exhaustion by headers.
bool HeadersSayQuota(const HeaderSource& headers) {
  const std::optional<std::string_view> status = headers.Find("anthropic-ratelimit-unified-status");
  if (status.has_value() &&
      absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(AbslView(*status)), "rejected")) {
    return true;
  }
  for (std::string_view name : {"anthropic-ratelimit-unified-5h-utilization",
                                "anthropic-ratelimit-unified-7d-utilization"}) {
    const std::optional<double> v = HeaderNumber(headers, name);
    if (v.has_value() && *v >= kExhaustedUtilization) return true;
  }
  for (std::string_view name :
       {"anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-requests-remaining"}) {
    const std::optional<double> v = HeaderNumber(headers, name);
    if (v.has_value() && *v <= 0) return true;
  }
  return false;
}

// §4.2 model-scope test (the family and retry-after conditions are checked by the caller).
bool HeadersSayModelScoped(const HeaderSource& headers) {
  bool any = false;
  for (std::string_view name : {"anthropic-ratelimit-unified-5h-utilization",
                                "anthropic-ratelimit-unified-7d-utilization"}) {
    const std::optional<double> v = HeaderNumber(headers, name);
    if (!v.has_value()) continue;
    if (*v >= kExhaustedUtilization) return false;
    any = true;
  }
  return any;
}

// §3.2: the retry-after header as integer seconds in [1, 86400], or nullopt.
std::optional<absl::Duration> HeaderRetryAfter(const HeaderSource& headers) {
  const std::optional<std::string_view> value = headers.Find("retry-after");
  return value.has_value() ? ParseRetryAfter(*value) : std::nullopt;
}

// A 403 whose text says the account itself is refused, whatever the request (anthropic-wire.md §3,
// landscape.md "Ban or organization-disabled signals").
bool RefusesTheAccount(const ErrorBody& error) {
  static constexpr std::string_view kMarkers[] = {
      "organization has been disabled",
      "organisation has been disabled",
      "organization is disabled",
      "organization was disabled",
      "not allowed for this organization",
      "not allowed for this organisation",
      "oauth_not_allowed_for_organization",
      "account has been disabled",
      "account is disabled",
      "account has been suspended",
  };
  const std::string text = absl::AsciiStrToLower(absl::StrCat(error.type, " ", error.message));
  for (std::string_view marker : kMarkers) {
    if (text.find(marker) != std::string::npos) return true;
  }
  return false;
}

void Classify429(const HeaderSource& headers, const ErrorBody& error,
                 const UpstreamContext& context, absl::Time now, ResponseVerdict& verdict) {
  const std::optional<absl::Duration> header_retry = HeaderRetryAfter(headers);
  if (context.type == AccountType::kProvider) {
    verdict.failure = FailureClass::kRateLimited;
    verdict.scope = ThrottleScope::kAccount;
    verdict.retry_after =
        header_retry.has_value() ? *header_retry : ProviderRetryAfter(context.provider, error, now);
    return;
  }
  verdict.retry_after = header_retry.value_or(kDefaultBench);
  const ModelFamily model_scope = context.request_family != ModelFamily::kNone &&
                                          HeadersSayModelScoped(headers) &&
                                          verdict.retry_after >= kModelScopeMinRetry
                                      ? context.request_family
                                      : ModelFamily::kNone;

  const std::string lower_message = absl::AsciiStrToLower(error.message);
  if (HeadersSayQuota(headers) || BodySaysQuota(lower_message)) {
    verdict.scope = ThrottleScope::kAccount;
    verdict.failure = FailureClass::kQuotaRejected;
  } else if (BodySaysSharedThrottle(lower_message, error.type)) {
    verdict.scope = ThrottleScope::kUpstream;
    verdict.failure = FailureClass::kRequestRefused;
    verdict.neutral = true;
  } else {
    verdict.scope = ThrottleScope::kUnknown;
    verdict.failure = FailureClass::kRateLimited;
  }
  if (verdict.scope != ThrottleScope::kAccount) {
    std::string normalized = NormalizeFingerprint(error.type, error.message);
    if (normalized.empty()) {
      normalized = verdict.scope == ThrottleScope::kUpstream ? "explicit_429" : "unknown_429";
    }
    verdict.fingerprint = absl::StrCat("429:", normalized);
  }
  // A model-scoped 429 benches only (account, family) unless Anthropic throttles everyone.
  if (model_scope != ModelFamily::kNone && verdict.scope != ThrottleScope::kUpstream) {
    verdict.failure = FailureClass::kModelRejected;
    verdict.model_scope = model_scope;
    verdict.neutral = true;
  }
}

}  // namespace

std::string NormalizeFingerprint(std::string_view type, std::string_view message) {
  if (type.empty() && message.empty()) return "";
  return NormalizeText(absl::StrCat(AbslView(type), ":", AbslView(message)));
}

ResponseVerdict ClassifyResponse(int status, const HeaderSource& headers, std::string_view body,
                                 const UpstreamContext& context, absl::Time now) {
  ResponseVerdict verdict;
  if (status < 400) return verdict;

  const ErrorBody error = ParseErrorBody(body);
  verdict.error_type = error.type;
  verdict.error_message = std::string(CutUtf8(error.message, kLoggedMessageMax));
  const bool provider = context.type == AccountType::kProvider;

  switch (status) {
    case 429:
      Classify429(headers, error, context, now, verdict);
      return verdict;
    case 529:
      if (provider) {
        verdict.failure = FailureClass::kUpstream5xx;
        return verdict;
      }
      verdict.failure = FailureClass::kOverloaded;
      verdict.scope = ThrottleScope::kUpstream;
      verdict.neutral = true;
      verdict.retry_after =
          std::min(HeaderRetryAfter(headers).value_or(kOverloadedBlock), kOverloadedBlock);
      verdict.fingerprint =
          absl::StrCat("529:", NormalizeText(absl::StrCat(AbslView(context.request_model), ":",
                                                          error.type, ":", error.message)));
      return verdict;
    case 500:
    case 502:
    case 503:
    case 504:
      verdict.failure = FailureClass::kUpstream5xx;
      return verdict;
    case 401:
      verdict.failure = context.type == AccountType::kOAuth ? FailureClass::kAuthExpired
                                                            : FailureClass::kAuthDead;
      return verdict;
    case 403:
      if (provider) {
        verdict.failure = FailureClass::kRateLimited;
        verdict.scope = ThrottleScope::kAccount;
        verdict.retry_after = context.provider_403_cooldown;
        verdict.neutral = true;
      } else if (context.type == AccountType::kOAuth &&
                 absl::StrContains(absl::AsciiStrToLower(error.message), "revoked")) {
        // "OAuth token has been revoked": a refresh may bring it back (Claude Code does the
        // same); a dead refresh token then marks the account kAuthDead.
        verdict.failure = FailureClass::kAuthExpired;
      } else if (RefusesTheAccount(error)) {
        verdict.failure = FailureClass::kBanned;
        verdict.retry_after = context.provider_403_cooldown;
      } else {
        // Most 403s are about the request (a model or feature this organisation lacks): the
        // account is fine for everything else.
        verdict.failure = FailureClass::kForbidden;
        verdict.neutral = true;
      }
      return verdict;
    case 408:
      verdict.failure = FailureClass::kNetwork;
      return verdict;
    default:
      break;
  }
  verdict.failure = status < 500 ? FailureClass::kClientError : FailureClass::kNone;
  return verdict;
}

FailureClass ClassifyTransportError(std::string_view error_code_or_message) {
  // §4.5 network class: Node's codes and messages as the reference lists them, the Asio/Beast
  // messages for the same conditions, and our own timeouts.
  static constexpr std::array<std::string_view, 30> kNetworkMarkers = {
      "fetch failed",
      "terminated",
      "econnreset",
      "econnrefused",
      "etimedout",
      "und_err_connect_timeout",
      "enotfound",
      "eai_again",
      "epipe",
      "econnaborted",
      "und_err_socket",
      "und_err_headers_timeout",
      "ttfb_timeout",
      "stream_idle_timeout",
      "body_timeout",
      "timeout",
      "timed out",
      "connection reset",
      "connection refused",
      "connection aborted",
      "broken pipe",
      "host not found",
      "name or service not known",
      "temporary failure in name resolution",
      "network is unreachable",
      "no route to host",
      "host is unreachable",
      "end of stream",
      "end of file",
      "stream truncated",
  };
  const std::string lower = absl::AsciiStrToLower(AbslView(error_code_or_message));
  for (std::string_view marker : kNetworkMarkers) {
    if (lower.find(marker) != std::string::npos) return FailureClass::kNetwork;
  }
  return FailureClass::kUpstream5xx;
}

}  // namespace maxpool::core
