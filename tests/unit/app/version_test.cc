// `maxpool --version` and `maxpool version`: one line with the version, the commit the binary was
// built from and the build type, which bug reports and deployment checks quote.

#include "app/version.h"

#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "app/cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maxpool::app {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result RunCli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = Run(
      args, [](std::string_view) { return std::optional<std::string>(); }, out, err);
  return {code, out.str(), err.str()};
}

TEST(VersionTest, BothSpellingsPrintTheSameSingleLine) {
  const Result flag = RunCli({"--version"});
  const Result word = RunCli({"version"});
  EXPECT_EQ(flag.code, kExitOk);
  EXPECT_EQ(word.code, kExitOk);
  EXPECT_EQ(flag.out, VersionLine() + "\n");
  EXPECT_EQ(word.out, flag.out);
  EXPECT_EQ(flag.err, "");
  EXPECT_EQ(word.err, "");
}

TEST(VersionTest, LineNamesVersionCommitAndBuildType) {
  const BuildInfo info = GetBuildInfo();
  EXPECT_TRUE(std::regex_match(std::string(info.version), std::regex(R"(\d+\.\d+\.\d+)")))
      << info.version;
  EXPECT_TRUE(
      std::regex_match(std::string(info.commit), std::regex(R"([0-9a-f]{7,}(-dirty)?|unknown)")))
      << info.commit;
  EXPECT_FALSE(info.build_type.empty());
  EXPECT_EQ(VersionLine(), "maxpool " + std::string(info.version) + " (commit " +
                               std::string(info.commit) + ", " + std::string(info.build_type) +
                               ")");
}

TEST(VersionTest, FlagWinsAnywhereButAsAnOptionsValue) {
  EXPECT_EQ(RunCli({"server", "--version"}).out, VersionLine() + "\n");
  // `--data --version` is a (bad) JSON body for `api`, not a request for the version.
  const Result api = RunCli({"api", "/v1/models", "--data", "--version"});
  EXPECT_EQ(api.code, kExitUsage);
  EXPECT_EQ(api.out, "");
}

TEST(VersionTest, TakesNoOptionsAndHasHelp) {
  const Result bad = RunCli({"version", "--port", "1"});
  EXPECT_EQ(bad.code, kExitUsage);
  EXPECT_THAT(bad.err, StartsWith("maxpool: --port only applies to"));
  const Result help = RunCli({"help", "version"});
  EXPECT_EQ(help.code, kExitOk);
  EXPECT_EQ(help.out, VersionUsageText());
  EXPECT_THAT(RunCli({"version", "--help"}).out, StartsWith("usage: maxpool version"));
  EXPECT_THAT(UsageText(), HasSubstr("\n  version  "));
}

}  // namespace
}  // namespace maxpool::app
