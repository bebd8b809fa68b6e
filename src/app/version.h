#pragma once

// What this binary is: the project version, the git commit it was built from and the build type.
// GetBuildInfo() is defined in build_info.cc, which the build writes (cmake/write_build_info.cmake)
// and rewrites only when one of the values changes, so a new commit relinks without recompiling.
// Stateless.

#include <string>
#include <string_view>

namespace maxpool::app {

struct BuildInfo {
  std::string_view version;     // the project version, "0.1.0"
  std::string_view commit;      // the short git hash, "7570cc3", with "-dirty" when the tree had
                                // uncommitted changes; "unknown" when not built from a checkout
  std::string_view build_type;  // CMAKE_BUILD_TYPE: "Release", "Debug", ...; "unknown" when unset
};

BuildInfo GetBuildInfo();

// "maxpool 0.1.0 (commit 7570cc3, Release)": what `maxpool --version` and `maxpool version`
// print (without the newline).
std::string VersionLine();

// The help of `maxpool version` (ends with a newline).
std::string VersionUsageText();

}  // namespace maxpool::app
