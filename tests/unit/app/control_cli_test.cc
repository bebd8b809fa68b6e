// The command lines of `maxpool status`, `accounts`, `drain` and `routing`: options, their
// values, the routing words, help texts, and exit code 2 with a message that says what is wrong.

#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "app/accounts_command.h"
#include "app/cli.h"
#include "app/drain_command.h"
#include "app/routing_command.h"
#include "app/status_command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maxpool::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

std::optional<std::string> NoEnv(std::string_view) { return std::nullopt; }

// The error message of a command line that must not parse.
std::string ParseError(const std::vector<std::string>& args) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine(args);
  if (invocation.ok()) return "(parsed)";
  return std::string(invocation.status().message());
}

TEST(ControlCliTest, StatusWithTheConnectionOptions) {
  absl::StatusOr<Invocation> invocation =
      ParseCommandLine({"status", "--server", "10.0.0.2:4000", "--token=s3cret", "--tls"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->command, Invocation::Command::kStatus);
  EXPECT_EQ(invocation->server, "10.0.0.2:4000");
  EXPECT_EQ(invocation->token, "s3cret");
  EXPECT_TRUE(invocation->tls);
  EXPECT_FALSE(invocation->ca_file.has_value());

  invocation = ParseCommandLine({"--server=[::1]:3457", "status", "--ca", "/etc/ca.pem"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->server, "[::1]:3457");
  EXPECT_EQ(invocation->ca_file, "/etc/ca.pem");
}

TEST(ControlCliTest, Defaults) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine({"status"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_FALSE(invocation->server.has_value());
  EXPECT_FALSE(invocation->token.has_value());
  EXPECT_FALSE(invocation->tls);
}

TEST(ControlCliTest, AccountsVerbose) {
  for (const char* flag : {"-v", "--verbose"}) {
    absl::StatusOr<Invocation> invocation = ParseCommandLine({"accounts", flag});
    ASSERT_TRUE(invocation.ok()) << invocation.status();
    EXPECT_EQ(invocation->command, Invocation::Command::kAccounts);
    EXPECT_TRUE(invocation->verbose);
  }
  EXPECT_EQ(ParseError({"status", "-v"}), "-v only applies to `maxpool accounts`");
}

TEST(ControlCliTest, DrainOptions) {
  absl::StatusOr<Invocation> invocation =
      ParseCommandLine({"drain", "--deadline", "1h30m", "--accept-grace=30s", "--wait"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->command, Invocation::Command::kDrain);
  EXPECT_EQ(invocation->drain_deadline, absl::Minutes(90));
  EXPECT_EQ(invocation->drain_grace, absl::Seconds(30));
  EXPECT_TRUE(invocation->drain_wait);

  invocation = ParseCommandLine({"drain", "--deadline", "45", "--accept-grace", "0"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->drain_deadline, absl::Seconds(45));
  EXPECT_EQ(invocation->drain_grace, absl::ZeroDuration());
  EXPECT_FALSE(invocation->drain_wait);
}

TEST(ControlCliTest, BadDrainDurations) {
  EXPECT_EQ(ParseError({"drain", "--deadline", "soon"}),
            "--deadline needs a duration like 30s, 2m or 1h30m; got \"soon\"");
  EXPECT_EQ(ParseError({"drain", "--deadline", "0s"}),
            "--deadline needs a duration like 30s, 2m or 1h30m; got \"0s\"");
  EXPECT_EQ(ParseError({"drain", "--deadline", "-5s"}),
            "--deadline needs a duration like 30s, 2m or 1h30m; got \"-5s\"");
  EXPECT_EQ(ParseError({"drain", "--deadline"}),
            "--deadline needs a duration like 30s, 2m or 1h30m");
  EXPECT_EQ(ParseError({"drain", "--deadline", "48h"}),
            "--deadline must be between 1s and 24h; got 48h");
  EXPECT_EQ(ParseError({"drain", "--deadline", "500ms"}),
            "--deadline must be between 1s and 24h; got 500ms");
  EXPECT_EQ(ParseError({"drain", "--deadline", "10s", "--accept-grace", "10s"}),
            "--accept-grace must be shorter than --deadline");
}

TEST(ControlCliTest, OptionsOnlyWhereTheyApply) {
  EXPECT_EQ(ParseError({"status", "--wait"}), "--wait only applies to `maxpool drain`");
  EXPECT_EQ(ParseError({"accounts", "--deadline", "30s"}),
            "--deadline only applies to `maxpool drain`");
  EXPECT_EQ(
      ParseError({"server", "--token", "t"}),
      "--token only applies to `maxpool status`, `accounts`, `drain`, `routing`, `sessions` and "
      "`top`");
  EXPECT_EQ(
      ParseError({"login", "--server", "127.0.0.1:3457"}),
      "--server only applies to `maxpool status`, `accounts`, `drain`, `routing`, `sessions` and "
      "`top`");
  EXPECT_EQ(ParseError({"status", "--port", "3456"}),
            "--port only applies to `maxpool server` and `maxpool demo`");
}

TEST(ControlCliTest, BadServerAndToken) {
  EXPECT_EQ(ParseError({"status", "--server", "localhost"}),
            "--server needs HOST:PORT, e.g. 127.0.0.1:3457; got \"localhost\"");
  EXPECT_EQ(ParseError({"status", "--server", "localhost:"}),
            "--server needs HOST:PORT, e.g. 127.0.0.1:3457; got \"localhost:\"");
  EXPECT_EQ(ParseError({"status", "--server", "localhost:99999"}),
            "--server: the port must be a number from 1 to 65535; got \"localhost:99999\"");
  EXPECT_EQ(ParseError({"status", "--server", "::1:3457"}),
            "--server: write an IPv6 address in brackets, e.g. [::1]:3457; got \"::1:3457\"");
  EXPECT_EQ(ParseError({"status", "--server"}), "--server needs HOST:PORT");
  EXPECT_EQ(ParseError({"status", "--token="}), "--token needs a token");
  EXPECT_EQ(ParseError({"status", "--ca"}), "--ca needs a path");
}

TEST(ControlCliTest, ExtraWordsAreUnknownCommands) {
  EXPECT_EQ(ParseError({"status", "now"}), "unknown command \"status now\"");
  EXPECT_EQ(ParseError({"drain", "all"}), "unknown command \"drain all\"");
}

TEST(ControlCliTest, RoutingWords) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine({"routing"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->command, Invocation::Command::kRouting);
  EXPECT_EQ(invocation->routing.action, RoutingChange::Action::kShow);

  invocation = ParseCommandLine({"routing", "show", "--server", "127.0.0.1:1"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->routing.action, RoutingChange::Action::kShow);

  for (const char* word : {"auto", "automatic"}) {
    invocation = ParseCommandLine({"routing", word});
    ASSERT_TRUE(invocation.ok()) << invocation.status();
    EXPECT_EQ(invocation->routing.action, RoutingChange::Action::kAutomatic);
  }

  invocation = ParseCommandLine({"routing", "prefer", "alice@example.com"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->routing.action, RoutingChange::Action::kPrefer);
  EXPECT_EQ(invocation->routing.account, "alice@example.com");

  invocation = ParseCommandLine(
      {"routing", "set", "switch-threshold", "0.85", "weekly_reserve_threshold", "90%"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->routing.action, RoutingChange::Action::kSet);
  EXPECT_THAT(invocation->routing.thresholds,
              ElementsAre(Pair("switch_threshold", 0.85), Pair("weekly_reserve_threshold", 0.9)));
}

TEST(ControlCliTest, BadRoutingWords) {
  EXPECT_EQ(ParseError({"routing", "fastest"}),
            "unknown routing action \"fastest\"; use show, auto, prefer NAME or set KEY VALUE");
  EXPECT_EQ(ParseError({"routing", "prefer"}),
            "`routing prefer` needs one account name: routing prefer NAME");
  EXPECT_EQ(ParseError({"routing", "prefer", "a", "b"}),
            "`routing prefer` needs one account name: routing prefer NAME");
  EXPECT_EQ(ParseError({"routing", "auto", "now"}), "`routing auto` takes nothing more");
  EXPECT_EQ(ParseError({"routing", "set"}),
            "`routing set` needs KEY VALUE pairs, e.g. routing set switch-threshold 0.85 (KEY: "
            "switch-threshold, weekly-soft, weekly-reserve or weekly-critical)");
  EXPECT_EQ(ParseError({"routing", "set", "switch-threshold"}),
            "`routing set` needs KEY VALUE pairs, e.g. routing set switch-threshold 0.85 (KEY: "
            "switch-threshold, weekly-soft, weekly-reserve or weekly-critical)");
  EXPECT_EQ(ParseError({"routing", "set", "speed", "0.5"}),
            "unknown routing key \"speed\"; use switch-threshold, weekly-soft, weekly-reserve or "
            "weekly-critical");
  EXPECT_EQ(ParseError({"routing", "set", "switch-threshold", "1.5"}),
            "switch-threshold needs a fraction in (0, 1] like 0.85, or a percentage like 85%; "
            "got \"1.5\"");
  EXPECT_EQ(ParseError({"routing", "set", "weekly-soft", "0"}),
            "weekly-soft needs a fraction in (0, 1] like 0.85, or a percentage like 85%; got "
            "\"0\"");
  EXPECT_EQ(ParseError({"routing", "set", "weekly-soft", "0.5", "weekly-soft-threshold", "0.6"}),
            "weekly-soft is given twice");
  EXPECT_EQ(ParseError({"routing", "set", "switch-threshold", "0.8", "--wait"}),
            "--wait only applies to `maxpool drain`");
}

TEST(ControlCliTest, RoutingUpdateRequests) {
  RoutingChange change;
  change.action = RoutingChange::Action::kAutomatic;
  v1::UpdateRoutingPolicyRequest request = RoutingUpdateRequest(change);
  EXPECT_EQ(request.policy().mode(), v1::ROUTING_MODE_AUTOMATIC);
  EXPECT_THAT(request.update_mask().paths(), ElementsAre("mode"));

  change.action = RoutingChange::Action::kPrefer;
  change.account = "alice";
  request = RoutingUpdateRequest(change);
  EXPECT_EQ(request.policy().mode(), v1::ROUTING_MODE_PREFERRED);
  EXPECT_EQ(request.policy().preferred_account(), "accounts/alice");
  EXPECT_THAT(request.update_mask().paths(), ElementsAre("mode", "preferred_account"));

  change.action = RoutingChange::Action::kSet;
  change.thresholds = {{"switch_threshold", 0.85}, {"weekly_critical_threshold", 0.97}};
  request = RoutingUpdateRequest(change);
  EXPECT_DOUBLE_EQ(request.policy().switch_threshold(), 0.85);
  EXPECT_DOUBLE_EQ(request.policy().weekly_critical_threshold(), 0.97);
  EXPECT_THAT(request.update_mask().paths(),
              ElementsAre("switch_threshold", "weekly_critical_threshold"));
}

TEST(ControlCliTest, HelpForEachCommand) {
  struct Case {
    std::vector<std::string> args;
    std::string text;
  };
  const Case cases[] = {
      {{"help", "status"}, StatusUsageText()},
      {{"status", "--help"}, StatusUsageText()},
      {{"help", "accounts"}, AccountsUsageText()},
      {{"accounts", "-v", "-h"}, AccountsUsageText()},
      {{"help", "drain"}, DrainUsageText()},
      {{"drain", "--deadline", "30s", "--help"}, DrainUsageText()},
      {{"help", "routing"}, RoutingUsageText()},
      {{"--server", "127.0.0.1:1", "routing", "set", "--help"}, RoutingUsageText()},
  };
  for (const Case& c : cases) {
    std::ostringstream out, err;
    EXPECT_EQ(app::Run(c.args, NoEnv, out, err), kExitOk) << c.args[0];
    EXPECT_EQ(out.str(), c.text) << c.args[0];
    EXPECT_EQ(err.str(), "");
  }
  EXPECT_THAT(StatusUsageText(), StartsWith("usage: maxpool status"));
  EXPECT_THAT(StatusUsageText(), HasSubstr("--server HOST:PORT"));
  EXPECT_THAT(DrainUsageText(), HasSubstr("--wait"));
  EXPECT_THAT(RoutingUsageText(), HasSubstr("switch-threshold"));
  EXPECT_THAT(UsageText(), HasSubstr("routing"));
}

TEST(ControlCliTest, UsageErrorsExitTwoWithTheReasonInOneLine) {
  std::ostringstream out, err;
  EXPECT_EQ(app::Run({"drain", "--deadline", "forever"}, NoEnv, out, err), kExitUsage);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(),
            "maxpool: --deadline needs a duration like 30s, 2m or 1h30m; got \"forever\" (see "
            "`maxpool drain --help`)\n");
}

}  // namespace
}  // namespace maxpool::app
