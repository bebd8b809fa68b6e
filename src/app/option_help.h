#pragma once

// The option lines of the help, generated from the command table (command_table.h): each
// option's spelling ("-o, --output FMT") and its help sentence, wrapped in a column, so that an
// option is described in one place only. Stateless.

#include <string>
#include <string_view>

#include "app/command_table.h"

namespace maxpool::app {

// How an option is typed with its value: "-o, --output FMT", "--port N", "--tls".
std::string Spelling(const OptionSpec& option);

// One entry of a help list: "  TERM" and `text` from `column` on, wrapped to the width of the
// help; a term too long for the column gets a line of its own. A '\n' in `text` starts a new
// line. Ends with a newline.
std::string HelpEntry(std::string_view term, std::string_view text, size_t column);

// The options of `help COMMAND` for the command named `command`: a blank line and "options:"
// with its own options, then a blank line and "connection options:" with where the server is,
// each option on its entry (--config last, when the command describes it). Empty for a command
// that lists none. REQUIRES: `command` is in the table.
std::string OptionsHelp(std::string_view command);

}  // namespace maxpool::app
