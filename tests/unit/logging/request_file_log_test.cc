// The per-request files of `--log-to` (spec §11.1): masking, the file name, the sections, and the
// background writer (modes, drops, write failures).

#include "logging/request_file_log.h"

#include <sys/stat.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace maxpool::logging {
namespace {

using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using BodyKind = proxy::ExchangeRecord::BodyKind;

constexpr char kApiKey[] =
    "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-abcdefghijklmnopqrstuvwxyz";
constexpr char kOAuthToken[] = "sk-ant-oat01-ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210-token";

TEST(MaskHeaderValue, KeepsTheSpecsPrefixOfEachCredentialHeader) {
  EXPECT_EQ(MaskHeaderValue("x-api-key", kApiKey), "sk-ant-api03-Ab...");
  EXPECT_EQ(MaskHeaderValue("authorization", std::string("Bearer ") + kOAuthToken),
            "Bearer sk-ant-oat01-...");
  // Any case; the proxy's own credential header too.
  EXPECT_EQ(MaskHeaderValue("X-Api-Key", kApiKey), "sk-ant-api03-Ab...");
  EXPECT_EQ(MaskHeaderValue("Authorization", std::string("Bearer ") + kOAuthToken),
            "Bearer sk-ant-oat01-...");
  EXPECT_EQ(MaskHeaderValue("proxy-authorization", std::string("Basic ") + kApiKey),
            "Basic sk-ant-api03-A...");
}

TEST(MaskHeaderValue, NeverShowsAShortSecretWhole) {
  EXPECT_EQ(MaskHeaderValue("x-api-key", "short-key-1234"), "short-k...");
  EXPECT_EQ(MaskHeaderValue("x-api-key", "sk-ant-api03-te"), "sk-ant-...");
  EXPECT_EQ(MaskHeaderValue("authorization", ""), "...");
}

TEST(MaskHeaderValue, LeavesOtherHeadersAlone) {
  EXPECT_EQ(MaskHeaderValue("anthropic-beta", "oauth-2025-04-20"), "oauth-2025-04-20");
  EXPECT_EQ(MaskHeaderValue("x-api-key-hint", kApiKey), kApiKey);
}

TEST(RequestLogFileName, IsLocalTimeWithMillisecondsAndAFiveDigitId) {
  struct tm local {};
  local.tm_year = 2025 - 1900;
  local.tm_mon = 2;  // March
  local.tm_mday = 7;
  local.tm_hour = 9;
  local.tm_min = 5;
  local.tm_sec = 3;
  local.tm_isdst = -1;
  const auto t =
      std::chrono::system_clock::from_time_t(mktime(&local)) + std::chrono::milliseconds(42);
  EXPECT_EQ(RequestLogFileName(t, 7), "20250307_090503.042_00007.log");
  EXPECT_EQ(RequestLogFileName(t, 123456), "20250307_090503.042_123456.log");
}

TEST(PrettyJson, ReindentsWithTwoSpacesAndKeepsScalarsAsWritten) {
  EXPECT_EQ(PrettyJson(R"({"a":1,"b":[true,null,0.5e1],"c":{},"d":[ ],"e":"x,{:}\"y"})"),
            "{\n"
            "  \"a\": 1,\n"
            "  \"b\": [\n"
            "    true,\n"
            "    null,\n"
            "    0.5e1\n"
            "  ],\n"
            "  \"c\": {},\n"
            "  \"d\": [],\n"
            "  \"e\": \"x,{:}\\\"y\"\n"
            "}");
  EXPECT_EQ(PrettyJson("42"), "42");
  EXPECT_EQ(PrettyJson("not json"), "");
  EXPECT_EQ(PrettyJson(R"({"a":1} trailing)"), "");
  EXPECT_EQ(PrettyJson(""), "");
}

TEST(PrettyJson, AcceptsDeepNesting) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_THAT(PrettyJson(deep), StartsWith("[\n  [\n    ["));
}

proxy::ExchangeRecord StreamedRecord() {
  proxy::ExchangeRecord r;
  r.id = 3;
  r.account = "work";
  r.retry = 1;
  r.method = "POST";
  r.url = "https://api.anthropic.com/v1/messages?beta=true";
  r.upstream_request = true;
  r.request_headers = {
      {"host", "api.anthropic.com"}, {"content-type", "application/json"}, {"x-api-key", kApiKey}};
  r.request_body = R"({"model":"claude-sonnet-4-5","stream":true})";
  r.status = 200;
  r.response_headers = {{"content-type", "text/event-stream"}};
  r.body_kind = BodyKind::kStreamed;
  r.response_body = "event: message_start\ndata: {\"type\":\"message_start\"}\n\n";
  r.response_body_bytes = r.response_body.size();
  return r;
}

TEST(FormatRequestLog, StreamedRequestHasEverySectionInOrder) {
  const std::string text = FormatRequestLog(StreamedRecord());
  EXPECT_EQ(text,
            "=== REQUEST (account: work, retry: 1) ===\n"
            "POST https://api.anthropic.com/v1/messages?beta=true\n"
            "  host: api.anthropic.com\n"
            "  content-type: application/json\n"
            "  x-api-key: sk-ant-api03-Ab...\n"
            "\n"
            "=== REQUEST BODY ===\n"
            "{\n"
            "  \"model\": \"claude-sonnet-4-5\",\n"
            "  \"stream\": true\n"
            "}\n"
            "\n"
            "=== RESPONSE 200 ===\n"
            "  content-type: text/event-stream\n"
            "\n"
            "=== RESPONSE BODY (streamed) ===\n"
            "event: message_start\n"
            "data: {\"type\":\"message_start\"}\n"
            "\n");
  EXPECT_THAT(text, Not(HasSubstr(kApiKey)));
}

TEST(FormatRequestLog, CapturedStreamThatHitTheCapSaysSo) {
  proxy::ExchangeRecord r = StreamedRecord();
  r.response_body_bytes = r.response_body.size() + 1000;
  EXPECT_THAT(FormatRequestLog(r),
              HasSubstr(absl::StrCat("(truncated after ", r.response_body.size(), " bytes; ",
                                     r.response_body_bytes, " received)\n")));
}

TEST(FormatRequestLog, ErrorResponseIsAnnotatedAndItsBodyPrettyPrinted) {
  proxy::ExchangeRecord r = StreamedRecord();
  r.retry = 0;
  r.status = 429;
  r.note = "\"work\" rate-limited 30s";
  r.response_headers = {{"retry-after", "30"}};
  r.body_kind = BodyKind::kError;
  r.response_body = R"({"type":"error","error":{"type":"rate_limit_error"}})";
  r.response_body_bytes = r.response_body.size();
  r.client_status = 429;
  r.client_body = R"({"type":"error"})";
  const std::string text = FormatRequestLog(r);
  EXPECT_THAT(text, HasSubstr("\n\n=== RESPONSE 429 — \"work\" rate-limited 30s ===\n"
                              "  retry-after: 30\n"
                              "\n"
                              "=== ERROR BODY ===\n"
                              "{\n  \"type\": \"error\",\n  \"error\": {\n"));
  EXPECT_THAT(text, HasSubstr("\n\n=== MAXPOOL RESPONSE 429 ===\n{\n  \"type\": \"error\"\n}\n"));
}

TEST(FormatRequestLog, NonJsonBodiesShowTheirSizeAndTheirStart) {
  proxy::ExchangeRecord r = StreamedRecord();
  r.request_body = std::string(5000, 'q');
  r.body_kind = BodyKind::kBody;
  r.response_body = std::string(9000, 'r');
  r.response_body_bytes = r.response_body.size();
  const std::string text = FormatRequestLog(r);
  EXPECT_THAT(text, HasSubstr("=== REQUEST BODY (5000 bytes) ===\n" + std::string(4096, 'q') +
                              "\n(first 4096 bytes)\n"));
  EXPECT_THAT(text, HasSubstr("=== RESPONSE BODY (9000 bytes) ===\n" + std::string(8192, 'r') +
                              "\n(first 8192 bytes)\n"));
  EXPECT_THAT(text, Not(HasSubstr(std::string(4097, 'q'))));
}

TEST(FormatRequestLog, RequestBodyPrefixCountsCharactersNotBytes) {
  proxy::ExchangeRecord r = StreamedRecord();
  r.request_body = "";
  for (int i = 0; i < 5000; ++i) r.request_body += "é";  // 2 bytes each
  const std::string text = FormatRequestLog(r);
  std::string shown;
  for (int i = 0; i < 4096; ++i) shown += "é";
  EXPECT_THAT(text, HasSubstr("=== REQUEST BODY (10000 bytes) ===\n" + shown + "\n"));
}

TEST(FormatRequestLog, EmptyBodiesSayEmpty) {
  proxy::ExchangeRecord r = StreamedRecord();
  r.request_body.clear();
  r.body_kind = BodyKind::kBody;
  r.response_body.clear();
  r.response_body_bytes = 0;
  const std::string text = FormatRequestLog(r);
  EXPECT_THAT(text, HasSubstr("=== REQUEST BODY ===\n(empty)\n"));
  EXPECT_THAT(text, HasSubstr("=== RESPONSE BODY ===\n(empty)\n"));
}

TEST(FormatRequestLog, NoResponseGivesTheErrorAndTheClientsMaskedHeaders) {
  proxy::ExchangeRecord r;
  r.id = 1;
  r.account = "(none available)";
  r.method = "POST";
  r.url = "/v1/messages";
  r.upstream_request = false;
  r.request_headers = {{"Authorization", std::string("Bearer ") + kOAuthToken},
                       {"x-api-key", kApiKey}};
  r.error = "ECONNREFUSED";
  const std::string text = FormatRequestLog(r);
  EXPECT_THAT(text, StartsWith("=== REQUEST (account: (none available), retry: 0) ===\n"
                               "POST /v1/messages\n"));
  EXPECT_THAT(text, HasSubstr("  authorization: Bearer sk-ant-oat01-...\n"));  // lower case
  EXPECT_THAT(text, HasSubstr("  x-api-key: sk-ant-api03-Ab...\n"));
  EXPECT_THAT(text, Not(HasSubstr("=== RESPONSE")));
  EXPECT_THAT(text, HasSubstr("\n\n=== ERROR ===\nECONNREFUSED\n"));
  EXPECT_THAT(text, Not(HasSubstr(kOAuthToken)));
  EXPECT_THAT(text, Not(HasSubstr(kApiKey)));
}

// --- The writer --------------------------------------------------------------------------------

std::unique_ptr<proxy::ExchangeRecord> NewRecord(proxy::ExchangeSink& sink) {
  auto r = std::make_unique<proxy::ExchangeRecord>(StreamedRecord());
  r->id = sink.NextId();
  r->started = std::chrono::system_clock::now();
  return r;
}

class Lines {
 public:
  std::function<void(const std::string&)> Callback() {
    return [this](const std::string& line) {
      absl::MutexLock lock(&mu_);
      lines_.push_back(line);
    };
  }
  std::vector<std::string> Get() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_;
};

TEST(RequestFileLog, CreatesTheDirectoriesAndWritesOnePrivateFilePerRecord) {
  TempDir tmp;
  const std::filesystem::path dir = tmp.path() / "a" / "b";
  RequestFileLogOptions options;
  options.dir = dir;
  auto log = RequestFileLog::Open(options);
  ASSERT_TRUE(log.ok()) << log.status();
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700);
  ASSERT_EQ(::stat((tmp.path() / "a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700);

  auto record = NewRecord(**log);
  const std::string name = RequestLogFileName(record->started, record->id);
  (*log)->Submit(std::move(record));
  (*log)->Submit(NewRecord(**log));
  (*log)->Flush();

  EXPECT_EQ((*log)->stats().written, 2u);
  EXPECT_THAT(name, ::testing::EndsWith("_00001.log"));
  const std::filesystem::path file = dir / name;
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(ReadFile(file), FormatRequestLog(StreamedRecord()));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            2);
}

TEST(RequestFileLog, RefusesAPathThatIsAFile) {
  TempDir tmp;
  RequestFileLogOptions options;
  options.dir = tmp.Write("file", "x");
  auto log = RequestFileLog::Open(options);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(std::string(log.status().message()), HasSubstr("not a directory"));
}

TEST(RequestFileLog, AFullQueueDropsCountsAndReports) {
  TempDir tmp;
  Lines lines;
  RequestFileLogOptions options;
  options.dir = tmp.path();
  options.max_queued = 0;  // every record is dropped
  options.log = lines.Callback();
  {
    auto log = RequestFileLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 3; ++i) (*log)->Submit(NewRecord(**log));
    (*log)->Flush();
    EXPECT_EQ((*log)->stats().dropped, 3u);
    EXPECT_EQ((*log)->stats().written, 0u);
  }
  EXPECT_THAT(lines.Get(), ::testing::ElementsAre(HasSubstr("dropped 3 request(s)")));
  EXPECT_TRUE(tmp.Files().empty());
}

TEST(RequestFileLog, ABigRecordIsDroppedOnlyWhenOthersAreWaiting) {
  TempDir tmp;
  RequestFileLogOptions options;
  options.dir = tmp.path();
  options.max_queued_bytes = 1;  // any record is "big"
  auto log = RequestFileLog::Open(options);
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 0; i < 20; ++i) {
    (*log)->Submit(NewRecord(**log));
    (*log)->Flush();  // the queue is empty again: the next one is taken
  }
  EXPECT_EQ((*log)->stats().written, 20u);
  EXPECT_EQ((*log)->stats().dropped, 0u);
}

TEST(RequestFileLog, WriteFailuresAreReportedOnceAndSkipped) {
  TempDir tmp;
  Lines lines;
  RequestFileLogOptions options;
  options.dir = tmp.path();
  options.log = lines.Callback();
  {
    auto log = RequestFileLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status();
    // Something already has each file's name (root ignores modes, so not a read-only dir).
    std::vector<std::unique_ptr<proxy::ExchangeRecord>> records;
    for (int i = 0; i < 3; ++i) {
      records.push_back(NewRecord(**log));
      std::filesystem::create_directory(
          tmp.path() / RequestLogFileName(records.back()->started, records.back()->id));
    }
    for (auto& record : records) (*log)->Submit(std::move(record));
    (*log)->Submit(NewRecord(**log));  // this one has its name free
    (*log)->Flush();
    EXPECT_EQ((*log)->stats().failed, 3u);
    EXPECT_EQ((*log)->stats().written, 1u);
  }
  EXPECT_THAT(lines.Get(), ::testing::ElementsAre(HasSubstr("cannot create")));
}

}  // namespace
}  // namespace maxpool::logging
