// `maxpool completion bash|zsh|fish`: each script has every command and option of the command
// table; the bash script completes for real (bash runs it with COMP_WORDS set, as Tab does);
// zsh and fish check their scripts' syntax when they are installed.

#include "app/completion_command.h"

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "app/cli.h"
#include "app/command_table.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace maxpool::app {
namespace {

using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

std::string ShellQuote(std::string_view text) {
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

bool Installed(const std::string& program) {
  return std::system(absl::StrCat("command -v ", program, " >/dev/null 2>&1").c_str()) == 0;
}

TEST(CompletionScriptTest, EveryCommandAndOptionOfTheTable) {
  for (const char* shell : {"bash", "zsh", "fish"}) {
    const std::optional<std::string> script = CompletionScript(shell);
    ASSERT_TRUE(script.has_value()) << shell;
    for (const CommandSpec& command : Commands()) {
      EXPECT_THAT(*script, HasSubstr(std::string(command.name))) << shell;
      for (const SubcommandSpec& sub : command.subcommands) {
        EXPECT_THAT(*script, HasSubstr(std::string(sub.name))) << shell;
      }
      for (const OptionSpec& option : command.options) {
        if (option.hidden) continue;  // an older spelling, accepted but not offered
        // fish names long options without their dashes (-l output).
        const std::string name = shell == std::string("fish")
                                     ? absl::StrCat("-l ", std::string(option.name.substr(2)))
                                     : std::string(option.name);
        EXPECT_THAT(*script, HasSubstr(name)) << shell << " " << command.name;
      }
    }
  }
  EXPECT_EQ(CompletionScript("tcsh"), std::nullopt);
}

TEST(CompletionCommandTest, PrintsTheScriptOrRefusesTheShell) {
  const auto no_env = [](std::string_view) { return std::optional<std::string>(); };
  std::ostringstream out, err;
  EXPECT_EQ(app::Run({"completion", "bash"}, no_env, out, err), kExitOk);
  EXPECT_EQ(out.str(), *CompletionScript("bash"));
  EXPECT_EQ(err.str(), "");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"completion", "tcsh"}, {"completion"}, {"completion", "bash", "zsh"}}) {
    std::ostringstream bad_out, bad_err;
    EXPECT_EQ(app::Run(args, no_env, bad_out, bad_err), kExitUsage);
    EXPECT_EQ(bad_out.str(), "");
    EXPECT_THAT(bad_err.str(), ::testing::StartsWith("maxpool: completion needs "));
  }
}

// Runs the bash script's completion function on `words` (the last one is the word under the
// cursor) in `dir`, with a fake `maxpool` first on PATH that lists two accounts; returns COMPREPLY.
class BashCompletionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Installed("bash")) GTEST_SKIP() << "bash is not installed";
    script_ = dir_.Write("maxpool.bash", *CompletionScript("bash"));
    std::filesystem::create_directory(dir_.path() / "bin");
    const auto fake = dir_.Write("bin/maxpool",
                                 "#!/bin/sh\n"
                                 "[ \"$1\" = accounts ] || exit 1\n"
                                 "printf 'NAME   TYPE     STATE\\nalice  oauth    active\\n"
                                 "bob    api key  active\\n'\n");
    std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
    std::filesystem::create_directory(dir_.path() / "logs");
    dir_.Write("log.txt", "");
  }

  std::vector<std::string> Complete(const std::vector<std::string>& words) {
    std::vector<std::string> quoted;
    for (const std::string& word : words) quoted.push_back(ShellQuote(word));
    const auto out = dir_.path() / "reply.txt";
    const std::string program = absl::StrCat("source ", ShellQuote(script_.string()),
                                             "\nCOMP_WORDS=(", absl::StrJoin(quoted, " "),
                                             ")\nCOMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 "
                                             "))\n_maxpool\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n");
    const std::string command = absl::StrCat(
        "cd ", ShellQuote(dir_.path().string()),
        " && PATH=", ShellQuote((dir_.path() / "bin").string()), ":\"$PATH\" bash --norc -c ",
        ShellQuote(program), " >", ShellQuote(out.string()), " 2>&1");
    EXPECT_EQ(std::system(command.c_str()), 0) << ReadFile(out);
    std::vector<std::string> reply = absl::StrSplit(ReadFile(out), '\n', absl::SkipEmpty());
    return reply;
  }

  TempDir dir_;
  std::filesystem::path script_;
};

TEST_F(BashCompletionTest, Commands) {
  std::vector<std::string> names;
  for (const CommandSpec& command : Commands()) names.emplace_back(command.name);
  EXPECT_THAT(Complete({"maxpool", ""}), UnorderedElementsAreArray(names));
  EXPECT_THAT(Complete({"maxpool", "st"}), ElementsAre("status"));
  EXPECT_THAT(Complete({"maxpool", "se"}), UnorderedElementsAre("server", "sessions"));
  EXPECT_THAT(Complete({"maxpool", "--config", "x.json", "acc"}), ElementsAre("accounts"));
}

TEST_F(BashCompletionTest, OptionsOfTheCommand) {
  EXPECT_THAT(Complete({"maxpool", "status", "--"}),
              UnorderedElementsAre("--output", "--server", "--token", "--tls", "--ca", "--config",
                                   "--help"));
  EXPECT_THAT(Complete({"maxpool", "accounts", "-"}),
              UnorderedElementsAre("--verbose", "-v", "--output", "-o", "--server", "--token",
                                   "--tls", "--ca", "--config", "--help", "-h"));
  EXPECT_THAT(Complete({"maxpool", "--ver"}), ElementsAre("--version"));
}

TEST_F(BashCompletionTest, OptionValues) {
  EXPECT_THAT(Complete({"maxpool", "status", "-o", ""}), ElementsAre("text", "json", "yaml"));
  EXPECT_THAT(Complete({"maxpool", "sessions", "--output", "y"}), ElementsAre("yaml"));
  // --output=j: bash splits it at "=".
  EXPECT_THAT(Complete({"maxpool", "status", "--output", "=", "j"}), ElementsAre("json"));
  EXPECT_THAT(Complete({"maxpool", "status", "--output", "="}),
              ElementsAre("text", "json", "yaml"));
  EXPECT_THAT(Complete({"maxpool", "api", "/v1/models", "--method", "P"}),
              ElementsAre("POST", "PUT", "PATCH"));
  EXPECT_THAT(Complete({"maxpool", "api", "/v1/models", "--account", ""}),
              ElementsAre("alice", "bob"));
  EXPECT_THAT(Complete({"maxpool", "server", "--log-to", "l"}), ElementsAre("logs"));
  EXPECT_THAT(Complete({"maxpool", "--config", "log"}), UnorderedElementsAre("logs", "log.txt"));
  EXPECT_THAT(Complete({"maxpool", "drain", "--deadline", ""}), IsEmpty());
}

TEST_F(BashCompletionTest, SubcommandsAndArguments) {
  EXPECT_THAT(Complete({"maxpool", "config", ""}), ElementsAre("check", "path"));
  EXPECT_THAT(Complete({"maxpool", "routing", ""}), ElementsAre("show", "auto", "prefer", "set"));
  EXPECT_THAT(Complete({"maxpool", "routing", "prefer", ""}), ElementsAre("alice", "bob"));
  EXPECT_THAT(Complete({"maxpool", "routing", "prefer", "alice", ""}), IsEmpty());
  EXPECT_THAT(Complete({"maxpool", "routing", "set", "weekly-s"}), ElementsAre("weekly-soft"));
  EXPECT_THAT(Complete({"maxpool", "routing", "set", "weekly-soft", ""}), IsEmpty());
  EXPECT_THAT(Complete({"maxpool", "routing", "set", "weekly-soft", "0.5", "sw"}),
              ElementsAre("switch-threshold"));
  EXPECT_THAT(Complete({"maxpool", "remove", "b"}), ElementsAre("bob"));
  EXPECT_THAT(Complete({"maxpool", "rename", ""}), ElementsAre("alice", "bob"));
  EXPECT_THAT(Complete({"maxpool", "rename", "alice", ""}), IsEmpty());
  EXPECT_THAT(Complete({"maxpool", "help", "ro"}), ElementsAre("routing"));
  EXPECT_THAT(Complete({"maxpool", "completion", ""}), ElementsAre("bash", "zsh", "fish"));
  EXPECT_THAT(Complete({"maxpool", "run", "--", ""}), IsEmpty());
}

// fish completes from the script as it does on Tab (`complete -C`).
TEST(FishCompletionTest, CompletesCommandsSubcommandsAndValues) {
  if (!Installed("fish")) GTEST_SKIP() << "fish is not installed";
  TempDir dir;
  const auto script = dir.Write("maxpool.fish", *CompletionScript("fish"));
  const auto complete = [&](const std::string& line) {
    const auto out = dir.path() / "out.txt";
    const std::string command =
        absl::StrCat("fish --no-config -c ",
                     ShellQuote(absl::StrCat("source ", ShellQuote(script.string()),
                                             "; complete -C ", ShellQuote(line))),
                     " >", ShellQuote(out.string()), " 2>&1");
    EXPECT_EQ(std::system(command.c_str()), 0) << ReadFile(out);
    std::vector<std::string> words;
    for (absl::string_view entry : absl::StrSplit(ReadFile(out), '\n', absl::SkipEmpty())) {
      words.emplace_back(entry.substr(0, entry.find('\t')));
    }
    return words;
  };
  EXPECT_THAT(complete("maxpool st"), ElementsAre("status"));
  EXPECT_THAT(complete("maxpool routing "), UnorderedElementsAre("show", "auto", "prefer", "set"));
  EXPECT_THAT(complete("maxpool status -o "), UnorderedElementsAre("text", "json", "yaml"));
  EXPECT_THAT(complete("maxpool sessions --out"), ElementsAre("--output"));
  EXPECT_THAT(complete("maxpool completion "), UnorderedElementsAre("bash", "zsh", "fish"));
}

TEST(ShellSyntaxTest, ZshAndFishParseTheirScripts) {
  TempDir dir;
  bool checked = false;
  for (const char* shell : {"bash", "zsh", "fish"}) {
    if (!Installed(shell)) continue;
    checked = true;
    const auto script = dir.Write(absl::StrCat("maxpool.", shell), *CompletionScript(shell));
    const auto out = dir.path() / "out.txt";
    const std::string command = absl::StrCat(shell, " -n ", ShellQuote(script.string()), " >",
                                             ShellQuote(out.string()), " 2>&1");
    EXPECT_EQ(std::system(command.c_str()), 0) << shell << ": " << ReadFile(out);
  }
  if (!checked) GTEST_SKIP() << "no shell installed";
}

}  // namespace
}  // namespace maxpool::app
