#include "logging/json_log_formatter.h"

#include <chrono>
#include <string>

#include "boost/json/parse.hpp"
#include "gtest/gtest.h"

namespace maxpool::logging {
namespace {

std::string Format(std::string_view logger, spdlog::level::level_enum level,
                   std::string_view payload, const std::string& structured = "request") {
  spdlog::details::log_msg msg(spdlog::string_view_t(logger.data(), logger.size()), level,
                               spdlog::string_view_t(payload.data(), payload.size()));
  // 2026-11-26T11:40:05.123Z
  msg.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795693205123));
  spdlog::memory_buf_t out;
  JsonLogFormatter(structured).format(msg, out);
  return std::string(out.data(), out.size());
}

TEST(JsonLogFormatterTest, WritesOneObjectPerLineWithUtcTimeLevelLoggerAndMessage) {
  const std::string line = Format("server", spdlog::level::warn, "drain started");
  EXPECT_EQ(line,
            "{\"time\":\"2026-11-26T11:40:05.123Z\",\"level\":\"warn\",\"logger\":\"server\","
            "\"msg\":\"drain started\"}\n");
}

TEST(JsonLogFormatterTest, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string line =
      Format("server", spdlog::level::info, "a \"quoted\" \\ path\nnext\tcol\x01 {}");
  const boost::json::value parsed = boost::json::parse(line);
  EXPECT_EQ(parsed.at("msg").as_string(), "a \"quoted\" \\ path\nnext\tcol\x01 {}");
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line: " << line;
}

TEST(JsonLogFormatterTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  const std::string line =
      Format("server", spdlog::level::info, "POST → café \xF0\x9F\x98\x80 bad:\xC3 \xFF end");
  const boost::json::value parsed = boost::json::parse(line);  // throws on invalid UTF-8
  EXPECT_EQ(parsed.at("msg").as_string(),
            "POST → café \xF0\x9F\x98\x80 bad:\xEF\xBF\xBD \xEF\xBF\xBD end");
}

TEST(JsonLogFormatterTest, RejectsOverlongAndSurrogateEncodings) {
  std::string out;
  AppendJsonString("\xC0\xAF|\xED\xA0\x80|\xF4\x90\x80\x80", out);
  EXPECT_EQ(out, "\"\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

TEST(JsonLogFormatterTest, SplicesTheStructuredLoggersMembers) {
  const std::string line =
      Format("request", spdlog::level::info, "\"msg\":\"POST /v1/messages\",\"status\":200");
  const boost::json::value parsed = boost::json::parse(line);
  EXPECT_EQ(parsed.at("logger").as_string(), "request");
  EXPECT_EQ(parsed.at("msg").as_string(), "POST /v1/messages");
  EXPECT_EQ(parsed.at("status").as_int64(), 200);
}

TEST(JsonLogFormatterTest, OtherLoggersAreNeverSpliced) {
  const std::string line = Format("server", spdlog::level::info, "\"status\":1");
  EXPECT_EQ(boost::json::parse(line).at("msg").as_string(), "\"status\":1");
}

TEST(JsonLogFormatterTest, NamesEveryLevel) {
  EXPECT_EQ(JsonLevelName(spdlog::level::trace), "trace");
  EXPECT_EQ(JsonLevelName(spdlog::level::debug), "debug");
  EXPECT_EQ(JsonLevelName(spdlog::level::info), "info");
  EXPECT_EQ(JsonLevelName(spdlog::level::warn), "warn");
  EXPECT_EQ(JsonLevelName(spdlog::level::err), "error");
  EXPECT_EQ(JsonLevelName(spdlog::level::critical), "critical");
}

}  // namespace
}  // namespace maxpool::logging
