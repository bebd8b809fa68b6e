// `maxpool run` with a fake `claude` (a shell script written by the test, found through
// MAXPOOL_CLAUDE_BIN or PATH) and `maxpool api` against the in-process fake upstream: the
// child's environment and arguments, exit codes passed through, the "install Claude Code" line,
// and the api request's method, credential headers, output and exit codes.

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "app/cli.h"
#include "app/env_command.h"
#include "app/run_command.h"
#include "fake/fake_upstream.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/env_lookup.h"
#include "support/temp_dir.h"

namespace maxpool::app {
namespace {

using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kUuidPattern[] =
    "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

Result RunCli(const std::vector<std::string>& args, std::map<std::string, std::string> vars) {
  std::ostringstream out, err;
  const int code = app::Run(args, ::maxpool::testing::EnvOver(vars), out, err);
  return {code, out.str(), err.str()};
}

// --- run ---------------------------------------------------------------------------------------

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.Write("maxpool.json", R"({"proxy": {"host": "0.0.0.0", "port": 4567}})");
    report_ = dir_.path() / "claude-report.txt";
  }

  // Writes an executable script `name` in the temp dir that records its environment and
  // arguments in report_, then runs `tail` (shell code).
  std::filesystem::path FakeClaude(const std::string& name, const std::string& tail) {
    const std::filesystem::path script =
        dir_.Write(name, absl::StrCat("#!/bin/sh\n",
                                      "{\n"
                                      "  printf 'BASE=%s\\n' \"$ANTHROPIC_BASE_URL\"\n"
                                      "  printf 'HEADERS=%s\\n' \"$ANTHROPIC_CUSTOM_HEADERS\"\n"
                                      "  printf 'KEEP=%s\\n' \"$MAXPOOL_TEST_KEEP\"\n"
                                      "  for a in \"$@\"; do printf 'ARG=%s\\n' \"$a\"; done\n"
                                      "} > '",
                                      report_.string(), "'\n", tail, "\n"));
    chmod(script.c_str(), 0755);
    return script;
  }

  std::map<std::string, std::string> Vars(const std::filesystem::path& claude) const {
    return {{"MAXPOOL_CONFIG", config_.string()}, {kClaudeBinEnv, claude.string()}};
  }

  TempDir dir_;
  std::filesystem::path config_;
  std::filesystem::path report_;
};

TEST_F(RunCommandTest, RunsClaudeThroughTheProxyAndPassesItsExitCode) {
  setenv("MAXPOOL_TEST_KEEP", "inherited", 1);
  const std::filesystem::path claude = FakeClaude("claude", "exit 7");
  const Result result = RunCli({"run", "--", "-p", "two words", "--help"}, Vars(claude));
  unsetenv("MAXPOOL_TEST_KEEP");
  EXPECT_EQ(result.code, 7);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "");
  const std::vector<std::string> lines = absl::StrSplit(ReadFile(report_), '\n');
  ASSERT_EQ(lines.size(), 7u) << ReadFile(report_);
  EXPECT_EQ(lines[0], "BASE=http://127.0.0.1:4567");
  EXPECT_THAT(lines[1], MatchesRegex(absl::StrCat("HEADERS=x-maxpool-session: ", kUuidPattern)));
  EXPECT_EQ(lines[2], "KEEP=inherited");  // the rest of the environment is inherited
  EXPECT_EQ(lines[3], "ARG=-p");
  EXPECT_EQ(lines[4], "ARG=two words");
  EXPECT_EQ(lines[5], "ARG=--help");
}

TEST_F(RunCommandTest, EachRunHasItsOwnSession) {
  const std::filesystem::path claude = FakeClaude("claude", "exit 0");
  ASSERT_EQ(RunCli({"run"}, Vars(claude)).code, 0);
  const std::string first = ReadFile(report_);
  ASSERT_EQ(RunCli({"run"}, Vars(claude)).code, 0);
  EXPECT_THAT(first, HasSubstr("x-maxpool-session: "));
  EXPECT_NE(ReadFile(report_), first);
}

TEST_F(RunCommandTest, AppendsTheSessionToExistingCustomHeaders) {
  const std::filesystem::path claude = FakeClaude("claude", "exit 0");
  std::map<std::string, std::string> vars = Vars(claude);
  vars[kCustomHeadersEnv] = "x-team: blue";
  ASSERT_EQ(RunCli({"run"}, vars).code, 0);
  EXPECT_THAT(ReadFile(report_),
              MatchesRegex(absl::StrCat("BASE=[^\n]*\nHEADERS=x-team: blue\nx-maxpool-session: ",
                                        kUuidPattern, "\n(.|\n)*")));
}

TEST(CustomHeadersTest, AppendOrKeepTheCallersSession) {
  EXPECT_EQ(CustomHeadersWithSession(std::nullopt, "s1"), "x-maxpool-session: s1");
  EXPECT_EQ(CustomHeadersWithSession("", "s1"), "x-maxpool-session: s1");
  EXPECT_EQ(CustomHeadersWithSession("a: 1", "s1"), "a: 1\nx-maxpool-session: s1");
  EXPECT_EQ(CustomHeadersWithSession("a: 1\n", "s1"), "a: 1\nx-maxpool-session: s1");
  EXPECT_EQ(CustomHeadersWithSession("a: 1\nX-Maxpool-Session: mine", "s1"),
            "a: 1\nX-Maxpool-Session: mine");
  EXPECT_THAT(NewSessionId(), MatchesRegex(kUuidPattern));
  EXPECT_NE(NewSessionId(), NewSessionId());
}

TEST_F(RunCommandTest, ASignalDeathIs128PlusTheSignal) {
  const std::filesystem::path claude = FakeClaude("claude", "kill -TERM $$");
  EXPECT_EQ(RunCli({"run"}, Vars(claude)).code, 128 + 15);
}

TEST_F(RunCommandTest, MissingClaudeSaysToInstallIt) {
  // The default program, `claude`, looked up on a PATH that does not have it.
  const char* old_path = getenv("PATH");
  const std::string saved = old_path == nullptr ? "" : old_path;
  setenv("PATH", dir_.path().c_str(), 1);
  const Result result = RunCli({"run"}, {{"MAXPOOL_CONFIG", config_.string()}});
  setenv("PATH", saved.c_str(), 1);
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_EQ(result.err,
            "maxpool: `claude` (Claude Code) is not installed or not on PATH; install it (npm "
            "install -g @anthropic-ai/claude-code) and try again\n");

  // And a MAXPOOL_CLAUDE_BIN that points nowhere.
  const Result overridden = RunCli({"run"}, Vars(dir_.path() / "no-such-claude"));
  EXPECT_EQ(overridden.code, kExitFailure);
  EXPECT_THAT(overridden.err, StartsWith("maxpool: MAXPOOL_CLAUDE_BIN="));
  EXPECT_THAT(overridden.err, HasSubstr(" was not found; "));
}

TEST_F(RunCommandTest, FindsClaudeOnPath) {
  FakeClaude("claude", "exit 3");
  const char* old_path = getenv("PATH");
  const std::string saved = old_path == nullptr ? "" : old_path;
  setenv("PATH", absl::StrCat(dir_.path().string(), ":/usr/bin:/bin").c_str(), 1);
  const Result result = RunCli({"run"}, {{"MAXPOOL_CONFIG", config_.string()}});
  setenv("PATH", saved.c_str(), 1);
  EXPECT_EQ(result.code, 3);
  EXPECT_THAT(ReadFile(report_), StartsWith("BASE=http://127.0.0.1:4567\n"));
}

TEST(ShellQuoteTest, PlainWordsStayQuotedOthers) {
  EXPECT_EQ(ShellQuote("http://127.0.0.1:3456"), "http://127.0.0.1:3456");
  EXPECT_EQ(ShellQuote("mp-AbC_9"), "mp-AbC_9");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("$(rm -rf ~)"), "'$(rm -rf ~)'");
}

// --- api ---------------------------------------------------------------------------------------

constexpr char kAlphaAccess[] = "sk-ant-oat01-api-test-alpha-000000000000000";
constexpr char kBetaKey[] = "sk-ant-api03-api-test-beta-0000000000000000";

class ApiCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<fake::FakeUpstream>> upstream =
        fake::FakeUpstream::Start(fake::FakeOptions());
    ASSERT_TRUE(upstream.ok()) << upstream.status();
    upstream_ = std::move(*upstream);
    fake::FakeAccountSpec alpha;
    alpha.credential = kAlphaAccess;
    alpha.type = fake::AccountType::kOAuth;
    ASSERT_TRUE(upstream_->AddAccount(alpha).ok());
    fake::FakeAccountSpec beta;
    beta.credential = kBetaKey;
    beta.type = fake::AccountType::kApiKey;
    ASSERT_TRUE(upstream_->AddAccount(beta).ok());
    config_ = dir_.Write(
        "maxpool.json",
        absl::StrCat(R"({"upstream": ")", upstream_->base_url(),
                     R"(/", "eventLog": false, "accounts": [{"name": "alpha", "type": "oauth", )",
                     R"("accessToken": ")", kAlphaAccess,
                     R"("}, {"name": "beta", "type": "apikey", "apiKey": ")", kBetaKey,
                     R"("}, {"name": "gone", "type": "apikey", "apiKey": "sk-ant-api03-unknown-)",
                     R"(000000000000000000000", "upstream": "http://127.0.0.1:1"}]})"));
  }
  void TearDown() override {
    if (upstream_) upstream_->Stop();
  }

  Result Api(std::vector<std::string> args) {
    args.insert(args.begin(), "api");
    return RunCli(args, {{"MAXPOOL_CONFIG", config_.string()}});
  }

  // The secrets never appear in what the command prints.
  static void ExpectNoSecret(const Result& result) {
    for (const std::string_view secret : {kAlphaAccess, kBetaKey}) {
      EXPECT_THAT(result.out, Not(HasSubstr(secret)));
      EXPECT_THAT(result.err, Not(HasSubstr(secret)));
    }
  }

  TempDir dir_;
  std::filesystem::path config_;
  std::unique_ptr<fake::FakeUpstream> upstream_;
};

TEST_F(ApiCommandTest, OAuthAccountGetsBearerAndTheBeta) {
  const Result result = Api({"/v1/models"});  // the first account by default
  ASSERT_EQ(result.code, kExitOk) << result.err;
  EXPECT_THAT(result.err, StartsWith(absl::StrCat("GET ", upstream_->base_url(),
                                                  "/v1/models as \"alpha\" (oauth)\nHTTP 200\n")));
  EXPECT_THAT(result.err, HasSubstr("\nrequest-id: "));
  EXPECT_THAT(result.out, StartsWith("{"));
  EXPECT_THAT(result.out, HasSubstr("\"data\""));
  ExpectNoSecret(result);

  const std::vector<fake::RecordedRequest> requests = upstream_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/v1/models");
  EXPECT_EQ(requests[0].Header("authorization"), absl::StrCat("Bearer ", kAlphaAccess));
  EXPECT_EQ(requests[0].Header("anthropic-beta"), "oauth-2025-04-20");
  EXPECT_EQ(requests[0].Header("anthropic-version"), "2023-06-01");
  EXPECT_EQ(requests[0].Header("x-api-key"), std::nullopt);
}

TEST_F(ApiCommandTest, ApiKeyAccountByNumberPostsData) {
  const Result result = Api(
      {"/v1/messages", "--account", "2", "--data",
       R"({"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]})"});
  ASSERT_EQ(result.code, kExitOk) << result.err;
  EXPECT_THAT(result.err,
              StartsWith(absl::StrCat("POST ", upstream_->base_url(),
                                      "/v1/messages as \"beta\" (apikey)\nHTTP 200\n")));
  EXPECT_THAT(result.out, HasSubstr(R"("type":"message")"));
  ExpectNoSecret(result);
  const std::vector<fake::RecordedRequest> requests = upstream_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].Header("x-api-key"), kBetaKey);
  EXPECT_EQ(requests[0].Header("authorization"), std::nullopt);
  EXPECT_EQ(requests[0].Header("content-type"), "application/json");
  EXPECT_THAT(requests[0].body, HasSubstr("claude-sonnet-4-5"));
}

TEST_F(ApiCommandTest, NonSuccessExitsOneWithTheBody) {
  Result result = Api({"/v1/nowhere", "--account", "beta"});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_THAT(result.err, HasSubstr("\nHTTP 404\n"));
  EXPECT_THAT(result.out, HasSubstr("not_found_error"));

  result = Api({"/v1/models", "--account", "beta", "--method", "delete"});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_THAT(result.err, StartsWith("DELETE "));
  EXPECT_THAT(result.err, HasSubstr("\nHTTP 405\n"));
  ExpectNoSecret(result);
  ASSERT_FALSE(upstream_->Requests().empty());
  EXPECT_EQ(upstream_->Requests().back().method, "DELETE");
}

TEST_F(ApiCommandTest, UnknownAccountAndUnreachableUpstream) {
  Result result = Api({"/v1/models", "--account", "zeta"});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_EQ(result.err,
            "maxpool: no account \"zeta\" in the config; its accounts are: \"alpha\", \"beta\", "
            "\"gone\"\n");
  EXPECT_EQ(result.out, "");

  result = Api({"/v1/models", "--account", "gone"});  // its own upstream: a closed port
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_THAT(result.err, HasSubstr("\nmaxpool: GET http://127.0.0.1:1/v1/models"));
  EXPECT_THAT(result.err, HasSubstr("ECONNREFUSED"));
  EXPECT_THAT(result.err, Not(HasSubstr("sk-ant-api03-unknown")));
  EXPECT_EQ(result.out, "");
}

TEST_F(ApiCommandTest, NeedsAConfigFile) {
  const Result result =
      RunCli({"api", "/v1/models"}, {{"MAXPOOL_CONFIG", (dir_.path() / "none.json").string()}});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_EQ(result.err, absl::StrCat("maxpool: ", (dir_.path() / "none.json").string(),
                                     " does not exist; add an account with `maxpool login` (or "
                                     "pass --config PATH)\n"));
}

}  // namespace
}  // namespace maxpool::app
