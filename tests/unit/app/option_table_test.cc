// The options of the command line come from one place, the command table: the parser accepts
// exactly the table's options (each with the commands the table gives it, and no other), and
// every option it accepts is in the help of each command that takes it and in every completion
// script. Options that several commands share are one option.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/cli.h"
#include "app/command_table.h"
#include "app/completion_command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/app/command_line_samples.h"

namespace maxpool::app {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Every spelling of an option: its name, and its short alias when it has one.
std::vector<std::string> Spellings(const OptionSpec& option) {
  std::vector<std::string> spellings = {std::string(option.name)};
  if (!option.short_name.empty()) spellings.emplace_back(option.short_name);
  return spellings;
}

TEST(OptionTableTest, SharedOptionsAreOneOption) {
  for (const CommandSpec& command : Commands()) {
    for (const OptionSpec& option : command.options) {
      const OptionSpec* first = FindOption(option.name);
      ASSERT_NE(first, nullptr) << option.name;
      EXPECT_EQ(first->short_name, option.short_name) << option.name;
      EXPECT_EQ(first->value, option.value) << option.name;
      EXPECT_EQ(first->needs, option.needs) << option.name;
      EXPECT_EQ(first->set, option.set) << option.name;
      EXPECT_EQ(option.value.empty(), option.needs.empty()) << option.name;
      if (!option.short_name.empty()) {
        EXPECT_EQ(FindOption(option.short_name), first);
      }
    }
  }
}

TEST(OptionTableTest, TheParserTakesEachOptionWhereTheTableSaysAndNowhereElse) {
  for (const CommandSpec& command : Commands()) {
    for (const CommandSpec& with : Commands()) {
      for (const OptionSpec& option : with.options) {
        const bool takes = &with == &command || [&] {
          for (const OptionSpec& own : command.options) {
            if (own.name == option.name) return true;
          }
          return false;
        }();
        for (const std::string& spelling : Spellings(option)) {
          std::vector<std::string> args = BaseArgs(command, option.subcommand);
          args.push_back(spelling);
          if (!option.value.empty()) args.push_back(SampleValue(option.value));
          const absl::StatusOr<Invocation> parsed = ParseCommandLine(args);
          if (takes) {
            EXPECT_TRUE(parsed.ok()) << command.name << " " << spelling << ": " << parsed.status();
          } else {
            ASSERT_FALSE(parsed.ok()) << command.name << " " << spelling;
            EXPECT_THAT(std::string(parsed.status().message()),
                        StartsWith(absl::StrCat(spelling, " only applies to `maxpool ")))
                << command.name;
          }
        }
      }
    }
  }
}

TEST(OptionTableTest, AValueOptionWithoutItsValueSaysWhatItNeeds) {
  for (const CommandSpec& command : Commands()) {
    for (const OptionSpec& option : command.options) {
      if (option.value.empty()) continue;
      for (const std::string& spelling : Spellings(option)) {
        std::vector<std::string> args = BaseArgs(command, option.subcommand);
        args.push_back(spelling);
        const absl::StatusOr<Invocation> parsed = ParseCommandLine(args);
        ASSERT_FALSE(parsed.ok()) << spelling;
        EXPECT_EQ(std::string(parsed.status().message()),
                  absl::StrCat(spelling, " needs ", std::string(option.needs)));
      }
    }
  }
}

TEST(OptionTableTest, ValueOptionsTakeTheEqualsForm) {
  // --port=N was refused as an unknown option while every other value option took --opt=VALUE.
  absl::StatusOr<Invocation> parsed = ParseCommandLine({"server", "--port=4000"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->port, 4000);
  parsed = ParseCommandLine({"demo", "--requests=0", "--concurrency=2"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->demo_requests, 0);
  EXPECT_EQ(parsed->demo_concurrency, 2);
  EXPECT_FALSE(ParseCommandLine({"server", "--no-tui=yes"}).ok());
}

TEST(OptionTableTest, EveryOptionTheParserTakesIsInTheHelpAndTheCompletion) {
  for (const CommandSpec& command : Commands()) {
    const std::string help = command.help();
    for (const OptionSpec& option : command.options) {
      if (option.hidden) continue;  // an older spelling, accepted but not shown
      for (const std::string& spelling : Spellings(option)) {
        EXPECT_THAT(help, HasSubstr(spelling)) << command.name;
        for (const char* shell : {"bash", "zsh", "fish"}) {
          const std::optional<std::string> script = CompletionScript(shell);
          ASSERT_TRUE(script.has_value());
          // fish names long options without their dashes (-l output), short ones as -s o.
          std::string name = spelling;
          if (shell == std::string("fish")) {
            name = spelling.size() == 2 ? absl::StrCat("-s ", spelling.substr(1))
                                        : absl::StrCat("-l ", spelling.substr(2));
          }
          EXPECT_THAT(*script, HasSubstr(name)) << shell << " " << command.name;
        }
      }
    }
  }
  for (const OptionSpec& option : GlobalOptions()) {
    EXPECT_THAT(UsageText(), HasSubstr(std::string(option.name)));
  }
}

TEST(OptionTableTest, HiddenSpellingsStillParse) {
  const absl::StatusOr<Invocation> parsed = ParseCommandLine({"login", "--key-stdin"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->login_api);
}

}  // namespace
}  // namespace maxpool::app
