// End to end: the built `maxpool` binary checking config files (spec §0.3 load rules, §15
// scenario 68). Runs the real process through /bin/sh with its output captured in files.

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

#ifndef MAXPOOL_BIN
#error "MAXPOOL_BIN must name the built maxpool binary"
#endif

namespace {

namespace fs = std::filesystem;
using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;
using ::maxpool::testing::TestDataPath;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `maxpool <args>` with `env_prefix` (e.g. "MAXPOOL_CONFIG=x") in a clean HOME.
Result RunMaxpool(const TempDir& dir, const std::string& args, const std::string& env_prefix = "") {
  const fs::path out = dir.path() / "stdout.txt";
  const fs::path err = dir.path() / "stderr.txt";
  const std::string command =
      absl::StrCat("env -u MAXPOOL_CONFIG -u TEAMCLAUDE_CONFIG -u XDG_CONFIG_HOME HOME=",
                   ShellQuote(dir.path().string()), " ", env_prefix, " ", ShellQuote(MAXPOOL_BIN),
                   " ", args, " >", ShellQuote(out.string()), " 2>", ShellQuote(err.string()));
  const int status = std::system(command.c_str());
  Result result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

std::string ReferenceText() { return ReadFile(TestDataPath("config", "reference.json")); }

int LineCount(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

TEST(ConfigCheckE2E, WrongTypeExitsTwoWithOneLineNamingFileAndKeyPath) {
  TempDir dir;
  const std::string text = R"({"accounts": [{"name": "a", "type": "oauth",
      "accessToken": "sk-ant-oat01-E2ESECRET"}], "scheduler": {"cooldownMs": "30s"}})";
  const fs::path path = dir.Write("maxpool.json", text);
  const Result result = RunMaxpool(dir, "config check --config " + ShellQuote(path.string()));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.out, IsEmpty());
  EXPECT_EQ(result.err, absl::StrCat("maxpool: ", path.string(),
                                     ": scheduler.cooldownMs: expected a number, got a string\n"));
  EXPECT_EQ(ReadFile(path), text);
}

// The server refuses a logDir that is a file; config check says so first, in the same words.
TEST(ConfigCheckE2E, ALogDirThatIsAFileIsRefusedAsTheServerWould) {
  TempDir dir;
  const fs::path file = dir.Write("requests", "a file, not a directory");
  const fs::path path = dir.Write(
      "maxpool.json", absl::StrCat(R"({"logDir": ")", file.string(), R"(", "accounts": []})"));
  const Result result = RunMaxpool(dir, "config check --config " + ShellQuote(path.string()));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err,
              HasSubstr(absl::StrCat("logDir ", file.string(), ": is not a directory")));
}

// A key pasted where a name belongs, or typed as an argument, is never echoed back.
TEST(ConfigCheckE2E, SecretsInKeyNamesAndArgumentsAreNotEchoed) {
  TempDir dir;
  const fs::path path = dir.Write(
      "maxpool.json", R"({"sk-ant-api03-E2ESECRETPASTEDASAKEYNAME0000": 1, "accounts": []})");
  const Result check = RunMaxpool(dir, "config check --config " + ShellQuote(path.string()));
  EXPECT_EQ(check.exit_code, 0);
  EXPECT_THAT(check.out,
              HasSubstr("(a name that looks like a credential, not shown): unknown key"));
  EXPECT_THAT(check.out + check.err, ::testing::Not(HasSubstr("E2ESECRET")));
  const Result typed = RunMaxpool(dir, "login sk-ant-api03-E2ESECRETTYPEDASANARGUMENT");
  EXPECT_EQ(typed.exit_code, 2);
  EXPECT_THAT(typed.out + typed.err, ::testing::Not(HasSubstr("E2ESECRET")));
}

// Spec §15 scenario 68, through the binary.
TEST(ConfigCheckE2E, InvalidJsonExitsTwoNamingThePathAndLeavesTheFile) {
  TempDir dir;
  const std::string text = "{\n  \"proxy\": {\"apiKey\": \"mp-E2ESECRET\",}\n}\n";
  const fs::path path = dir.Write("maxpool.json", text);
  const Result result =
      RunMaxpool(dir, "config check", "MAXPOOL_CONFIG=" + ShellQuote(path.string()));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.out, IsEmpty());
  EXPECT_THAT(result.err, StartsWith(absl::StrCat("maxpool: ", path.string(), ":2:")));
  EXPECT_EQ(LineCount(result.err), 1);
  EXPECT_THAT(result.err, ::testing::Not(HasSubstr("E2ESECRET")));
  EXPECT_EQ(ReadFile(path), text);
}

TEST(ConfigCheckE2E, ReferenceConfigExitsZeroAndListsWarnings) {
  TempDir dir;
  const std::string text = ReferenceText();
  const fs::path path = dir.Write("maxpool.json", text);
  const Result result = RunMaxpool(dir, "config check --config=" + ShellQuote(path.string()));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, IsEmpty());
  EXPECT_THAT(result.out, StartsWith(absl::StrCat("config: ", path.string(), "\naccounts: 3\n")));
  EXPECT_THAT(result.out, HasSubstr("warning: scheduler.experimentalKnob: unknown key"));
  EXPECT_THAT(result.out, ::testing::Not(HasSubstr("REFERENCE")));  // no token printed
  EXPECT_EQ(ReadFile(path), text);
}

TEST(ConfigCheckE2E, MissingFileExitsTwoWithOneLine) {
  TempDir dir;
  const Result result = RunMaxpool(dir, "config check");  // HOME/.config/maxpool.json
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            absl::StrCat("maxpool: ", (dir.path() / ".config" / "maxpool.json").string(),
                         ": no such file\n"));
  EXPECT_FALSE(fs::exists(dir.path() / ".config"));  // never created
}

// Spec §0.2: the legacy teamclaude.json is found in place.
TEST(ConfigCheckE2E, ConfigPathPrintsTheResolvedPath) {
  TempDir dir;
  fs::create_directories(dir.path() / "xdg");
  dir.Write("xdg/teamclaude.json", "{}");
  Result result = RunMaxpool(dir, "config path",
                             "XDG_CONFIG_HOME=" + ShellQuote((dir.path() / "xdg").string()));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, (dir.path() / "xdg" / "teamclaude.json").string() + "\n");
  result = RunMaxpool(dir, "config path --config /etc/mp.json");
  EXPECT_EQ(result.out, "/etc/mp.json\n");
}

TEST(ConfigCheckE2E, HelpExitsZeroAndUnknownCommandExitsTwo) {
  TempDir dir;
  Result result = RunMaxpool(dir, "--help");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, StartsWith("usage: maxpool"));
  result = RunMaxpool(dir, "help");
  EXPECT_EQ(result.exit_code, 0);
  result = RunMaxpool(dir, "frobnicate");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.out, IsEmpty());
  EXPECT_THAT(result.err, HasSubstr("unknown command \"frobnicate\""));
  EXPECT_THAT(result.err, HasSubstr("usage: maxpool"));
  result = RunMaxpool(dir, "config check --bogus");
  EXPECT_EQ(result.exit_code, 2);
}

}  // namespace
