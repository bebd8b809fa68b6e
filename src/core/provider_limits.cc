#include "core/provider_limits.h"

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/json/parse.hpp"
#include "boost/json/value.hpp"
#include "core/absl_view.h"
#include "core/retry_after.h"

namespace maxpool::core {
namespace {

namespace json = boost::json;

constexpr absl::Duration kShortProviderBench = absl::Seconds(60);
constexpr absl::Duration kLongProviderBench = absl::Seconds(3600);

std::string StringField(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr) return "";
  if (const json::string* s = v->if_string()) return std::string(s->data(), s->size());
  if (const int64_t* i = v->if_int64()) return absl::StrCat(*i);
  if (const uint64_t* u = v->if_uint64()) return absl::StrCat(*u);
  if (const double* d = v->if_double()) {
    if (std::isfinite(*d) && *d == std::floor(*d) && std::fabs(*d) < 1e15) {
      return absl::StrCat(static_cast<int64_t>(*d));
    }
  }
  return "";
}

// The text after the first case-insensitive occurrence of one of `markers` in `message`, up to
// the end of its line (or a closing back-quote, quote or bracket), without surrounding
// separators. nullopt when no marker occurs.
std::optional<std::string_view> TextAfterMarker(std::string_view message,
                                                std::initializer_list<std::string_view> markers) {
  const std::string lower = absl::AsciiStrToLower(AbslView(message));
  size_t best = std::string::npos;
  size_t best_len = 0;
  for (std::string_view marker : markers) {
    const size_t at = lower.find(marker);
    if (at < best) {
      best = at;
      best_len = marker.size();
    }
  }
  if (best == std::string::npos) return std::nullopt;
  std::string_view rest = message.substr(best + best_len);
  const size_t start = rest.find_first_not_of(" \t:=`\"'");
  if (start == std::string_view::npos) return std::string_view();
  rest = rest.substr(start);
  rest = rest.substr(0, rest.find_first_of("`\"'\r\n]"));
  rest = StdView(absl::StripTrailingAsciiWhitespace(AbslView(rest)));
  while (!rest.empty() && (rest.back() == '.' || rest.back() == ';' || rest.back() == ')')) {
    rest.remove_suffix(1);
  }
  return rest;
}

// z.ai business code: `code`, else a leading "[NNNN]" in the message ("[1308][Usage limit ...]").
int64_t ZaiCode(const ErrorBody& error) {
  int64_t code = 0;
  if (absl::SimpleAtoi(absl::StripAsciiWhitespace(error.code), &code)) return code;
  const std::string_view message = StdView(absl::StripLeadingAsciiWhitespace(error.message));
  if (message.size() > 2 && message[0] == '[') {
    const size_t close = message.find(']');
    if (close != std::string_view::npos &&
        absl::SimpleAtoi(AbslView(message.substr(1, close - 1)), &code)) {
      return code;
    }
  }
  return 0;
}

absl::Duration ZaiRetryAfter(const ErrorBody& error, absl::Time now) {
  if (std::optional<std::string_view> text =
          TextAfterMarker(error.message, {"reset at", "next_flush_time"})) {
    // z.ai prints local China time without an offset (anthropic-wire §7.1).
    const std::optional<absl::Time> at = ParseReset(*text, now, absl::FixedTimeZone(8 * 3600));
    if (at.has_value() && *at > now) return ClampBench(absl::ToDoubleSeconds(*at - now));
  }
  switch (ZaiCode(error)) {
    case 1302:
    case 1303:
    case 1305:
      return kShortProviderBench;
    case 1304:
    case 1308:
    case 1310:
      return kLongProviderBench;
    default:
      return kDefaultBench;
  }
}

// "after N seconds" (N an integer or a decimal), case-insensitive.
std::optional<double> KimiAfterSeconds(std::string_view message) {
  const std::string lower = absl::AsciiStrToLower(AbslView(message));
  for (size_t at = lower.find("after"); at != std::string::npos; at = lower.find("after", at + 1)) {
    std::string_view rest = std::string_view(lower).substr(at + 5);
    const size_t start = rest.find_first_not_of(" \t");
    if (start == 0 || start == std::string_view::npos) continue;  // needs a space: "after N"
    rest = rest.substr(start);
    size_t end = 0;
    while (end < rest.size() &&
           (absl::ascii_isdigit(static_cast<unsigned char>(rest[end])) || rest[end] == '.')) {
      ++end;
    }
    double n = 0;
    if (end == 0 || !absl::SimpleAtod(AbslView(rest.substr(0, end)), &n)) continue;
    rest = StdView(absl::StripLeadingAsciiWhitespace(AbslView(rest.substr(end))));
    if (rest.substr(0, 6) == "second") return n;
  }
  return std::nullopt;
}

absl::Duration KimiRetryAfter(const ErrorBody& error) {
  if (std::optional<double> seconds = KimiAfterSeconds(error.message)) return ClampBench(seconds);
  if (error.type == "rate_limit_reached_error" || error.type == "engine_overloaded_error") {
    return kShortProviderBench;
  }
  if (error.type == "exceeded_current_quota_error") return kLongProviderBench;
  return kDefaultBench;
}

}  // namespace

ErrorBody ParseErrorBody(std::string_view body) {
  ErrorBody out;
  boost::system::error_code ec;
  const json::value root = json::parse(json::string_view(body.data(), body.size()), ec);
  const json::object* object = ec ? nullptr : root.if_object();
  if (object == nullptr) {
    out.message = std::string(absl::StripAsciiWhitespace(AbslView(body)));
    return out;
  }
  out.json = true;
  const json::value* error = object->if_contains("error");
  if (error != nullptr && error->is_object()) object = &error->get_object();
  out.type = StringField(*object, "type");
  out.code = StringField(*object, "code");
  out.message = StringField(*object, "message");
  return out;
}

absl::Duration ProviderRetryAfter(Provider provider, const ErrorBody& error, absl::Time now) {
  switch (provider) {
    case Provider::kZai:
      return ZaiRetryAfter(error, now);
    case Provider::kKimi:
      return KimiRetryAfter(error);
    case Provider::kAnthropic:
      break;
  }
  return kDefaultBench;
}

absl::Duration ProviderRetryAfterFromBody(Provider provider, std::string_view body,
                                          absl::Time now) {
  return ProviderRetryAfter(provider, ParseErrorBody(body), now);
}

}  // namespace maxpool::core
