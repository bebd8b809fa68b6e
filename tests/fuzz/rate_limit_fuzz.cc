// Fuzz target: what an upstream answer says about quota and throttling. Header lines
// ("name: value", one per line) go to the unified and API-key rate-limit readers and the response
// classifier (with `retry-after`), each value to parseReset and parseRetryAfter, and the rest of
// the input as a provider 429 body to each provider's retry-after rule. Checks the contracts the
// router relies on: benches stay within [1, 86400] s, utilizations are finite.

#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "core/header_source.h"
#include "core/provider_limits.h"
#include "core/quota.h"
#include "core/quota_headers.h"
#include "core/response_classifier.h"
#include "core/retry_after.h"

namespace core = maxpool::core;

namespace {

void CheckBench(absl::Duration d) {
  if (d < absl::Seconds(1) || d > absl::Seconds(86400)) __builtin_trap();
}

void CheckFinite(const std::optional<double>& v) {
  if (v && !std::isfinite(*v)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider provider(data, size);
  const int status = provider.PickValueInArray({200, 400, 401, 403, 429, 500, 529});
  const std::string head = provider.ConsumeRandomLengthString(4096);
  const std::string body = provider.ConsumeRemainingBytesAsString();
  const absl::Time now = absl::FromUnixSeconds(1795694400);

  core::FlatHeaders headers;
  for (absl::string_view line : absl::StrSplit(head, '\n')) {
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    std::string name(absl::StripAsciiWhitespace(line.substr(0, colon)));
    absl::AsciiStrToLower(&name);
    const absl::string_view stripped = absl::StripAsciiWhitespace(line.substr(colon + 1));
    const std::string_view value(stripped.data(), stripped.size());
    headers.Add(name, std::string(value));
    core::ParseReset(value, now);
    if (std::optional<absl::Duration> after = core::ParseRetryAfter(value)) CheckBench(*after);
  }
  core::QuotaReading quota;
  core::ApplyResponseHeaders(quota, headers, now);
  CheckFinite(quota.unified_5h);
  CheckFinite(quota.unified_7d);
  core::ClearExpiredWindows(quota, now + absl::Hours(200));

  for (core::Provider p :
       {core::Provider::kAnthropic, core::Provider::kZai, core::Provider::kKimi}) {
    CheckBench(core::ProviderRetryAfterFromBody(p, body, now));
    core::UpstreamContext context;
    context.provider = p;
    context.type =
        p == core::Provider::kAnthropic ? core::AccountType::kOAuth : core::AccountType::kApiKey;
    const core::ResponseVerdict verdict =
        core::ClassifyResponse(status, headers, body, context, now);
    if (verdict.retry_after < absl::ZeroDuration() || verdict.retry_after > absl::Seconds(86400)) {
      __builtin_trap();
    }
  }
  return 0;
}
