#include "credentials/claude_code_credentials.h"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/env_lookup.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace maxpool::credentials {
namespace {

using ::maxpool::testing::EnvFrom;

namespace fs = std::filesystem;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::maxpool::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAccess[] = "sk-ant-oat01-ImportedAccess_0123456789";
constexpr char kRefresh[] = "sk-ant-ort01-ImportedRefresh_9876543210";
constexpr char kHint[] = "run `claude` and log in first";
const fs::path kPath = "/home/me/.claude/.credentials.json";

// Wire §5.3 "Local credential file".
std::string FullFile() {
  return std::string(R"({"claudeAiOauth":{"accessToken":")") + kAccess + R"(","refreshToken":")" +
         kRefresh +
         R"(","expiresAt":1754000000000,"scopes":["user:inference","user:profile",)"
         R"("user:sessions:claude_code"],"subscriptionType":"max",)"
         R"("rateLimitTier":"default_claude_max_5x"},"mcpOAuth":{}})";
}

// Every error says where and what to do, and never leaks a token.
::testing::Matcher<std::string> GoodErrorText(std::string_view field) {
  return AllOf(HasSubstr(kPath.string()), HasSubstr(std::string(field)), HasSubstr(kHint),
               Not(HasSubstr("ImportedAccess")), Not(HasSubstr("ImportedRefresh")));
}

TEST(DefaultClaudeCodeCredentialsPath, ClaudeConfigDirWins) {
  EXPECT_EQ(DefaultClaudeCodeCredentialsPath(
                EnvFrom({{"CLAUDE_CONFIG_DIR", "/cfg/claude"}, {"HOME", "/home/me"}})),
            fs::path("/cfg/claude/.credentials.json"));
}

TEST(DefaultClaudeCodeCredentialsPath, HomeOtherwise) {
  EXPECT_EQ(DefaultClaudeCodeCredentialsPath(EnvFrom({{"HOME", "/home/me"}})),
            fs::path("/home/me/.claude/.credentials.json"));
  EXPECT_EQ(
      DefaultClaudeCodeCredentialsPath(EnvFrom({{"CLAUDE_CONFIG_DIR", ""}, {"HOME", "/home/me"}})),
      fs::path("/home/me/.claude/.credentials.json"));
}

TEST(DefaultClaudeCodeCredentialsPath, RelativeWithoutHome) {
  EXPECT_EQ(DefaultClaudeCodeCredentialsPath(EnvFrom({})), fs::path(".claude/.credentials.json"));
}

TEST(ParseClaudeCodeCredentials, FullFile) {
  absl::StatusOr<ImportedCredentials> imported = ParseClaudeCodeCredentials(FullFile(), kPath);
  ASSERT_THAT(imported, IsOk());
  EXPECT_EQ(imported->tokens.access_token, kAccess);
  EXPECT_EQ(imported->tokens.refresh_token, kRefresh);
  EXPECT_EQ(imported->tokens.expires_at_ms, 1'754'000'000'000);
  EXPECT_EQ(imported->scopes, (std::vector<std::string>{"user:inference", "user:profile",
                                                        "user:sessions:claude_code"}));
  EXPECT_EQ(imported->subscription_type, "max");
  EXPECT_EQ(imported->rate_limit_tier, "default_claude_max_5x");
}

TEST(ParseClaudeCodeCredentials, OptionalFieldsMayBeAbsentOrNull) {
  absl::StatusOr<ImportedCredentials> imported = ParseClaudeCodeCredentials(
      R"({"claudeAiOauth":{"accessToken":"a","refreshToken":"r","subscriptionType":null}})", kPath);
  ASSERT_THAT(imported, IsOk());
  EXPECT_EQ(imported->tokens.expires_at_ms, 0);  // unknown
  EXPECT_TRUE(imported->scopes.empty());
  EXPECT_EQ(imported->subscription_type, "");
  EXPECT_EQ(imported->rate_limit_tier, "");
}

TEST(ParseClaudeCodeCredentials, ExpiresAtInSecondsIsNormalized) {
  absl::StatusOr<ImportedCredentials> imported = ParseClaudeCodeCredentials(
      R"({"claudeAiOauth":{"accessToken":"a","refreshToken":"r","expiresAt":1754000000}})", kPath);
  ASSERT_THAT(imported, IsOk());
  EXPECT_EQ(imported->tokens.expires_at_ms, 1'754'000'000'000);
}

TEST(ParseClaudeCodeCredentials, EscapedTokensAreDecoded) {
  absl::StatusOr<ImportedCredentials> imported = ParseClaudeCodeCredentials(
      R"({"claudeAiOauth":{"accessToken":"a\u002db\\c","refreshToken":"r\"1"}})", kPath);
  ASSERT_THAT(imported, IsOk());
  EXPECT_EQ(imported->tokens.access_token, "a-b\\c");
  EXPECT_EQ(imported->tokens.refresh_token, "r\"1");
}

TEST(ParseClaudeCodeCredentials, NoOAuthLogin) {
  for (std::string_view text :
       {"{}", R"({"claudeAiOauth":null})", R"({"mcpOAuth":{"x":{"accessToken":"t"}}})"}) {
    EXPECT_THAT(ParseClaudeCodeCredentials(text, kPath),
                StatusIs(absl::StatusCode::kFailedPrecondition, GoodErrorText("claudeAiOauth")))
        << text;
  }
}

TEST(ParseClaudeCodeCredentials, MissingTokensAreNamed) {
  EXPECT_THAT(
      ParseClaudeCodeCredentials(
          std::string(R"({"claudeAiOauth":{"refreshToken":")") + kRefresh + R"("}})", kPath),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               GoodErrorText("claudeAiOauth.accessToken is missing")));
  EXPECT_THAT(ParseClaudeCodeCredentials(std::string(R"({"claudeAiOauth":{"accessToken":")") +
                                             kAccess + R"(","refreshToken":""}})",
                                         kPath),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       GoodErrorText("claudeAiOauth.refreshToken is missing")));
}

TEST(ParseClaudeCodeCredentials, WrongKindsAreNamedWithoutValues) {
  const std::string tokens =
      std::string(R"("accessToken":")") + kAccess + R"(","refreshToken":")" + kRefresh + R"(")";
  struct Case {
    std::string text;
    std::string field;
  };
  const Case cases[] = {
      {R"({"claudeAiOauth":")" + std::string(kAccess) + R"("})", "claudeAiOauth is a string"},
      {R"({"claudeAiOauth":{"accessToken":["sk-ant-oat01-ImportedAccess_0123456789"]}})",
       "claudeAiOauth.accessToken is an array"},
      {R"({"claudeAiOauth":{)" + tokens + R"(,"expiresAt":"1754000000000"}})",
       "claudeAiOauth.expiresAt is a string"},
      {R"({"claudeAiOauth":{)" + tokens + R"(,"scopes":"user:inference"}})",
       "claudeAiOauth.scopes is a string"},
      {R"({"claudeAiOauth":{)" + tokens + R"(,"scopes":["user:inference",7]}})",
       "claudeAiOauth.scopes holds a number"},
      {R"({"claudeAiOauth":{)" + tokens + R"(,"subscriptionType":1}})",
       "claudeAiOauth.subscriptionType is a number"},
      {R"({"claudeAiOauth":{)" + tokens + R"(,"rateLimitTier":false}})",
       "claudeAiOauth.rateLimitTier is a boolean"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseClaudeCodeCredentials(c.text, kPath),
                StatusIs(absl::StatusCode::kInvalidArgument, GoodErrorText(c.field)))
        << c.text;
  }
}

TEST(ParseClaudeCodeCredentials, InvalidJsonNeverEchoesTheText) {
  const std::string broken = std::string(R"({"claudeAiOauth":{"accessToken":")") + kAccess +
                             R"(","refreshToken":")" + kRefresh + R"(",}})";
  EXPECT_THAT(ParseClaudeCodeCredentials(broken, kPath),
              StatusIs(absl::StatusCode::kInvalidArgument, GoodErrorText("not valid JSON")));
  EXPECT_THAT(ParseClaudeCodeCredentials(std::string("\"") + kAccess + "\"", kPath),
              StatusIs(absl::StatusCode::kInvalidArgument, GoodErrorText("a JSON object")));
}

TEST(ParseClaudeCodeCredentials, ScopesWithoutInferenceAreRefused) {
  EXPECT_THAT(
      ParseClaudeCodeCredentials(
          R"({"claudeAiOauth":{"accessToken":"a","refreshToken":"r","scopes":["user:profile"]}})",
          kPath),
      StatusIs(absl::StatusCode::kFailedPrecondition, GoodErrorText("user:inference")));
}

TEST(ReadClaudeCodeCredentials, ReadsTheFile) {
  TempDir dir;
  const fs::path path = dir.Write(".credentials.json", FullFile());
  absl::StatusOr<ImportedCredentials> imported = ReadClaudeCodeCredentials(path);
  ASSERT_THAT(imported, IsOk());
  EXPECT_EQ(imported->tokens.refresh_token, kRefresh);
}

TEST(ReadClaudeCodeCredentials, MissingFileIsNotFoundWithThePathAndTheHint) {
  TempDir dir;
  const fs::path path = dir.path() / ".credentials.json";
  EXPECT_THAT(ReadClaudeCodeCredentials(path),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr(path.string()), HasSubstr("not found"), HasSubstr(kHint))));
}

TEST(ReadClaudeCodeCredentials, ParseErrorsNameTheRealPath) {
  TempDir dir;
  const fs::path path = dir.Write(".credentials.json", R"({"claudeAiOauth":{}})");
  EXPECT_THAT(ReadClaudeCodeCredentials(path),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(path.string()), HasSubstr("accessToken"))));
}

TEST(ReadClaudeCodeCredentials, DirectoryIsRefused) {
  TempDir dir;
  EXPECT_THAT(ReadClaudeCodeCredentials(dir.path()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a regular file")));
}

TEST(ReadClaudeCodeCredentials, OversizedFileIsRefused) {
  TempDir dir;
  const fs::path path = dir.Write("big.json", std::string((1 << 20) + 10, ' '));
  EXPECT_THAT(ReadClaudeCodeCredentials(path),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("1 MiB")));
}

TEST(ReadClaudeCodeCredentials, UnreadableFileIsPermissionDenied) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads files regardless of their mode";
  TempDir dir;
  const fs::path path = dir.Write(".credentials.json", FullFile());
  fs::permissions(path, fs::perms::none);
  EXPECT_THAT(ReadClaudeCodeCredentials(path),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr(path.string())));
}

}  // namespace
}  // namespace maxpool::credentials
