#pragma once

// What a shell command printed on stdout (popen), for end-to-end tests that ask a tool such as
// redis-cli; "" when it could not run. Header-only.

#include <cstdio>
#include <string>

namespace maxpool::testing {

inline std::string ShellOutput(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    size_t n = 0;
    while ((n = ::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
    ::pclose(pipe);
  }
  return out;
}

}  // namespace maxpool::testing
