#include "app/option_help.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/absl_view.h"

namespace maxpool::app {
namespace {

// The width of the help's lines.
constexpr size_t kWidth = 96;

// The spaces between the longest term of a list and the descriptions.
constexpr size_t kGap = 2;

// `heading` and the entries of `options` (the --config entry last, when `config` is set), with
// the descriptions in `column`.
std::string Section(std::string_view heading, const std::vector<const OptionSpec*>& options,
                    const OptionSpec* config, std::string_view config_help, size_t column) {
  std::string out = absl::StrCat("\n", core::AbslView(heading), "\n");
  for (const OptionSpec* option : options) {
    absl::StrAppend(&out, HelpEntry(Spelling(*option), option->help, column));
  }
  if (config != nullptr) absl::StrAppend(&out, HelpEntry(Spelling(*config), config_help, column));
  return out;
}

}  // namespace

std::string Spelling(const OptionSpec& option) {
  std::string spelling;
  if (!option.short_name.empty()) spelling = absl::StrCat(core::AbslView(option.short_name), ", ");
  absl::StrAppend(&spelling, core::AbslView(option.name));
  if (!option.value.empty()) absl::StrAppend(&spelling, " ", core::AbslView(option.value));
  return spelling;
}

std::string HelpEntry(std::string_view term, std::string_view text, size_t column) {
  const std::string indent(column, ' ');
  std::string out = absl::StrCat("  ", core::AbslView(term));
  if (out.size() + kGap > column) {
    absl::StrAppend(&out, "\n", indent);
  } else {
    out.resize(column, ' ');
  }
  bool first_line = true;
  for (absl::string_view line : absl::StrSplit(core::AbslView(text), '\n')) {
    if (!first_line) absl::StrAppend(&out, "\n", indent);
    first_line = false;
    // Words split at single spaces, so that a double space in `text` stays one ("print  x").
    size_t length = column;
    bool empty = true;
    for (absl::string_view word : absl::StrSplit(line, ' ')) {
      if (!empty && length + 1 + word.size() > kWidth) {
        absl::StrAppend(&out, "\n", indent);
        length = column;
        empty = true;
      }
      if (empty && word.empty()) continue;  // no line starts with a space
      if (!empty) {
        out += ' ';
        ++length;
      }
      absl::StrAppend(&out, word);
      length += word.size();
      empty = false;
    }
  }
  out += '\n';
  return out;
}

std::string OptionsHelp(std::string_view name) {
  const CommandSpec& command = *FindCommand(name);
  std::vector<const OptionSpec*> own, connection;
  for (const OptionSpec& option : command.options) {
    if (option.hidden) continue;
    (option.connection ? connection : own).push_back(&option);
  }
  const OptionSpec* config = command.config_help.empty() ? nullptr : FindOption("--config");
  size_t longest = config == nullptr ? 0 : Spelling(*config).size();
  for (const OptionSpec& option : command.options) {
    if (!option.hidden) longest = std::max(longest, Spelling(option).size());
  }
  const size_t column = 2 + longest + kGap;
  std::string out;
  if (!own.empty() || (connection.empty() && config != nullptr)) {
    absl::StrAppend(&out, Section("options:", own, connection.empty() ? config : nullptr,
                                  command.config_help, column));
  }
  if (!connection.empty()) {
    absl::StrAppend(
        &out, Section("connection options:", connection, config, command.config_help, column));
  }
  return out;
}

}  // namespace maxpool::app
