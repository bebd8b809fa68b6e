// The command table that `maxpool help`, `maxpool completion` and the manual page are made from
// agrees with the parser: every command and every option it lists parses, each command's help is
// its entry's, and the command list of `maxpool help` has every entry.

#include "app/command_table.h"

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/cli.h"
#include "app/command_help.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/app/command_line_samples.h"

namespace maxpool::app {
namespace {

using ::testing::HasSubstr;

TEST(CommandTableTest, NamesAreUniqueAndEveryCommandHasItsParts) {
  std::set<std::string_view> names;
  for (const CommandSpec& command : Commands()) {
    EXPECT_TRUE(names.insert(command.name).second) << command.name;
    EXPECT_FALSE(command.summary.empty()) << command.name;
    EXPECT_FALSE(command.list.empty()) << command.name;
    ASSERT_NE(command.help, nullptr) << command.name;
    EXPECT_EQ(FindCommand(command.name), &command);
  }
  EXPECT_EQ(FindCommand("frobnicate"), nullptr);
  for (std::string_view expected : {"server", "config", "status", "accounts", "routing", "sessions",
                                    "completion", "help", "top"}) {
    EXPECT_NE(FindCommand(expected), nullptr) << expected;
  }
}

// An option is spelled in one place, its OptionSpec: the command list and the one-line summaries
// name none, so a renamed or removed option cannot leave a stale mention behind.
TEST(CommandTableTest, NoSummaryNamesAnOption) {
  std::set<std::string> spellings;
  auto add = [&spellings](const OptionSpec& option) {
    spellings.insert(std::string(option.name));
    if (!option.short_name.empty()) spellings.insert(std::string(option.short_name));
  };
  for (const OptionSpec& option : GlobalOptions()) add(option);
  for (const CommandSpec& command : Commands()) {
    for (const OptionSpec& option : command.options) add(option);
  }
  ASSERT_TRUE(spellings.contains("--port"));
  for (const CommandSpec& command : Commands()) {
    std::vector<std::string_view> texts = {command.summary};
    for (const ListEntry& entry : command.list) {
      texts.push_back(entry.label);
      texts.push_back(entry.summary);
    }
    for (const std::string_view text : texts) {
      for (const std::string& option : spellings) {
        for (size_t at = text.find(option); at != std::string_view::npos;
             at = text.find(option, at + 1)) {
          const size_t end = at + option.size();
          const bool whole =
              end == text.size() ||
              !(std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-');
          EXPECT_FALSE(whole) << command.name << ": \"" << text << "\" names " << option;
        }
      }
    }
  }
}

TEST(CommandTableTest, EveryCommandParses) {
  for (const CommandSpec& command : Commands()) {
    const absl::StatusOr<Invocation> invocation = ParseCommandLine(BaseArgs(command));
    EXPECT_TRUE(invocation.ok()) << command.name << ": " << invocation.status();
    for (const SubcommandSpec& sub : command.subcommands) {
      std::vector<std::string> args = {std::string(command.name), std::string(sub.name)};
      if (sub.arguments == Completion::kAccount) args.push_back("alpha");
      if (sub.arguments == Completion::kWords) {
        args.push_back(std::string(sub.words[0]));
        args.push_back("0.5");
      }
      const absl::StatusOr<Invocation> parsed = ParseCommandLine(args);
      EXPECT_TRUE(parsed.ok()) << command.name << " " << sub.name << ": " << parsed.status();
    }
  }
}

TEST(CommandTableTest, EveryOptionParsesWithItsCommand) {
  for (const CommandSpec& command : Commands()) {
    for (const OptionSpec& option : command.options) {
      std::vector<std::string_view> spellings = {option.name};
      if (!option.short_name.empty()) spellings.push_back(option.short_name);
      for (std::string_view spelling : spellings) {
        std::vector<std::string> args = BaseArgs(command);
        args.emplace_back(spelling);
        if (!option.value.empty()) args.push_back(SampleValue(option.value));
        const absl::StatusOr<Invocation> invocation = ParseCommandLine(args);
        EXPECT_TRUE(invocation.ok())
            << command.name << " " << spelling << ": " << invocation.status();
      }
      for (std::string_view word : option.words) {
        std::vector<std::string> args = BaseArgs(command);
        args.emplace_back(option.name);
        args.emplace_back(word);
        EXPECT_TRUE(ParseCommandLine(args).ok())
            << command.name << " " << option.name << " " << word;
      }
    }
    for (const OptionSpec& option : GlobalOptions()) {
      if (option.name == "--version" || option.name == "--help") continue;
      std::vector<std::string> args = BaseArgs(command);
      args.emplace_back(option.name);
      args.push_back(SampleValue(option.value));
      EXPECT_TRUE(ParseCommandLine(args).ok()) << command.name << " " << option.name;
    }
  }
}

TEST(CommandTableTest, HelpIsTheTablesHelp) {
  for (const CommandSpec& command : Commands()) {
    const std::optional<std::string> help = HelpFor(command.name);
    ASSERT_TRUE(help.has_value()) << command.name;
    EXPECT_EQ(*help, command.help()) << command.name;
    EXPECT_THAT(*help, HasSubstr(absl::StrCat("maxpool ", std::string(command.name))));
    // Every option of the command is in its help.
    for (const OptionSpec& option : command.options) {
      if (option.hidden) continue;  // an older spelling, accepted but not shown
      EXPECT_THAT(*help, HasSubstr(std::string(option.name))) << command.name;
    }
  }
  EXPECT_EQ(HelpFor(""), UsageText());
  EXPECT_EQ(HelpFor("frobnicate"), std::nullopt);
}

TEST(CommandTableTest, TheCommandListHasEveryEntry) {
  const std::string usage = UsageText();
  for (const CommandSpec& command : Commands()) {
    for (const ListEntry& entry : command.list) {
      EXPECT_THAT(usage, HasSubstr(absl::StrCat("\n  ", std::string(entry.label)))) << entry.label;
    }
  }
  EXPECT_THAT(usage, HasSubstr("\n  sessions       list the sessions kept on accounts"));
  EXPECT_THAT(usage, HasSubstr("\n  completion SHELL\n                 print the completion"));
  EXPECT_THAT(usage, HasSubstr("\n  -o, --output FMT\n"));
}

}  // namespace
}  // namespace maxpool::app
