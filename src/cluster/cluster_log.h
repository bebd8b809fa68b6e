#pragma once

// Where cluster mode's news goes (degraded, resynced, a refresh that waits): the server's log
// when one is given, else stderr. Header-only.

#include <cstdio>
#include <functional>
#include <string>

namespace maxpool::cluster {

using ClusterLog = std::function<void(const std::string& line)>;

inline void LogLine(const ClusterLog& log, const std::string& line) {
  if (log) {
    log(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

}  // namespace maxpool::cluster
