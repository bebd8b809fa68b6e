// Golden tests of the `maxpool` command line: for each case, the exact stdout, stderr and exit
// code of app::Run, compared with tests/data/cli_golden/<case>.txt. Covers the help of every
// command, usage errors (exit 2, one "maxpool: " line that says where the usage is), `env`,
// `remove` and `rename` (and what they leave in the config file). The config is a fresh temp
// file per case, found through $MAXPOOL_CONFIG; its directory reads as {DIR} in the goldens.
//
// After a deliberate change of the output, regenerate the files with
//   MAXPOOL_UPDATE_GOLDEN=1 build/dev/tests/unit_app_cli_golden_test
// and review the diff.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "app/cli.h"
#include "app/top_command.h"
#include "config/config_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace maxpool::app {
namespace {

using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;
using ::maxpool::testing::TestDataPath;
using ::testing::ElementsAre;
using ::testing::StartsWith;

// Two accounts (alpha with an accountUuid, beta without), alpha preferred, a wildcard proxy host.
constexpr char kConfig[] = R"({
  "proxy": {"host": "0.0.0.0", "port": 4567, "apiKey": "mp-golden-proxy-key"},
  "routing": {"mode": "preferred", "preferredAccount": "alpha"},
  "eventLog": false,
  "accounts": [
    {"name": "alpha", "type": "oauth", "accessToken": "sk-ant-oat01-golden-alpha",
     "accountUuid": "11111111-2222-4333-8444-555555555555"},
    {"name": "beta", "type": "apikey", "apiKey": "sk-ant-api03-golden-beta"}
  ]
})";

// The loaded config file, for the checks of what a command wrote.
v1::Config Loaded(const std::filesystem::path& path) {
  absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfig(path);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return loaded.ok() ? loaded->config : v1::Config();
}

std::vector<std::string> Names(const v1::Config& config) {
  std::vector<std::string> names;
  for (const v1::AccountConfig& account : config.accounts()) names.push_back(account.name());
  return names;
}

struct GoldenCase {
  std::string name;               // tests/data/cli_golden/<name>.txt
  std::vector<std::string> args;  // after `maxpool`
  // The config file's content; nullopt: no file.
  std::optional<std::string> config = kConfig;
  // The command may change the config file (else it must be left byte for byte).
  bool writes = false;
  // Checks of the file after a writing command.
  std::function<void(const std::filesystem::path&)> check;
};

GoldenCase C(std::string name, std::vector<std::string> args) {
  GoldenCase c;
  c.name = std::move(name);
  c.args = std::move(args);
  return c;
}
GoldenCase NoConfig(std::string name, std::vector<std::string> args) {
  GoldenCase c = C(std::move(name), std::move(args));
  c.config = std::nullopt;
  return c;
}
GoldenCase WithConfig(std::string name, std::vector<std::string> args, std::string config) {
  GoldenCase c = C(std::move(name), std::move(args));
  c.config = std::move(config);
  return c;
}
GoldenCase Writes(std::string name, std::vector<std::string> args,
                  std::function<void(const std::filesystem::path&)> check) {
  GoldenCase c = C(std::move(name), std::move(args));
  c.writes = true;
  c.check = std::move(check);
  return c;
}

const std::vector<GoldenCase>& Cases() {
  static const auto* const kCases = new std::vector<GoldenCase>{
      // Help of every command, and its spellings.
      C("help", {"help"}),
      C("help_flag", {"--help"}),
      C("help_server", {"server", "--help"}),
      C("help_demo", {"help", "demo"}),
      C("help_config", {"config", "check", "-h"}),
      C("help_login", {"login", "--help"}),
      C("help_import", {"help", "import"}),
      C("help_env", {"env", "--help"}),
      C("help_run", {"help", "run"}),
      C("help_remove", {"remove", "--help"}),
      C("help_rename", {"rename", "alpha", "-h"}),
      C("help_api", {"api", "--help"}),
      C("help_status", {"status", "--help"}),
      C("help_accounts", {"help", "accounts"}),
      C("help_drain", {"drain", "--help"}),
      C("help_routing", {"routing", "--help"}),
      C("help_help", {"help", "help"}),
      C("help_sessions", {"sessions", "--help"}),
      C("help_completion", {"help", "completion"}),
      // Usage errors: exit 2, one line.
      C("usage_unknown_command", {"frobnicate"}),
      C("usage_help_unknown_topic", {"help", "frobnicate"}),
      C("usage_unknown_option", {"status", "--bogus"}),
      C("usage_option_elsewhere", {"env", "--account", "1"}),
      C("usage_missing_value", {"api", "/v1/models", "--account"}),
      C("usage_key_on_command_line", {"login", "--api", "--key", "sk-ant-api03-x"}),
      C("usage_bad_duration", {"drain", "--deadline", "forever"}),
      C("usage_remove_without_name", {"remove"}),
      C("usage_rename_one_word", {"rename", "alpha"}),
      C("usage_api_without_path", {"api"}),
      C("usage_api_relative_path", {"api", "v1/models"}),
      C("usage_api_bad_method", {"api", "/v1/models", "--method", "TRACE"}),
      C("usage_api_bad_data", {"api", "/v1/messages", "--data", "{model:"}),
      C("usage_run_words", {"run", "hello"}),
      C("usage_run_option", {"run", "--resume"}),
      C("usage_dashes_elsewhere", {"env", "--", "x"}),
      C("usage_bad_output", {"status", "-o", "xml"}),
      C("usage_output_elsewhere", {"env", "--output", "json"}),
      C("usage_completion_shell", {"completion", "tcsh"}),
      // config check for scripts.
      C("config_check_json", {"config", "check", "-o", "json"}),
      C("config_check_yaml", {"config", "check", "--output=yaml"}),
      WithConfig("config_check_json_invalid", {"config", "check", "-o", "json"},
                 R"({"proxy": {"port": "many"}})"),
      // env.
      C("env", {"env"}),
      C("env_with_key", {"env", "--with-key"}),
      NoConfig("env_no_config", {"env"}),
      NoConfig("env_with_key_no_config", {"env", "--with-key"}),
      WithConfig("env_ipv6_and_quoted_key", {"env", "--with-key"},
                 R"({"proxy": {"host": "::1", "port": 3456, "apiKey": "mp-it's a key"}})"),
      WithConfig("env_invalid_config", {"env"}, R"({"proxy": {"port": "many"}})"),
      // remove.
      Writes("remove", {"remove", "beta"},
             [](const std::filesystem::path& path) {
               const v1::Config config = Loaded(path);
               EXPECT_THAT(Names(config), ElementsAre("alpha"));
               EXPECT_EQ(config.routing().preferred_account(), "alpha");
             }),
      Writes("remove_preferred", {"remove", "alpha"},
             [](const std::filesystem::path& path) {
               const v1::Config config = Loaded(path);
               EXPECT_THAT(Names(config), ElementsAre("beta"));
               EXPECT_EQ(config.routing().mode(), "automatic");
               EXPECT_FALSE(config.routing().has_preferred_account());
             }),
      C("remove_unknown", {"remove", "gamma"}),
      C("remove_by_number_is_not_a_name", {"remove", "1"}),
      NoConfig("remove_no_config", {"remove", "beta"}),
      // rename.
      Writes("rename_by_name", {"rename", "alpha", "omega"},
             [](const std::filesystem::path& path) {
               const v1::Config config = Loaded(path);
               EXPECT_THAT(Names(config), ElementsAre("omega", "beta"));
               EXPECT_EQ(config.routing().preferred_account(), "omega");
               EXPECT_EQ(config.accounts(0).access_token(), "sk-ant-oat01-golden-alpha");
             }),
      Writes("rename_by_number", {"rename", "2", "gamma"},
             [](const std::filesystem::path& path) {
               const v1::Config config = Loaded(path);
               EXPECT_THAT(Names(config), ElementsAre("alpha", "gamma"));
               EXPECT_EQ(config.routing().preferred_account(), "alpha");
               EXPECT_EQ(config.accounts(1).api_key(), "sk-ant-api03-golden-beta");
             }),
      Writes("rename_by_hash_number", {"rename", "#1", "first"},
             [](const std::filesystem::path& path) {
               EXPECT_THAT(Names(Loaded(path)), ElementsAre("first", "beta"));
             }),
      C("rename_duplicate", {"rename", "alpha", "beta"}),
      C("rename_unknown", {"rename", "3", "gamma"}),
      C("rename_empty_name", {"rename", "alpha", "  "}),
      C("rename_same_name", {"rename", "beta", "beta"}),
  };
  return *kCases;
}

void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.name; }

// The golden text of one run.
std::string Render(const std::vector<std::string>& args, int code, const std::string& out,
                   const std::string& err) {
  std::string command = "$ maxpool";
  for (const std::string& arg : args) absl::StrAppend(&command, " ", arg);
  return absl::StrCat(command, "\nexit ", code, "\n--- stdout\n", out, "--- stderr\n", err);
}

class CliGoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(CliGoldenTest, MatchesTheGoldenFile) {
  const GoldenCase& c = GetParam();
  TempDir dir;
  const std::filesystem::path config_path = dir.path() / "maxpool.json";
  if (c.config.has_value()) dir.Write("maxpool.json", *c.config);
  const std::string before = ReadFile(config_path);
  const config::EnvLookup env = [&](std::string_view name) -> std::optional<std::string> {
    if (name == "MAXPOOL_CONFIG") return config_path.string();
    return std::nullopt;
  };

  std::ostringstream out, err;
  const int code = app::Run(c.args, env, out, err);
  const auto anonymous = [&](const std::string& text) {
    return absl::StrReplaceAll(text, {{dir.path().string(), "{DIR}"}});
  };
  const std::string actual = Render(c.args, code, anonymous(out.str()), anonymous(err.str()));

  const std::filesystem::path golden = TestDataPath("cli_golden", c.name + ".txt");
  if (const char* update = std::getenv("MAXPOOL_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream(golden, std::ios::binary) << actual;
  }
  ASSERT_TRUE(std::filesystem::exists(golden)) << golden << " is missing";
  EXPECT_EQ(actual, ReadFile(golden)) << "golden file " << golden;

  // Every error is one line that starts with "maxpool: ".
  if (code != kExitOk) {
    const std::string err_text = err.str();
    EXPECT_THAT(err_text, StartsWith("maxpool: "));
    EXPECT_EQ(std::count(err_text.begin(), err_text.end(), '\n'), 1) << err_text;
  }
  if (c.writes && code == kExitOk) {
    EXPECT_NE(ReadFile(config_path), before);
    c.check(config_path);
  } else {
    EXPECT_EQ(ReadFile(config_path), before) << "the config file changed";
    EXPECT_EQ(std::filesystem::exists(config_path), c.config.has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, CliGoldenTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& param) {
                           return param.param.name;
                         });

// The exit codes of the golden cases, stated once more where a reader looks first.
TEST(CliExitCodesTest, OkFailureUsage) {
  std::map<std::string, int> expected = {
      {"help", kExitOk},
      {"usage_unknown_command", kExitUsage},
      {"env", kExitOk},
      {"env_with_key_no_config", kExitFailure},
      {"remove", kExitOk},
      {"remove_unknown", kExitFailure},
      {"rename_by_name", kExitOk},
      {"rename_duplicate", kExitFailure},
      {"usage_api_bad_data", kExitUsage},
  };
  for (const auto& [name, code] : expected) {
    const std::string golden = ReadFile(TestDataPath("cli_golden", name + ".txt"));
    EXPECT_NE(golden.find(absl::StrCat("\nexit ", code, "\n")), std::string::npos) << name;
  }
}

// `top` belongs to src/tui; its help is its own text, reached like every other command's.
TEST(CliHelpTest, TopHelpIsTheTopCommands) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"help", "top"}, {"top", "--help"}}) {
    std::ostringstream out, err;
    EXPECT_EQ(app::Run(
                  args, [](std::string_view) { return std::optional<std::string>(); }, out, err),
              kExitOk);
    EXPECT_EQ(out.str(), TopUsageText());
    EXPECT_EQ(err.str(), "");
  }
  EXPECT_THAT(TopUsageText(), StartsWith("usage: maxpool top"));
  EXPECT_NE(UsageText().find("  top  "), std::string::npos);
}

// `--help` after `--` is claude's, not ours.
TEST(CliHelpTest, HelpAfterDashesGoesToClaude) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine({"run", "--", "--help", "-p", "hi"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  EXPECT_EQ(invocation->command, Invocation::Command::kRun);
  EXPECT_THAT(invocation->claude_args, ElementsAre("--help", "-p", "hi"));
}

}  // namespace
}  // namespace maxpool::app
