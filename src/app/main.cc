// The maxpool binary. Only argument and stream plumbing lives here (STYLE.md §1); the commands
// are in cli.h.

#include <iostream>
#include <string>
#include <vector>

#include "app/cli.h"
#include "config/config_path.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return maxpool::app::Run(args, maxpool::config::ProcessEnv(), std::cout, std::cerr);
}
