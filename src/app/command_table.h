#pragma once

// The table of `maxpool` commands: for each, its name, its line in the command list of `maxpool
// help`, its subcommands, what its arguments are, its options and its help text. `maxpool help`
// (the command list and `help COMMAND`), `maxpool completion` and the manual page are generated
// from it, so that they cannot disagree. The parser (cli.cc) checks the same facts; a test runs
// every option of the table through it. Immutable; thread-safe.

#include <string>
#include <string_view>
#include <vector>

namespace maxpool::app {

// What a word (an option's value or a positional argument) can be completed with.
enum class Completion {
  kNothing,    // free text (a number, a token, a URL)
  kFile,       // a file name
  kDirectory,  // a directory name
  kAccount,    // an account name (from `maxpool accounts`)
  kCommand,    // a command name of this table
  kWords,      // one of a fixed list of words
};

struct OptionSpec {
  std::string_view name;        // "--port"
  std::string_view short_name;  // "-v", "-o"; empty when there is none
  std::string_view value;       // what it takes ("N", "PATH"); empty for a flag
  std::string_view summary;     // one line for completion menus
  Completion completion = Completion::kNothing;
  std::vector<std::string_view> words;  // kWords
};

struct SubcommandSpec {
  std::string_view name;     // "check"
  std::string_view summary;  // one line for completion menus
  // What the words after the subcommand are (routing prefer NAME: kAccount).
  Completion arguments = Completion::kNothing;
  std::vector<std::string_view> words;  // kWords
};

// One line of the command list of `maxpool help`: "config check" and "config path" are two.
struct ListEntry {
  std::string_view label;    // "remove NAME"
  std::string_view summary;  // pre-wrapped lines, separated by '\n', without indentation
};

struct CommandSpec {
  enum class Group {
    kLocal,   // works on this machine, with the config file
    kServer,  // talks to a running server through its control plane
  };
  std::string_view name;  // "config"
  Group group = Group::kLocal;
  std::vector<ListEntry> list;
  std::string_view summary;  // one line for completion menus and the manual page
  std::vector<SubcommandSpec> subcommands;
  // What the words after the command are when it has no subcommands (remove NAME: kAccount).
  Completion arguments = Completion::kNothing;
  std::vector<std::string_view> words;  // kWords
  // The options it takes besides --config and --help (which every command takes).
  std::vector<OptionSpec> options;
  std::string (*help)() = nullptr;  // its help text, ending with a newline
};

// Every command, in the order of `maxpool help`.
const std::vector<CommandSpec>& Commands();

// The command named `name`; null when there is none.
const CommandSpec* FindCommand(std::string_view name);

// The options every command takes: --config PATH, --help (-h); and --version, which is a
// command of its own.
const std::vector<OptionSpec>& GlobalOptions();

// The command list of `maxpool help` for one group: "  name<spaces>summary" lines, the summary
// in a column at 17; a label too long for the column gets a line of its own. Ends with a newline.
std::string CommandList(CommandSpec::Group group);

}  // namespace maxpool::app
