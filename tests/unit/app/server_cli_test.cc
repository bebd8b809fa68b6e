// The command line of `maxpool server`: the default command, --log-to DIR (spec §11.1), --no-tui.

#include <string>
#include <vector>

#include "app/cli.h"
#include "app/command_table.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maxpool::app {
namespace {

using ::testing::HasSubstr;

std::string ParseError(const std::vector<std::string>& args) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine(args);
  if (invocation.ok()) return "(parsed)";
  return std::string(invocation.status().message());
}

TEST(ServerCliTest, LogToTakesADirectory) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine({"server", "--log-to", "/tmp/req"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->command, Invocation::Command::kServer);
  EXPECT_EQ(invocation->log_dir, std::filesystem::path("/tmp/req"));

  invocation = ParseCommandLine({"--log-to=logs", "server"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->log_dir, std::filesystem::path("logs"));

  invocation = ParseCommandLine({"server"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_FALSE(invocation->log_dir.has_value());
}

TEST(ServerCliTest, LogToNeedsAValueAndOnlyAppliesToTheServer) {
  EXPECT_EQ(ParseError({"server", "--log-to"}), "--log-to needs a path");
  EXPECT_EQ(ParseError({"demo", "--log-to", "d"}), "--log-to only applies to `maxpool server`");
  EXPECT_EQ(ParseError({"status", "--log-to", "d"}), "--log-to only applies to `maxpool server`");
}

TEST(ServerCliTest, NoCommandIsTheServer) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine({});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->command, Invocation::Command::kServer);
  invocation = ParseCommandLine({"--port", "4000", "--no-tui"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->command, Invocation::Command::kServer);
  EXPECT_EQ(invocation->port, 4000);
  EXPECT_FALSE(invocation->tui);
  EXPECT_EQ(ParseError({"--requests", "3"}), "--requests only applies to `maxpool demo`");
}

TEST(ServerCliTest, NoTuiAppliesToTheServerAndTheDemo) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine({"server"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_TRUE(invocation->tui);
  invocation = ParseCommandLine({"demo", "--no-tui"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_FALSE(invocation->tui);
  EXPECT_EQ(ParseError({"status", "--no-tui"}),
            "--no-tui only applies to `maxpool server` and `maxpool demo`");
}

TEST(ServerCliTest, ServerHelpMentionsLogToAndItsWarning) {
  const std::string help = FindCommand("server")->help();
  EXPECT_THAT(help, HasSubstr("--log-to DIR"));
  EXPECT_THAT(help, HasSubstr("delete the files after use"));
}

}  // namespace
}  // namespace maxpool::app
