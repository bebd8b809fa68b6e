#pragma once

// `maxpool demo`: the proxy in front of an in-process fake upstream with four simulated accounts
// in different states — one whose weekly window resets soon with quota left, one fresh, one in
// its weekly reserve, and an API key — and, optionally, generated traffic. On a terminal it opens
// the TUI over the simulated pool with traffic flowing; otherwise it prints one line per routed
// request and a per-account summary, so a newcomer can watch the balancing work.

#include <optional>
#include <ostream>

namespace maxpool::app {

struct DemoArgs {
  std::optional<int> port;  // proxy port; default: any free port
  int requests = 60;        // generated requests; 0 = none (serve until Ctrl-C)
  int concurrency = 4;
  // On a terminal (stdin and stdout), show the pool in the TUI (`maxpool top`) with traffic
  // until `q`, instead of printing; --no-tui turns it off.
  bool tui = true;
};

int RunDemo(const DemoArgs& args, std::ostream& out, std::ostream& err);

}  // namespace maxpool::app
