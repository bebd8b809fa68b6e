// `maxpool status`, `accounts`, `drain` and `routing` end to end: a real server::ServerRuntime
// (pool, data plane and control plane) on a temp config in front of the fake upstream, and the CLI
// run as a function (app::Run) against its control port: output, exit codes, and `drain --wait`
// ending with exit 0 once the runtime has drained and stopped.

#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/cli.h"
#include "fake/fake_upstream.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/server_runtime.h"
#include "support/temp_dir.h"
#include "support/test_runtime.h"

namespace maxpool {
namespace {

using ::maxpool::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "control-token-for-cli-tests-0123456789";
constexpr char kAlphaAccess[] = "sk-ant-oat01-test-cli-alpha-0000000000000";
constexpr char kBetaKey[] = "sk-ant-api03-test-cli-beta-00000000000000";

struct Result {
  int code;
  std::string out;
  std::string err;
};

class CliCommandsTest : public ::testing::Test {
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
    const std::string base = upstream_->base_url();
    config_path_ = dir_.Write(
        "maxpool.json",
        absl::StrCat(R"({"upstream": ")", base, R"(", "oauth": {"tokenUrl": ")",
                     upstream_->token_url(), R"(", "apiBaseUrl": ")", base,
                     R"("}, "eventLog": false, "control": {"token": ")", kToken,
                     R"("}, "accounts": [{"name": "alpha", "type": "oauth", "accessToken": ")",
                     kAlphaAccess, R"("}, {"name": "beta", "type": "apikey", "apiKey": ")",
                     kBetaKey, R"("}]})"));
    auto runtime = server::ServerRuntime::Start(testing::TestRuntimeOptions(config_path_));
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = std::move(*runtime);
    ASSERT_NE(runtime_->control_port(), 0);
    server_ = absl::StrCat("127.0.0.1:", runtime_->control_port());
  }

  void TearDown() override {
    if (runtime_) runtime_->Stop();
    if (upstream_) upstream_->Stop();
  }

  // Runs `maxpool ARGS --server <runtime> --config <the runtime's config> --token <token>`
  // (without --token: the CLI reads control.token from the config); the environment is empty.
  Result Cli(std::vector<std::string> args, bool with_token = true,
             std::optional<std::filesystem::path> config = std::nullopt) {
    args.insert(args.end(),
                {"--server", server_, "--config", config.value_or(config_path_).string()});
    if (with_token) args.insert(args.end(), {"--token", kToken});
    std::ostringstream out, err;
    const int code = app::Run(
        args, [](std::string_view) { return std::optional<std::string>(); }, out, err);
    return {code, out.str(), err.str()};
  }

  TempDir dir_;
  std::filesystem::path config_path_;
  std::unique_ptr<fake::FakeUpstream> upstream_;
  std::unique_ptr<server::ServerRuntime> runtime_;
  std::string server_;
};

TEST_F(CliCommandsTest, StatusShowsTheRunningServer) {
  const Result result = Cli({"status"});
  ASSERT_EQ(result.code, app::kExitOk) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_THAT(result.out, HasSubstr("\nuptime:     "));
  EXPECT_THAT(result.out, HasSubstr(absl::StrCat("control plane ", server_)));
  EXPECT_THAT(result.out, HasSubstr(absl::StrCat("config:     ", config_path_.string(), "\n")));
  EXPECT_THAT(result.out, HasSubstr("draining:   no\n"));
  EXPECT_THAT(result.out, HasSubstr("in flight:  0\nheld:       0\nrouting:    automatic\n"
                                    "accounts:   2\n\nNAME   STATE "));
  EXPECT_THAT(result.out, HasSubstr("\nalpha  active"));
  EXPECT_THAT(result.out, HasSubstr("\nbeta   active"));
}

TEST_F(CliCommandsTest, AccountsListsTheConfigAccountsWithoutSecrets) {
  Result result = Cli({"accounts"});
  ASSERT_EQ(result.code, app::kExitOk) << result.err;
  EXPECT_THAT(result.out, HasSubstr("NAME   TYPE     STATE   ENABLED  PRIORITY  CAP  CREDENTIAL\n"
                                    "alpha  oauth    active  yes      0         -    "));
  EXPECT_THAT(result.out, HasSubstr("\nbeta   api key  active  yes      0         -    "));
  result = Cli({"accounts", "-v"});
  ASSERT_EQ(result.code, app::kExitOk) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\nalpha\n  email:"));
  EXPECT_THAT(result.out, HasSubstr("  load:          15m 0 requests; 1h 0 requests\n"));
  EXPECT_THAT(result.out, HasSubstr("\nbeta\n"));
  EXPECT_THAT(result.out, Not(HasSubstr("sk-ant")));
}

TEST_F(CliCommandsTest, RoutingShowChangeAndErrors) {
  Result result = Cli({"routing"});
  ASSERT_EQ(result.code, app::kExitOk) << result.err;
  EXPECT_THAT(result.out, HasSubstr("mode:              automatic\n"));

  result = Cli({"routing", "prefer", "alpha"});
  ASSERT_EQ(result.code, app::kExitOk) << result.err;
  EXPECT_THAT(result.out, HasSubstr("mode:              preferred alpha\n"));
  EXPECT_THAT(Cli({"status"}).out, HasSubstr("routing:    preferred alpha\n"));

  result = Cli({"routing", "set", "switch-threshold", "80%", "weekly-soft", "0.6"});
  ASSERT_EQ(result.code, app::kExitOk) << result.err;
  EXPECT_THAT(result.out, HasSubstr("switch-threshold:  0.8\nweekly-soft:       0.6\n"));

  result = Cli({"routing", "auto"});
  ASSERT_EQ(result.code, app::kExitOk) << result.err;
  EXPECT_THAT(result.out, HasSubstr("mode:              automatic\n"));

  result = Cli({"routing", "prefer", "nobody"});
  EXPECT_EQ(result.code, app::kExitFailure);
  EXPECT_THAT(result.err, HasSubstr("maxpool: no account named \"nobody\""));
  EXPECT_EQ(result.out, "");

  // The weekly thresholds must rise.
  result = Cli({"routing", "set", "weekly-soft", "0.99"});
  EXPECT_EQ(result.code, app::kExitFailure);
  EXPECT_THAT(result.err, HasSubstr("the weekly thresholds must rise"));
}

TEST_F(CliCommandsTest, TokenFromTheConfigFileAndTokenErrors) {
  // control.token of the config file.
  Result result = Cli({"status"}, /*with_token=*/false);
  EXPECT_EQ(result.code, app::kExitOk) << result.err;
  // No config file, no --token, no $MAXPOOL_CONTROL_TOKEN.
  result = Cli({"status"}, /*with_token=*/false, dir_.path() / "absent.json");
  EXPECT_EQ(result.code, app::kExitFailure);
  EXPECT_EQ(result.err,
            absl::StrCat("maxpool: the control plane at ", server_,
                         " needs a token: pass --token, or set control.token in the config file "
                         "(or $MAXPOOL_CONTROL_TOKEN)\n"));
  result = Cli({"status", "--token", "wrong"}, /*with_token=*/false);
  EXPECT_EQ(result.code, app::kExitFailure);
  EXPECT_THAT(result.err, HasSubstr("refused the token"));
}

TEST_F(CliCommandsTest, DrainWaitEndsOnceTheServerIsGone) {
  Result result;
  std::thread cli([&] { result = Cli({"drain", "--deadline", "10s", "--wait"}); });
  const bool drained = runtime_->WaitForDrained(absl::Seconds(30));
  // As `maxpool server` does once the drain is done.
  runtime_->Stop();
  cli.join();
  ASSERT_TRUE(drained);
  EXPECT_EQ(result.code, app::kExitOk) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_THAT(result.out, HasSubstr("draining: 0 requests in flight, deadline in 10s\n"));
  EXPECT_THAT(result.out, HasSubstr("drain: done, nothing in flight\nserver stopped\n"));
}

TEST_F(CliCommandsTest, DrainTwiceReportsTheDrainInProgress) {
  Result result = Cli({"drain", "--deadline", "1h"});
  ASSERT_EQ(result.code, app::kExitOk) << result.err;
  EXPECT_EQ(result.out, "draining: 0 requests in flight, deadline in 1h\n");
  // The control plane answers until the runtime is stopped, even once the drain is over.
  result = Cli({"status"});
  ASSERT_EQ(result.code, app::kExitOk) << result.err;
  EXPECT_THAT(result.out, HasSubstr("draining:   yes, deadline in "));
  result = Cli({"drain", "--deadline", "5s"});
  ASSERT_EQ(result.code, app::kExitOk) << result.err;
  EXPECT_THAT(result.out, HasSubstr("already draining: 0 requests in flight, deadline in "));
}

TEST_F(CliCommandsTest, UnreachableAfterStop) {
  runtime_->Stop();
  const Result result = Cli({"status"});
  EXPECT_EQ(result.code, app::kExitFailure);
  EXPECT_EQ(result.err, absl::StrCat("maxpool: cannot reach the control plane at ", server_,
                                     " (is `maxpool server` running? use --server HOST:PORT)\n"));
}

}  // namespace
}  // namespace maxpool
