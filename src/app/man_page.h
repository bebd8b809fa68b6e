#pragma once

// The manual page maxpool(1), in roff with the man macros: NAME, SYNOPSIS, DESCRIPTION, one
// subsection per command of the command table (command_table.h) made from its help text, OPTIONS,
// EXIT STATUS, ENVIRONMENT, FILES and SEE ALSO. `maxpool help --man` prints it; the build writes it
// to maxpool.1 with the built binary and `cmake --install` puts it in share/man/man1. Stateless.

#include <string>
#include <string_view>

namespace maxpool::app {

// The whole page (ends with a newline).
std::string ManPage();

// One help text as man-page body text: the "usage:" lines as a no-fill block, paragraphs of prose
// filled, lists of "  TERM   description" as tagged paragraphs (.TP), anything else (examples)
// as a no-fill block; every line escaped for roff. Ends with a newline.
std::string HelpToRoff(std::string_view help);

}  // namespace maxpool::app
