#include "logging/event_log.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/temp_dir.h"

namespace maxpool::logging {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// The message part of a written line (after "<timestamp> ").
std::string Body(const std::string& line) {
  const size_t space = line.find(' ');
  return space == std::string::npos ? "" : line.substr(space + 1);
}

std::unique_ptr<EventLog> OpenOrDie(const std::filesystem::path& path,
                                    EventLogOptions options = {}) {
  auto log = EventLog::Open(path, options);
  if (!log.ok()) ADD_FAILURE() << log.status();
  return log.ok() ? std::move(*log) : nullptr;
}

mode_t Mode(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST(EventLogTest, WritesTimestampedLines) {
  TempDir dir;
  const auto path = dir.path() / "config.json.log";
  auto log = OpenOrDie(path);
  ASSERT_NE(log, nullptr);
  log->Append("account a cooling down for 30s");
  log->Append("second");
  log->Flush();
  const std::string text = ReadFile(path);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const auto lines = Lines(text);
  ASSERT_EQ(lines.size(), 2u);
  const std::regex shape(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (.*)$)");
  std::smatch match;
  ASSERT_TRUE(std::regex_match(lines[0], match, shape)) << lines[0];
  EXPECT_EQ(match[1], "account a cooling down for 30s");
  ASSERT_TRUE(std::regex_match(lines[1], match, shape)) << lines[1];
  EXPECT_EQ(match[1], "second");
}

TEST(EventLogTest, TimestampIsUtcWithMilliseconds) {
  EXPECT_EQ(EventLogTimestamp(absl::FromUnixMillis(1714566896789)), "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(EventLogTimestamp(absl::FromUnixMillis(1714566896000)), "2024-05-01T12:34:56.000Z");
  EXPECT_EQ(FormatEventLogLine(absl::FromUnixMillis(5), "hi"), "1970-01-01T00:00:00.005Z hi\n");
}

TEST(EventLogTest, NewlinesCollapseToSpaces) {
  EXPECT_EQ(EventLogBody("a\nb\r\nc\n\n\nd\re"), "a b c d e");
  TempDir dir;
  const auto path = dir.path() / "x.log";
  auto log = OpenOrDie(path);
  ASSERT_NE(log, nullptr);
  log->Append("line one\nline two\r\nline three\n");
  log->Flush();
  const auto lines = Lines(ReadFile(path));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(Body(lines[0]), "line one line two line three ");
}

TEST(EventLogTest, RedactsAnthropicTokens) {
  const std::string body =
      EventLogBody("refresh ok token=sk-ant-oat01-AbCdEfGhIjKlMnOp_qr-st done");
  EXPECT_EQ(body.find("AbCdEfGhIjKlMnOp"), std::string::npos) << body;
  EXPECT_NE(body.find("sk-ant-"), std::string::npos) << body;
  EXPECT_NE(body.find("[redacted"), std::string::npos) << body;
  EXPECT_NE(body.find(" done"), std::string::npos) << body;
}

TEST(EventLogTest, RedactsBearerTokens) {
  const std::string body =
      EventLogBody("upstream sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9abc");
  EXPECT_EQ(body.find("eyJhbGciOiJIUzI1NiJ9abc"), std::string::npos) << body;
  EXPECT_NE(body.find("Bearer [redacted"), std::string::npos) << body;
}

TEST(EventLogTest, RedactsSecretKeyValuePairs) {
  const std::string secret = "Zx9Yw8Vu7Ts6";
  for (const std::string key : {"access_token", "refresh_token", "accessToken", "refreshToken",
                                "api_key", "api-key", "apikey", "ACCESS_TOKEN"}) {
    for (const std::string sep : {"=", ": ", ":", " = "}) {
      const std::string body = EventLogBody("refresh failed " + key + sep + secret + " retrying");
      EXPECT_EQ(body.find(secret), std::string::npos) << body;
      EXPECT_NE(body.find(key + sep + "[redacted]"), std::string::npos) << body;
      EXPECT_NE(body.find(" retrying"), std::string::npos) << body;
    }
    // JSON, quoted: masked by credentials::Redact.
    const std::string json = EventLogBody("{\"" + key + "\": \"" + secret + "\"}");
    EXPECT_EQ(json.find(secret), std::string::npos) << json;
  }
  // Values shorter than 8 token characters are not secrets.
  EXPECT_EQ(EventLogBody("api_key=short"), "api_key=short");
  // Fingerprints are deliberately kept.
  EXPECT_EQ(EventLogBody("account a fp=1a2b3c4d refreshed"), "account a fp=1a2b3c4d refreshed");
}

TEST(EventLogTest, WrittenLinesAreRedacted) {
  TempDir dir;
  const auto path = dir.path() / "x.log";
  auto log = OpenOrDie(path);
  ASSERT_NE(log, nullptr);
  log->Append(
      "a sk-ant-api03-SECRETSECRETSECRET b Bearer TOKENTOKENTOKEN c "
      "refresh_token=REFRESHREFRESH d api-key: APIKEYAPIKEY");
  log->Flush();
  const std::string text = ReadFile(path);
  for (const char* secret :
       {"SECRETSECRETSECRET", "TOKENTOKENTOKEN", "REFRESHREFRESH", "APIKEYAPIKEY"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << text;
  }
}

TEST(EventLogTest, BodyCappedAt480BytesUtf8Safe) {
  // Short enough: unchanged.
  EXPECT_EQ(EventLogBody(std::string(480, 'x')), std::string(480, 'x'));
  // Plain ASCII: 477 bytes + "…".
  std::string body = EventLogBody(std::string(600, 'x'));
  EXPECT_EQ(body, std::string(477, 'x') + "…");
  EXPECT_EQ(body.size(), 480u);
  // A 4-byte character straddling the cut (bytes 476..479) is dropped whole.
  const std::string emoji = "\xF0\x9F\x98\x80";  // U+1F600
  body = EventLogBody(std::string(476, 'x') + emoji + std::string(100, 'y'));
  EXPECT_EQ(body, std::string(476, 'x') + "…");
  // A 2-byte character ending exactly at the cut is kept.
  body = EventLogBody(std::string(475, 'x') + "\xC3\xA9" + std::string(100, 'y'));
  EXPECT_EQ(body, std::string(475, 'x') + "\xC3\xA9" + "…");
  EXPECT_LE(body.size(), 480u);

  TempDir dir;
  const auto path = dir.path() / "x.log";
  auto log = OpenOrDie(path);
  ASSERT_NE(log, nullptr);
  std::string long_message;
  while (long_message.size() < 2000) long_message += "é";
  log->Append(long_message);
  log->Flush();
  const auto lines = Lines(ReadFile(path));
  ASSERT_EQ(lines.size(), 1u);
  const std::string written = Body(lines[0]);
  EXPECT_LE(written.size(), 480u);
  EXPECT_GE(written.size(), 478u);
  ASSERT_TRUE(written.ends_with("…"));
  const std::string kept = written.substr(0, written.size() - 3);
  EXPECT_EQ(kept.size() % 2, 0u);
  for (size_t i = 0; i < kept.size(); i += 2) ASSERT_EQ(kept.substr(i, 2), "é") << i;
}

TEST(EventLogTest, CreatesTheFileWithMode0600) {
  TempDir dir;
  const auto path = dir.path() / "x.log";
  const mode_t old_umask = ::umask(0);
  auto log = OpenOrDie(path);
  ::umask(old_umask);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(Mode(path), 0600u);
}

TEST(EventLogTest, ReappliesMode0600ToAnExistingFile) {
  TempDir dir;
  const auto path = dir.Write("x.log", "earlier line\n");
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_EQ(Mode(path), 0644u);
  auto log = OpenOrDie(path);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(Mode(path), 0600u);
  log->Append("later line");
  log->Flush();
  const auto lines = Lines(ReadFile(path));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "earlier line");
  EXPECT_EQ(Body(lines[1]), "later line");
}

TEST(EventLogTest, OpenFailsWhenTheDirectoryIsMissing) {
  TempDir dir;
  EXPECT_FALSE(EventLog::Open(dir.path() / "missing" / "x.log").ok());
}

TEST(EventLogTest, RotatesKeepingGenerations) {
  TempDir dir;
  const auto path = dir.path() / "x.log";
  EventLogOptions options;
  options.max_bytes = 100;
  options.generations = 3;
  options.rotate_check_interval = absl::Milliseconds(5);
  auto log = OpenOrDie(path, options);
  ASSERT_NE(log, nullptr);
  auto generation = [&](int n) {
    std::filesystem::path p = path;
    p += "." + std::to_string(n);
    return p;
  };
  for (int round = 1; round <= 5; ++round) {
    log->Append("round " + std::to_string(round) + " " + std::string(150, 'z'));
    log->Flush();
    // The writer checks within 5 ms; the file over 100 bytes is rotated to .1 and a fresh
    // (empty) live file opened.
    ASSERT_TRUE(Eventually([&] {
      std::error_code ec;
      return std::filesystem::exists(generation(1)) &&
             ReadFile(generation(1)).find("round " + std::to_string(round) + " ") !=
                 std::string::npos &&
             std::filesystem::file_size(path, ec) == 0 && !ec;
    })) << "round "
        << round;
    EXPECT_EQ(Mode(path), 0600u);
  }
  EXPECT_NE(ReadFile(generation(1)).find("round 5 "), std::string::npos);
  EXPECT_NE(ReadFile(generation(2)).find("round 4 "), std::string::npos);
  EXPECT_NE(ReadFile(generation(3)).find("round 3 "), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(generation(4)));
  // Rounds 1 and 2 are gone.
  for (const std::string& name : dir.Files()) {
    const std::string text = ReadFile(dir.path() / name);
    EXPECT_EQ(text.find("round 1 "), std::string::npos) << name;
    EXPECT_EQ(text.find("round 2 "), std::string::npos) << name;
  }
  // Lines after the last rotation go to the fresh live file.
  log->Append("after");
  log->Flush();
  const auto lines = Lines(ReadFile(path));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(Body(lines[0]), "after");
}

TEST(EventLogTest, DoesNotRotateBelowTheLimit) {
  TempDir dir;
  const auto path = dir.path() / "x.log";
  EventLogOptions options;
  options.max_bytes = 1 << 20;
  options.rotate_check_interval = absl::Milliseconds(1);
  auto log = OpenOrDie(path, options);
  ASSERT_NE(log, nullptr);
  for (int i = 0; i < 20; ++i) log->Append("line " + std::to_string(i));
  log->Flush();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(dir.Files(), std::vector<std::string>{"x.log"});
  EXPECT_EQ(Lines(ReadFile(path)).size(), 20u);
}

TEST(EventLogTest, OverflowIsDroppedAndReported) {
  TempDir dir;
  const auto path = dir.path() / "x.log";
  absl::Notification gate;
  EventLogOptions options;
  options.max_pending = 4;
  options.writer_gate = &gate;
  auto log = OpenOrDie(path, options);
  ASSERT_NE(log, nullptr);
  for (int i = 0; i < 10; ++i) log->Append("line " + std::to_string(i));
  EXPECT_EQ(log->dropped_total(), 6u);
  gate.Notify();
  log->Flush();
  auto lines = Lines(ReadFile(path));
  ASSERT_EQ(lines.size(), 5u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Body(lines[i]), "line " + std::to_string(i));
  EXPECT_EQ(Body(lines[4]), "dropped 6 line(s)");
  // The count restarts after it was reported.
  log->Append("later");
  log->Flush();
  lines = Lines(ReadFile(path));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(Body(lines[5]), "later");
  EXPECT_EQ(log->dropped_total(), 6u);
}

TEST(EventLogTest, ConcurrentAppendsAllWrittenExactlyOnce) {
  TempDir dir;
  const auto path = dir.path() / "x.log";
  auto log = OpenOrDie(path);
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 1000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kPerThread; ++i) {
        log->Append("t" + std::to_string(t) + " i" + std::to_string(i));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  log->Flush();
  EXPECT_EQ(log->dropped_total(), 0u);
  std::map<std::string, int> seen;
  for (const std::string& line : Lines(ReadFile(path))) ++seen[Body(line)];
  ASSERT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string key = "t" + std::to_string(t) + " i" + std::to_string(i);
      ASSERT_EQ(seen[key], 1) << key;
    }
  }
}

TEST(EventLogTest, DestructorWritesWhatIsLeft) {
  TempDir dir;
  const auto path = dir.path() / "x.log";
  {
    auto log = OpenOrDie(path);
    ASSERT_NE(log, nullptr);
    for (int i = 0; i < 100; ++i) log->Append("line " + std::to_string(i));
  }
  EXPECT_EQ(Lines(ReadFile(path)).size(), 100u);
}

TEST(EventLogTest, GenerationsFromEnvironment) {
  ::unsetenv("MAXPOOL_LOG_GENERATIONS");
  EXPECT_EQ(EventLogGenerationsFromEnv(), 5);
  ::setenv("MAXPOOL_LOG_GENERATIONS", "9", 1);
  EXPECT_EQ(EventLogGenerationsFromEnv(), 9);
  ::setenv("MAXPOOL_LOG_GENERATIONS", "0", 1);
  EXPECT_EQ(EventLogGenerationsFromEnv(), 5);
  ::setenv("MAXPOOL_LOG_GENERATIONS", "lots", 1);
  EXPECT_EQ(EventLogGenerationsFromEnv(7), 7);
  ::unsetenv("MAXPOOL_LOG_GENERATIONS");
}

}  // namespace
}  // namespace maxpool::logging
