// The option lines of the help come from the command table: each command's help ends with
// OptionsHelp, no command writes an option line of its own, and HelpEntry lays an entry out in
// its column (wrapped, a long term on its own line).

#include "app/option_help.h"

#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "app/command_table.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maxpool::app {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

TEST(OptionHelpTest, EveryHelpEndsWithTheOptionsOfTheTable) {
  for (const CommandSpec& command : Commands()) {
    EXPECT_THAT(command.help(), EndsWith(OptionsHelp(command.name))) << command.name;
  }
}

TEST(OptionHelpTest, NoCommandWritesAnOptionLineOfItsOwn) {
  for (const CommandSpec& command : Commands()) {
    const std::string help = command.help();
    const std::string own = help.substr(0, help.size() - OptionsHelp(command.name).size());
    for (absl::string_view line : absl::StrSplit(own, '\n')) {
      EXPECT_FALSE(absl::StartsWith(line, "  -")) << command.name << ": " << line;
    }
  }
}

TEST(OptionHelpTest, EveryShownOptionHasItsSentence) {
  for (const CommandSpec& command : Commands()) {
    const std::string options = OptionsHelp(command.name);
    for (const OptionSpec& option : command.options) {
      if (option.hidden) continue;
      EXPECT_FALSE(option.help.empty()) << command.name << " " << option.name;
      EXPECT_THAT(options, HasSubstr(absl::StrCat("  ", Spelling(option), " "))) << command.name;
    }
  }
}

TEST(OptionHelpTest, ConnectionOptionsHaveTheirOwnSectionWithConfigLast) {
  const std::string status = OptionsHelp("status");
  EXPECT_THAT(status, HasSubstr("\noptions:\n  -o, --output FMT    "));
  EXPECT_THAT(status, HasSubstr("\nconnection options:\n  --server HOST:PORT  "));
  EXPECT_THAT(status,
              EndsWith("  --config PATH       the config file to read the defaults from\n"));
  EXPECT_THAT(OptionsHelp("top"), testing::StartsWith("\nconnection options:\n"));
  EXPECT_EQ(OptionsHelp("remove"), "");
}

TEST(OptionHelpTest, SpellingHasTheAliasAndTheValue) {
  EXPECT_EQ(Spelling(*FindOption("-o")), "-o, --output FMT");
  EXPECT_EQ(Spelling(*FindOption("--port")), "--port N");
  EXPECT_EQ(Spelling(*FindOption("--tls")), "--tls");
}

TEST(OptionHelpTest, HelpEntryWrapsInItsColumn) {
  EXPECT_EQ(HelpEntry("--x", "one two", 8), "  --x   one two\n");
  // A term too long for the column gets a line of its own.
  EXPECT_EQ(HelpEntry("--long-option", "text", 8), "  --long-option\n        text\n");
  // '\n' starts a line; a double space stays.
  EXPECT_EQ(HelpEntry("-a", "print  this:\nthat", 6), "  -a  print  this:\n      that\n");
  // Lines end before the width of the help.
  const std::string words(40, 'w');
  const std::string entry = HelpEntry("-a", absl::StrCat(words, " ", words, " ", words), 6);
  for (absl::string_view line : absl::StrSplit(entry, '\n')) EXPECT_LE(line.size(), 96u);
  EXPECT_EQ(entry, absl::StrCat("  -a  ", words, " ", words, "\n      ", words, "\n"));
}

}  // namespace
}  // namespace maxpool::app
