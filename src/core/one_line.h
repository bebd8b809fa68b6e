#pragma once

// Keeping a message on one line: a message quotes a file name, a config value or a server's
// answer, any of which may hold line breaks, and every message maxpool prints or logs is one line.
// Pure; thread-safe.

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace maxpool::core {

// How OneLine shows a line break.
enum class LineBreaks {
  kEscaped,  // CR and LF become the two characters "\r" and "\n": a quoted name stays exact
  kSpaces,   // CR and LF each become one space: a server's prose reads as one sentence
};

// `text` with every CR and LF shown as `breaks` says; everything else unchanged.
std::string OneLine(std::string_view text, LineBreaks breaks = LineBreaks::kEscaped);
// The status's message, with its line breaks escaped.
std::string OneLine(const absl::Status& status);

}  // namespace maxpool::core
