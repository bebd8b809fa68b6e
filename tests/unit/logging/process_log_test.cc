#include "logging/process_log.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "boost/json/parse.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maxpool::logging {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

v1::LoggingConfig Logging(const std::string& format, const std::string& level = "info") {
  v1::LoggingConfig config;
  config.set_format(format);
  config.set_level(level);
  return config;
}

// Logs through a ProcessLog and returns the lines it wrote once it is destroyed.
template <typename Body>
std::vector<std::string> LinesOf(const v1::LoggingConfig& config, Body body) {
  std::ostringstream out;
  {
    absl::StatusOr<std::unique_ptr<ProcessLog>> log = ProcessLog::Create(config, out);
    EXPECT_TRUE(log.ok()) << log.status();
    if (!log.ok()) return {};
    body(**log);
  }
  return absl::StrSplit(out.str(), '\n', absl::SkipEmpty());
}

proxy::RequestLogLine Request() {
  proxy::RequestLogLine line;
  line.method = "POST";
  line.target = "/v1/messages?beta=true";
  line.account = "work \"main\"";
  line.status = 200;
  line.seconds = 3.2;
  line.attempts = 2;
  line.input_tokens = 12;
  line.output_tokens = 340;
  line.upstream_ttfb_seconds = 0.25;
  line.before_upstream_seconds = 0.0004;
  return line;
}

TEST(ProcessLogTest, TextLinesHaveUtcTimeLevelAndMessage) {
  const std::vector<std::string> lines = LinesOf(Logging("text"), [](ProcessLog& log) {
    log.Info("drain started");
    log.Request(Request());
  });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], MatchesRegex(R"(20[0-9-]+T[0-9:]+\.[0-9]{3}Z info drain started)"));
  EXPECT_THAT(lines[1], HasSubstr(" info POST /v1/messages \u2192 work \"main\" (200, 3.2s) after "
                                  "2 attempts"));
}

TEST(ProcessLogTest, SeverityPrefixesChooseTheLevelAndAreDropped) {
  const std::vector<std::string> lines = LinesOf(Logging("text"), [](ProcessLog& log) {
    log.Line("warning: config hot-sync is off");
    log.Line("error: cannot persist tokens");
    log.Line("refreshed work");
  });
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], HasSubstr(" warning config hot-sync is off"));
  EXPECT_THAT(lines[1], HasSubstr(" error cannot persist tokens"));
  EXPECT_THAT(lines[2], HasSubstr(" info refreshed work"));
}

TEST(ProcessLogTest, JsonRequestLinesCarryTheirFields) {
  const std::vector<std::string> lines =
      LinesOf(Logging("json"), [](ProcessLog& log) { log.Request(Request()); });
  ASSERT_EQ(lines.size(), 1u);
  const boost::json::object line = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(line.at("level").as_string(), "info");
  EXPECT_EQ(line.at("logger").as_string(), "request");
  EXPECT_EQ(line.at("msg").as_string(),
            "POST /v1/messages \u2192 work \"main\" (200, 3.2s) after 2 attempts");
  EXPECT_EQ(line.at("method").as_string(), "POST");
  EXPECT_EQ(line.at("path").as_string(), "/v1/messages");
  EXPECT_EQ(line.at("account").as_string(), "work \"main\"");
  EXPECT_EQ(line.at("status").as_int64(), 200);
  EXPECT_DOUBLE_EQ(line.at("duration_ms").to_number<double>(), 3200);
  EXPECT_EQ(line.at("attempts").as_int64(), 2);
  EXPECT_EQ(line.at("held").as_bool(), false);
  EXPECT_EQ(line.at("input_tokens").as_int64(), 12);
  EXPECT_EQ(line.at("output_tokens").as_int64(), 340);
  EXPECT_DOUBLE_EQ(line.at("upstream_ttfb_ms").to_number<double>(), 250);
  EXPECT_DOUBLE_EQ(line.at("proxy_overhead_ms").to_number<double>(), 0.4);
}

TEST(ProcessLogTest, JsonLeavesOutUnknownTokensAndTimes) {
  proxy::RequestLogLine request = Request();
  request.input_tokens = request.output_tokens = -1;
  request.upstream_ttfb_seconds = request.before_upstream_seconds = -1;
  const std::vector<std::string> lines =
      LinesOf(Logging("json"), [&](ProcessLog& log) { log.Request(request); });
  ASSERT_EQ(lines.size(), 1u);
  const boost::json::object line = boost::json::parse(lines[0]).as_object();
  EXPECT_FALSE(line.contains("input_tokens"));
  EXPECT_FALSE(line.contains("upstream_ttfb_ms"));
  EXPECT_FALSE(line.contains("proxy_overhead_ms"));
}

TEST(ProcessLogTest, FailedOrCutRequestsAreWarnings) {
  proxy::RequestLogLine failed = Request();
  failed.status = 529;
  proxy::RequestLogLine cut = Request();
  cut.truncated = true;
  const std::vector<std::string> lines = LinesOf(Logging("json"), [&](ProcessLog& log) {
    log.Request(failed);
    log.Request(cut);
    log.Request(Request());
  });
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(boost::json::parse(lines[0]).at("level").as_string(), "warn");
  EXPECT_EQ(boost::json::parse(lines[1]).at("level").as_string(), "warn");
  EXPECT_EQ(boost::json::parse(lines[2]).at("level").as_string(), "info");
}

TEST(ProcessLogTest, TheLevelFiltersLines) {
  const std::vector<std::string> lines = LinesOf(Logging("text", "warn"), [](ProcessLog& log) {
    log.Info("quiet");
    log.Request(Request());
    log.Warn("loud");
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("loud"));
}

TEST(ProcessLogTest, ServerMessagesAreNotFormatStrings) {
  const std::vector<std::string> lines =
      LinesOf(Logging("text"), [](ProcessLog& log) { log.Info("braces {} {:>9} stay"); });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("braces {} {:>9} stay"));
}

TEST(ProcessLogTest, LinesFromManyThreadsStayWholeAndInOrderPerThread) {
  constexpr int kThreads = 4;
  constexpr int kLines = 500;
  const std::vector<std::string> lines = LinesOf(Logging("json"), [](ProcessLog& log) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&log, t] {
        for (int i = 0; i < kLines; ++i) log.Info(std::to_string(t) + ":" + std::to_string(i));
      });
    }
    for (std::thread& thread : threads) thread.join();
  });
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLines));
  std::vector<int> next(kThreads, 0);
  for (const std::string& line : lines) {
    const std::string msg(boost::json::parse(line).at("msg").as_string());
    const std::vector<std::string> parts = absl::StrSplit(msg, ':');
    ASSERT_EQ(parts.size(), 2u) << line;
    const int t = std::stoi(parts[0]);
    EXPECT_EQ(std::stoi(parts[1]), next[t]++) << line;
  }
}

TEST(ProcessLogTest, AFullQueueDropsTheOldestAndCountsThem) {
  std::ostringstream out;
  size_t dropped = 0;
  size_t written = 0;
  {
    absl::StatusOr<std::unique_ptr<ProcessLog>> log = ProcessLog::Create(Logging("text"), out, 4);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 20000; ++i) (*log)->Info("line");
    dropped = (*log)->dropped();
  }
  for (char c : out.str()) written += c == '\n';
  EXPECT_GT(dropped, 0u);
  EXPECT_LE(written + dropped, 20000u);
}

TEST(ProcessLogTest, RejectsAnUnknownFormatOrLevel) {
  std::ostringstream out;
  absl::StatusOr<std::unique_ptr<ProcessLog>> format = ProcessLog::Create(Logging("xml"), out);
  ASSERT_FALSE(format.ok());
  EXPECT_THAT(format.status().message(), HasSubstr("logging.format: \"xml\""));
  absl::StatusOr<std::unique_ptr<ProcessLog>> level =
      ProcessLog::Create(Logging("text", "loud"), out);
  ASSERT_FALSE(level.ok());
  EXPECT_THAT(level.status().message(), HasSubstr("logging.level: \"loud\""));
}

}  // namespace
}  // namespace maxpool::logging
