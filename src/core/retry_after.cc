#include "core/retry_after.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "core/absl_view.h"

namespace maxpool::core {
namespace {

std::string_view Trim(std::string_view s) {
  return StdView(absl::StripAsciiWhitespace(AbslView(s)));
}

// Formats tried for a non-numeric reset value, in order. Those with an offset ignore the zone
// argument of absl::ParseTime.
constexpr const char* kZonedFormats[] = {
    "%Y-%m-%d%ET%H:%M:%E*S%Ez",   // RFC 3339: 2025-02-24T22:25:30Z, ...+08:00, fractions
    "%Y-%m-%d %H:%M:%E*S%Ez",     // the same with a space
    "%Y-%m-%d%ET%H:%M%Ez",        // no seconds
    "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate (RFC 7231)
    "%a, %d %b %Y %H:%M:%S %z",   // RFC 1123 with a numeric offset
    "%d %b %Y %H:%M:%S GMT",      // RFC 1123 without the weekday
};
constexpr const char* kZonelessFormats[] = {
    "%Y-%m-%d%ET%H:%M:%E*S",
    "%Y-%m-%d %H:%M:%E*S",
    "%Y-%m-%d%ET%H:%M",
    "%Y-%m-%d %H:%M",
};

std::optional<absl::Time> ParseDate(std::string_view text, absl::TimeZone zoneless) {
  const std::string input(text);
  absl::Time t;
  for (const char* format : kZonedFormats) {
    if (absl::ParseTime(format, input, absl::UTCTimeZone(), &t, nullptr)) return t;
  }
  for (const char* format : kZonelessFormats) {
    if (absl::ParseTime(format, input, zoneless, &t, nullptr)) return t;
  }
  // A bare date is UTC midnight, as in ECMAScript's Date.parse.
  if (absl::ParseTime("%Y-%m-%d", input, absl::UTCTimeZone(), &t, nullptr)) return t;
  return std::nullopt;
}

}  // namespace

std::optional<absl::Time> ParseReset(std::string_view value, absl::Time now,
                                     absl::TimeZone zoneless) {
  const std::string_view whole = Trim(value);
  const std::string_view first = Trim(whole.substr(0, whole.find(',')));
  if (whole.empty()) return std::nullopt;
  double n = 0;
  // SimpleAtod also accepts "inf" and "nan"; the range check below rejects them.
  if (!first.empty() && absl::SimpleAtod(AbslView(first), &n)) {
    // Millisecond precision, like the reference's epoch-ms arithmetic; beyond ECMAScript's
    // Date range (8.64e15 ms) the value is not a time.
    constexpr double kMaxMillis = 8.64e15;
    const bool epoch = n > 1'000'000'000.0;
    const double ms = n > 10'000'000'000.0 ? n : n * 1000.0;
    if (!std::isfinite(ms) || std::fabs(ms) > kMaxMillis) return std::nullopt;
    const absl::Duration offset = absl::Milliseconds(std::llround(ms));
    return epoch ? absl::UnixEpoch() + offset : now + offset;
  }
  return ParseDate(whole, zoneless);
}

std::optional<absl::Duration> ParseRetryAfter(std::string_view value) {
  const std::string_view text = Trim(value);
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  // Digits only. Past six significant digits the value is above the clamp (and may overflow).
  const std::string_view significant =
      text.substr(std::min(text.find_first_not_of('0'), text.size()));
  if (significant.size() > 6) return kMaxBench;
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(AbslView(text), &seconds)) return std::nullopt;
  return std::clamp(absl::Seconds(seconds), kMinBench, kMaxBench);
}

absl::Duration ClampBench(std::optional<double> seconds) {
  if (!seconds.has_value() || std::isnan(*seconds)) return kDefaultBench;
  const double s = std::clamp(std::ceil(*seconds), 1.0, 86400.0);
  return absl::Seconds(static_cast<int64_t>(s));
}

}  // namespace maxpool::core
