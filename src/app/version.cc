#include "app/version.h"

namespace maxpool::app {

std::string VersionLine() {
  const BuildInfo info = GetBuildInfo();
  std::string line = "maxpool ";
  line.append(info.version).append(" (commit ").append(info.commit).append(", ");
  line.append(info.build_type).append(")");
  return line;
}

std::string VersionUsageText() {
  return R"(usage: maxpool version
       maxpool --version

Prints one line: the version, the git commit the binary was built from ("-dirty" when the
source tree had uncommitted changes, "unknown" when it was not built from a git checkout) and the
build type, e.g.
  maxpool 0.1.0 (commit 7570cc3, Release)
)";
}

}  // namespace maxpool::app
