// `maxpool server --log-to DIR` end to end (spec §11.1): the real proxy and pool in front of the
// fake upstream, with the request files written by the real writer. One file per request, named
// by time and id; the final hop's account and the hops before it; the bodies in full; and the
// injected credentials masked in every file.

#include "logging/request_file_log.h"

#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fake/behaviour.h"
#include "fake/test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/proxy_harness.h"
#include "support/temp_dir.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::ProxyHarness;
using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Long, realistic credentials: the masked prefix is a strict prefix of each.
const std::string kKeyA = "sk-ant-api03-" + std::string(80, 'k') + "-A";
const std::string kTokenB = "sk-ant-oat01-" + std::string(80, 't') + "-B";
const std::string kClientKey = "sk-ant-api03-client-" + std::string(40, 'c');

class RequestFileLogTest : public ::testing::Test {
 protected:
  // Starts the proxy with API-key account A (x-api-key) and OAuth account B (Bearer), in that
  // order of preference, writing request files to dir_. Without `hold`, a request no account can
  // take is refused at once.
  void Start(bool hold = true) {
    ProxyHarness::Options harness_options = ProxyHarness::DefaultOptions();
    harness_options.pool.queue.enabled = hold;
    harness_ = std::make_unique<ProxyHarness>(harness_options);
    ProxyHarness& harness = *harness_;
    logging::RequestFileLogOptions options;
    options.dir = dir_.path() / "requests";
    auto log = logging::RequestFileLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *log;
    harness.proxy_options().request_sink = log_;
    fake::FakeAccountSpec a;
    a.type = fake::AccountType::kApiKey;
    a.credential = kKeyA;
    harness.AddAccount("A", a);
    fake::FakeAccountSpec b;
    b.type = fake::AccountType::kOAuth;
    b.credential = kTokenB;
    harness.AddAccount("B", b, /*priority=*/1);  // lower is preferred
    harness.Start();
  }

  // The request files once `n` have been written, by name.
  std::vector<std::filesystem::path> Files(size_t n) {
    EXPECT_TRUE(Eventually([&] { return log_->stats().written >= n; }))
        << "written: " << log_->stats().written;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "requests")) {
      files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    EXPECT_EQ(files.size(), n);
    return files;
  }

  // Every file: the full credentials never appear, and nothing was dropped or failed.
  void ExpectNoSecrets() {
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "requests")) {
      const std::string text = ReadFile(entry.path());
      EXPECT_THAT(text, Not(HasSubstr(kKeyA))) << entry.path();
      EXPECT_THAT(text, Not(HasSubstr(kTokenB))) << entry.path();
      EXPECT_THAT(text, Not(HasSubstr(kClientKey))) << entry.path();
    }
    EXPECT_EQ(log_->stats().dropped, 0u);
    EXPECT_EQ(log_->stats().failed, 0u);
  }

  void Script(const std::string& credential, std::vector<fake::Behaviour> script) {
    ASSERT_TRUE(harness_->upstream().Script(credential, std::move(script)).ok());
  }

  ProxyHarness& h() { return *harness_; }

  TempDir dir_;
  std::unique_ptr<ProxyHarness> harness_;
  std::shared_ptr<logging::RequestFileLog> log_;
};

TEST_F(RequestFileLogTest, JsonRequestIsLoggedWithItsPrettyBodiesAndAMaskedApiKey) {
  Start();
  const fake::HttpResponse response = h().Post(/*stream=*/false, {{"x-api-key", kClientKey}});
  ASSERT_EQ(response.status, 200);
  ASSERT_EQ(response.Header("x-maxpool-account"), "A");

  const std::vector<std::filesystem::path> files = Files(1);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(std::regex_match(files[0].filename().string(),
                               std::regex(R"(\d{8}_\d{6}\.\d{3}_00001\.log)")))
      << files[0];
  const std::string text = ReadFile(files[0]);
  EXPECT_THAT(text, StartsWith(absl::StrCat("=== REQUEST (account: A, retry: 0) ===\nPOST ",
                                            h().upstream().base_url(), "/v1/messages\n")));
  // The injected key, masked to the spec's 15 characters; the client's own key never goes
  // upstream, so it is not in the upstream-bound headers at all.
  EXPECT_THAT(text, HasSubstr("\n  x-api-key: sk-ant-api03-kk...\n"));
  EXPECT_THAT(text, HasSubstr("\n  anthropic-version: 2023-06-01\n"));
  EXPECT_THAT(text, HasSubstr("\n\n=== REQUEST BODY ===\n{\n  \"model\": \"claude-sonnet-4-5\",\n"
                              "  \"max_tokens\": 256,\n  \"stream\": false,\n"));
  EXPECT_THAT(text, HasSubstr("\n\n=== RESPONSE 200 ===\n"));
  EXPECT_THAT(text, HasSubstr("\n  content-type: application/json"));
  EXPECT_THAT(text, HasSubstr("\n\n=== RESPONSE BODY ===\n{\n"));
  EXPECT_THAT(text, HasSubstr("\"type\": \"message\""));
  EXPECT_THAT(text, Not(HasSubstr("=== ERROR")));
  ExpectNoSecrets();
}

TEST_F(RequestFileLogTest, StreamedRequestKeepsTheWholeSseTextAndAMaskedBearer) {
  Start();
  Script(kKeyA, {fake::Behaviour::Of(fake::BehaviourKind::kQuota429)});  // A out: B serves
  ASSERT_EQ(h().Post(false).status, 200);                                // (the failover)
  const fake::HttpResponse response = h().Post(/*stream=*/true);
  ASSERT_EQ(response.status, 200);
  ASSERT_EQ(response.Header("x-maxpool-account"), "B");
  ASSERT_THAT(response.body, HasSubstr("event: message_stop"));

  const std::vector<std::filesystem::path> files = Files(2);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_THAT(files[1].filename().string(), ::testing::EndsWith("_00002.log"));
  const std::string text = ReadFile(files[1]);
  EXPECT_THAT(text, StartsWith("=== REQUEST (account: B, retry: 0) ===\n"));
  EXPECT_THAT(text, HasSubstr("\n  authorization: Bearer sk-ant-oat01-...\n"));
  EXPECT_THAT(text, HasSubstr("\n  anthropic-beta: oauth-2025-04-20"));
  EXPECT_THAT(text, HasSubstr("\"stream\": true"));
  EXPECT_THAT(text, HasSubstr("\n\n=== RESPONSE 200 ===\n"));
  EXPECT_THAT(text, HasSubstr("\n  content-type: text/event-stream"));
  // Exactly what the client got, every event.
  EXPECT_THAT(text, HasSubstr("\n\n=== RESPONSE BODY (streamed) ===\n" + response.body));
  EXPECT_THAT(text, Not(HasSubstr("truncated")));
  ExpectNoSecrets();
}

TEST_F(RequestFileLogTest, FailoverWritesOnlyTheFinalHopWithItsRetryCount) {
  Start();
  Script(kKeyA, {fake::Behaviour::Of(fake::BehaviourKind::kQuota429)});
  const fake::HttpResponse response = h().Post(/*stream=*/false);
  ASSERT_EQ(response.status, 200);
  ASSERT_EQ(response.Header("x-maxpool-account"), "B");
  ASSERT_EQ(h().upstream().Requests().size(), 2u);  // A (429), then B

  const std::vector<std::filesystem::path> files = Files(1);
  ASSERT_EQ(files.size(), 1u);
  const std::string text = ReadFile(files[0]);
  EXPECT_THAT(text, StartsWith("=== REQUEST (account: B, retry: 1) ===\n"));
  EXPECT_THAT(text, HasSubstr("\n  authorization: Bearer sk-ant-oat01-...\n"));
  // A's hop is gone: not its key, not its 429.
  EXPECT_THAT(text, Not(HasSubstr("x-api-key")));
  EXPECT_THAT(text, Not(HasSubstr("=== RESPONSE 429")));
  EXPECT_THAT(text, Not(HasSubstr("=== ERROR BODY")));
  EXPECT_THAT(text, HasSubstr("\n\n=== RESPONSE 200 ===\n"));
  EXPECT_THAT(text, HasSubstr("\"type\": \"message\""));
  ExpectNoSecrets();
}

TEST_F(RequestFileLogTest, LastAccountRefusingIsAnnotatedWithItsErrorBody) {
  Start(/*hold=*/false);
  Script(kKeyA, {fake::Behaviour::Of(fake::BehaviourKind::kQuota429)});
  Script(kTokenB, {fake::Behaviour::Of(fake::BehaviourKind::kQuota429)});
  const fake::HttpResponse response = h().Post(/*stream=*/false);
  ASSERT_EQ(response.status, 429);

  const std::vector<std::filesystem::path> files = Files(1);
  ASSERT_EQ(files.size(), 1u);
  const std::string text = ReadFile(files[0]);
  EXPECT_THAT(text, StartsWith("=== REQUEST (account: B, retry: 1) ===\n"));
  EXPECT_THAT(text, HasSubstr("\n\n=== RESPONSE 429 — \"B\" quota-rejected "));
  EXPECT_THAT(text, HasSubstr("\n\n=== ERROR BODY ===\n{\n"));
  EXPECT_THAT(text, HasSubstr("rate_limit_error"));
  ExpectNoSecrets();
}

TEST_F(RequestFileLogTest, ARequestNoAccountCouldTakeShowsTheClientsMaskedHeaders) {
  Start(/*hold=*/false);
  Script(kKeyA, {fake::Behaviour::Of(fake::BehaviourKind::kQuota429)});
  Script(kTokenB, {fake::Behaviour::Of(fake::BehaviourKind::kQuota429)});
  ASSERT_EQ(h().Post(false).status, 429);  // both benched until their reset
  const fake::HttpResponse response = h().Post(/*stream=*/false, {{"x-api-key", kClientKey}});
  ASSERT_EQ(response.status, 429);
  EXPECT_EQ(h().upstream().Requests().size(), 2u);  // nothing sent for the second request

  const std::vector<std::filesystem::path> files = Files(2);
  ASSERT_EQ(files.size(), 2u);
  const std::string text = ReadFile(files[1]);
  EXPECT_THAT(text, StartsWith("=== REQUEST (account: (none available), retry: 0) ===\n"
                               "POST /v1/messages\n"));
  EXPECT_THAT(text, HasSubstr("\n  x-api-key: sk-ant-api03-cl...\n"));
  EXPECT_THAT(text, Not(HasSubstr("=== RESPONSE 429")));
  EXPECT_THAT(text, HasSubstr("\n\n=== MAXPOOL RESPONSE 429 ===\n{\n"));
  ExpectNoSecrets();
}

TEST(RequestFileLogOff, NoSinkNoFiles) {
  // The default: nothing is captured (the exchange's hooks are behind a null check).
  ProxyHarness h;
  EXPECT_EQ(h.proxy_options().request_sink, nullptr);
  h.AddAccount("A");
  h.Start();
  EXPECT_EQ(h.Post(false).status, 200);
}

}  // namespace
}  // namespace maxpool
