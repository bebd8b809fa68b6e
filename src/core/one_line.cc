#include "core/one_line.h"

#include "absl/strings/str_replace.h"
#include "core/absl_view.h"

namespace maxpool::core {

std::string OneLine(std::string_view text, LineBreaks breaks) {
  if (breaks == LineBreaks::kSpaces) {
    return absl::StrReplaceAll(AbslView(text), {{"\r", " "}, {"\n", " "}});
  }
  return absl::StrReplaceAll(AbslView(text), {{"\r", "\\r"}, {"\n", "\\n"}});
}

std::string OneLine(const absl::Status& status) { return OneLine(StdView(status.message())); }

}  // namespace maxpool::core
