#pragma once

// The table of `maxpool` commands: for each, its name, its line in the command list of `maxpool
// help`, its subcommands, what its arguments are, its options and its help text. Each option is
// declared here once: its name, its short alias, whether it takes a value, what that value is,
// its help sentence and how the parser stores it. The parser (cli.cc) reads the options from the
// table (which exist, which take a value, which command takes which); `maxpool help` (the command
// list and the option lines of `help COMMAND`, option_help.h), `maxpool completion` and the
// manual page are generated from it, so that none of them can disagree. Immutable; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace maxpool::app {

struct Invocation;  // cli.h

// What a word (an option's value or a positional argument) can be completed with.
enum class Completion {
  kNothing,    // free text (a number, a token, a URL)
  kFile,       // a file name
  kDirectory,  // a directory name
  kAccount,    // an account name (from `maxpool accounts`)
  kCommand,    // a command name of this table
  kWords,      // one of a fixed list of words
};

// Stores an option in the invocation: `spelling` is the option as typed ("-o" or "--output"),
// `value` its value (empty for a flag). Error: InvalidArgument with the one-line reason (a
// malformed value).
using OptionSetter = absl::Status (*)(Invocation& invocation, std::string_view spelling,
                                      const std::string& value);

struct OptionSpec {
  std::string_view name;        // "--port"
  std::string_view short_name;  // "-v", "-o"; empty when there is none
  std::string_view value;       // what it takes ("N", "PATH"); empty for a flag
  std::string_view summary;     // one short line for completion menus
  // What it does, after its spelling in `help COMMAND` (wrapped there; '\n' starts a line).
  std::string help;
  // One of the connection options (--server, --token, ...): where the running server is.
  bool connection = false;
  Completion completion = Completion::kNothing;
  std::vector<std::string_view> words;  // kWords
  // What the value is, for "--port needs a non-negative number" (a missing or empty value).
  std::string_view needs;
  // Only after this subcommand ("check" for `config check -o`); empty: after any.
  std::string_view subcommand;
  // An older spelling still accepted, left out of the help and the completion (--key-stdin).
  bool hidden = false;
  OptionSetter set = nullptr;
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
  // What --config is to it, for its option lines; empty: --config is not among them.
  std::string_view config_help;
  // Its help text, ending with a newline: its usage and prose, then OptionsHelp (option_help.h).
  std::string (*help)() = nullptr;
};

// Every command, in the order of `maxpool help`.
const std::vector<CommandSpec>& Commands();

// The command named `name`; null when there is none.
const CommandSpec* FindCommand(std::string_view name);

// The options every command takes: --config PATH, --help (-h); and --version, which is a
// command of its own.
const std::vector<OptionSpec>& GlobalOptions();

// The option spelled `spelling` (its name or its short alias) in any command of the table or
// among the global options; null when there is none. Options of the same name in several
// commands are one option (a test checks that they agree on all but their summary).
const OptionSpec* FindOption(std::string_view spelling);

// The commands that take the option named `name`, as `help` names them ("status", "config
// check"): those for a running server first, then the local ones, each in table order.
std::vector<std::string> CommandsTaking(std::string_view name);

// The command list of `maxpool help` for one group: "  name<spaces>summary" lines, the summary
// in a column at 17; a label too long for the column gets a line of its own. Ends with a newline.
std::string CommandList(CommandSpec::Group group);

}  // namespace maxpool::app
