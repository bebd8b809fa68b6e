#pragma once

// `curl -s -m 30 <args>` for end-to-end tests of the built binaries: what it wrote to stdout, or
// "" when it failed. The output goes through a file in `dir`. Header-only.

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "support/temp_dir.h"

namespace maxpool::testing {

// `out_name`: the file in `dir` that takes the output; give each thread that runs curl its own.
inline std::string Curl(const TempDir& dir, const std::string& args,
                        const std::string& out_name = "curl.out") {
  const std::string out = (dir.path() / out_name).string();
  const std::string command = absl::StrCat("curl -s -m 30 ", args, " > ", out, " 2>/dev/null");
  if (std::system(command.c_str()) != 0) return "";
  return ReadFile(out);
}

}  // namespace maxpool::testing
