// The maxpool binary. Only argument and stream plumbing lives here (STYLE.md §1); the commands
// are in cli.h.

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli.h"
#include "app/server_command.h"
#include "config/config_path.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const int code = maxpool::app::Run(args, maxpool::config::ProcessEnv(), std::cout, std::cerr);
  if (code != maxpool::app::kExitRestartServer) return code;
  // The server drained for a restart (`r` in its live view): the same command line again.
  std::cout.flush();
  execv("/proc/self/exe", argv);
  std::cerr << "maxpool: cannot restart (" << std::strerror(errno) << "); start it again\n";
  return 1;
}
