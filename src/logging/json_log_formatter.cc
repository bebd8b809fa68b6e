#include "logging/json_log_formatter.h"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <iterator>
#include <type_traits>

#include "spdlog/fmt/fmt.h"

namespace maxpool::logging {
namespace {

constexpr std::string_view kReplacement = "\\ufffd";

// Length of the valid UTF-8 sequence at the start of `s`, or 0 when it is not one.
size_t Utf8SequenceLength(std::string_view s) {
  const auto byte = [&s](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  size_t length = 0;
  uint32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < length) return 0;
  uint32_t code = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i) & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

template <typename Out>
void Append(Out& out, std::string_view text) {
  if constexpr (std::is_same_v<Out, std::string>) {
    // (Pointer and length: GCC 12 at -O3 mistakes the iterator-pair form for an overlapping
    // copy, -Werror=restrict.)
    out.append(text.data(), text.size());
  } else {
    out.append(text.data(), text.data() + text.size());
  }
}

template <typename Out>
void AppendEscaped(std::string_view text, Out& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  Append(out, "\"");
  size_t plain_start = 0;
  size_t i = 0;
  const auto flush_plain = [&] {
    if (i > plain_start) Append(out, text.substr(plain_start, i - plain_start));
  };
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (const size_t length = Utf8SequenceLength(text.substr(i)); length != 0) {
        i += length;
        continue;
      }
    }
    flush_plain();
    switch (c) {
      case '"':
        Append(out, "\\\"");
        break;
      case '\\':
        Append(out, "\\\\");
        break;
      case '\n':
        Append(out, "\\n");
        break;
      case '\r':
        Append(out, "\\r");
        break;
      case '\t':
        Append(out, "\\t");
        break;
      default:
        if (c < 0x20) {
          const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          Append(out, std::string_view(escape, sizeof(escape)));
        } else {
          Append(out, kReplacement);
        }
    }
    ++i;
    plain_start = i;
  }
  flush_plain();
  Append(out, "\"");
}

}  // namespace

void AppendJsonString(std::string_view text, std::string& out) { AppendEscaped(text, out); }
void AppendJsonString(std::string_view text, spdlog::memory_buf_t& out) {
  AppendEscaped(text, out);
}

std::string_view JsonLevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const auto since_epoch = msg.time.time_since_epoch();
  const std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  fmt::format_to(std::back_inserter(dest),
                 "{{\"time\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z\",\"level\":\"{}\","
                 "\"logger\":",
                 utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                 utc.tm_sec, millis, JsonLevelName(msg.level));
  const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
  AppendEscaped(logger, dest);
  const std::string_view payload(msg.payload.data(), msg.payload.size());
  if (!structured_logger_.empty() && logger == structured_logger_) {
    Append(dest, ",");
    Append(dest, payload);
  } else {
    Append(dest, ",\"msg\":");
    AppendEscaped(payload, dest);
  }
  Append(dest, "}\n");
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>(structured_logger_);
}

}  // namespace maxpool::logging
