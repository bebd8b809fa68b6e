#pragma once

// spdlog formatter for `logging.format: json`: one JSON object per line,
//   {"time":"2026-11-26T11:40:00.123Z","level":"info","logger":"server","msg":"…"}
// with the time in UTC and the level one of trace, debug, info, warn, error, critical. The
// message is escaped; bytes that are not valid UTF-8 become U+FFFD, so every line parses.
//
// A logger named `structured_logger` carries pre-built JSON members instead of a message (for
// example `"msg":"…","status":200`): they are written as they are, after "logger". Only code that
// builds those members with AppendJsonString may log to it.

#include <memory>
#include <string>
#include <string_view>

#include "spdlog/formatter.h"

namespace maxpool::logging {

class JsonLogFormatter final : public spdlog::formatter {
 public:
  explicit JsonLogFormatter(std::string structured_logger = {})
      : structured_logger_(std::move(structured_logger)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;

 private:
  const std::string structured_logger_;
};

// Appends `text` as a quoted JSON string: `"`, `\` and control characters escaped, invalid UTF-8
// replaced by U+FFFD.
void AppendJsonString(std::string_view text, std::string& out);
void AppendJsonString(std::string_view text, spdlog::memory_buf_t& out);

// "info", "warn", … as written in the "level" member.
std::string_view JsonLevelName(spdlog::level::level_enum level);

}  // namespace maxpool::logging
