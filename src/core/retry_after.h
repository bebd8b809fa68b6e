#pragma once

// Parsing of the time values upstreams send (spec §3.1 parseReset, §3.2 retry-after) and the
// clamp applied to every duration that benches an account. Pure functions of their arguments;
// safe from any thread.

#include <optional>
#include <string_view>

#include "absl/time/time.h"

namespace maxpool::core {

inline constexpr absl::Duration kMinBench = absl::Seconds(1);
inline constexpr absl::Duration kMaxBench = absl::Seconds(86400);
inline constexpr absl::Duration kDefaultBench = absl::Seconds(60);

// §3.1 parseReset. Takes the text before the first comma; if it is a number n:
// n > 1e10 -> epoch milliseconds, n > 1e9 -> epoch seconds, otherwise a delay of n seconds
// from `now` (to the millisecond; negative delays give a past time). Otherwise the whole value is
// parsed as a date: RFC 3339 / ISO 8601 ("2025-02-24T22:25:30Z", offsets, fractions, a space
// instead of 'T', a bare date) or IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT"). A date-time
// without an offset is read in `zoneless` (UTC unless given; z.ai sends such times, §3.3).
// Returns nullopt for an empty, non-numeric-and-not-a-date or out-of-range value.
std::optional<absl::Time> ParseReset(std::string_view value, absl::Time now,
                                     absl::TimeZone zoneless = absl::UTCTimeZone());

// §3.2 parseRetryAfter: delay-seconds only (ASCII digits after trimming). An HTTP-date, a
// fraction, a sign or anything else yields nullopt. The result is clamped to [1, 86400] s.
std::optional<absl::Duration> ParseRetryAfter(std::string_view value);

// §3.2 internal clamp for any duration used to bench an account: ceil to whole seconds,
// clamped to [1, 86400] s; nullopt or NaN -> 60 s.
absl::Duration ClampBench(std::optional<double> seconds);

}  // namespace maxpool::core
