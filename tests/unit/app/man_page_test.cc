// The manual page maxpool(1): its roff structure (.TH, NAME, SYNOPSIS, one subsection per command
// of the table, OPTIONS, EXIT STATUS), help texts turned into paragraphs, tagged lists and
// no-fill blocks, and, where groff and man are installed, that it renders without a warning.

#include "app/man_page.h"

#include <cstdlib>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<std::string> Lines(const std::string& text) { return absl::StrSplit(text, '\n'); }

bool Installed(const std::string& program) {
  return std::system(absl::StrCat("command -v ", program, " >/dev/null 2>&1").c_str()) == 0;
}

TEST(ManPageTest, Structure) {
  const std::string page = ManPage();
  const std::vector<std::string> lines = Lines(page);
  std::vector<std::string> sections, subsections;
  bool title = false;
  for (const std::string& line : lines) {
    if (absl::StartsWith(line, ".TH MAXPOOL 1 ")) title = true;
    if (absl::StartsWith(line, ".SH ")) sections.push_back(line.substr(4));
    if (absl::StartsWith(line, ".SS ")) subsections.push_back(line.substr(4));
  }
  EXPECT_TRUE(title);
  EXPECT_THAT(sections,
              ::testing::ElementsAre("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS",
                                     "\"EXIT STATUS\"", "ENVIRONMENT", "FILES", "\"SEE ALSO\""));
  // One subsection per command, in the table's order.
  std::vector<std::string> expected;
  for (const CommandSpec& command : Commands()) {
    expected.push_back(absl::StrCat("\"maxpool ", std::string(command.name), "\""));
  }
  EXPECT_EQ(subsections, expected);
  EXPECT_THAT(page, HasSubstr(".SH NAME\nmaxpool \\- "));
}

// Every line that starts with a dot is one of the requests we write; text never does.
TEST(ManPageTest, TextNeverReadsAsARequest) {
  const std::set<std::string> requests = {".TH", ".SH", ".SS", ".PP", ".TP", ".nf", ".fi",
                                          ".B",  ".BR", ".I",  ".br", ".nh", ".ad", ".\\\""};
  for (const std::string& line : Lines(ManPage())) {
    if (line.empty() || (line[0] != '.' && line[0] != '\'')) continue;
    const std::string request = line.substr(0, line.find(' '));
    EXPECT_TRUE(requests.count(request)) << line;
  }
}

TEST(ManPageTest, HelpTextBecomesParagraphsListsAndNoFillBlocks) {
  EXPECT_EQ(HelpToRoff("usage: maxpool thing [--flag]\n"
                       "       maxpool thing --other\n"
                       "\n"
                       "Does a thing, and\n"
                       "another.\n"
                       "\n"
                       "options:\n"
                       "  --flag        sets the flag, which\n"
                       "                matters\n"
                       "  -o, --out F   the output\n"
                       "\n"
                       "  maxpool thing --flag\n"
                       ".hidden \\ back\n"),
            ".nf\n"
            "maxpool thing [\\-\\-flag]\n"
            "maxpool thing \\-\\-other\n"
            ".fi\n"
            ".PP\n"
            "Does a thing, and\n"
            "another.\n"
            ".PP\n"
            "options:\n"
            ".TP\n"
            "\\fB\\-\\-flag\\fR\n"
            "sets the flag, which\n"
            "matters\n"
            ".TP\n"
            "\\fB\\-o, \\-\\-out F\\fR\n"
            "the output\n"
            ".PP\n"
            ".nf\n"
            "  maxpool thing \\-\\-flag\n"
            ".fi\n"
            ".PP\n"
            "\\&.hidden \\e back\n");
}

TEST(ManPageTest, HelpManPrintsThePage) {
  const auto no_env = [](std::string_view) { return std::optional<std::string>(); };
  std::ostringstream out, err;
  EXPECT_EQ(app::Run({"help", "--man"}, no_env, out, err), kExitOk);
  EXPECT_EQ(out.str(), ManPage());
  std::ostringstream bad_out, bad_err;
  EXPECT_EQ(app::Run({"help", "status", "--man"}, no_env, bad_out, bad_err), kExitUsage);
  EXPECT_THAT(bad_err.str(), StartsWith("maxpool: help --man writes the whole manual page"));
  std::ostringstream elsewhere_out, elsewhere_err;
  EXPECT_EQ(app::Run({"status", "--man"}, no_env, elsewhere_out, elsewhere_err), kExitUsage);
  EXPECT_THAT(elsewhere_err.str(), StartsWith("maxpool: --man only applies to `maxpool help`"));
}

TEST(ManPageTest, GroffRendersItWithoutAWarning) {
  if (!Installed("groff")) GTEST_SKIP() << "groff is not installed";
  TempDir dir;
  const auto page = dir.Write("maxpool.1", ManPage());
  const auto out = dir.path() / "groff.txt";
  const std::string command =
      absl::StrCat("groff -man -Tutf8 -ww -z '", page.string(), "' >'", out.string(), "' 2>&1");
  EXPECT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(ReadFile(out), "");
}

TEST(ManPageTest, ManRendersEveryCommand) {
  if (!Installed("man")) GTEST_SKIP() << "man is not installed";
  TempDir dir;
  const auto page = dir.Write("maxpool.1", ManPage());
  const auto out = dir.path() / "man.txt";
  const std::string shell = absl::StrCat("MANPAGER=cat MANWIDTH=100 man -l '", page.string(),
                                         "' >'", out.string(), "' 2>&1");
  ASSERT_EQ(std::system(shell.c_str()), 0) << ReadFile(out);
  const std::string text = ReadFile(out);
  EXPECT_THAT(text, HasSubstr("MAXPOOL(1)"));
  EXPECT_THAT(text, HasSubstr("EXIT STATUS"));
  for (const CommandSpec& command : Commands()) {
    EXPECT_THAT(text, HasSubstr(absl::StrCat("maxpool ", std::string(command.name))));
  }
  EXPECT_THAT(text, HasSubstr("text (the default), json or yaml"));
}

}  // namespace
}  // namespace maxpool::app
