// maxpool-fake-upstream: the fake Anthropic API as a process (for the demo and benchmarks).
// Only argument, signal and stream plumbing lives here (STYLE.md §1).

#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <string>
#include <vector>

#include "fake/fake_cli.h"
#include "fake/fake_upstream.h"
#include "fake/scenario.h"

int main(int argc, char** argv) {
  using maxpool::fake::FakeUpstream;
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto cli = maxpool::fake::ParseFakeCli(args);
  if (!cli.ok() || cli->help) {
    if (!cli.ok()) std::fprintf(stderr, "%s\n", std::string(cli.status().message()).c_str());
    std::fputs(maxpool::fake::FakeCliUsage().c_str(), cli.ok() ? stdout : stderr);
    return cli.ok() ? 0 : 2;
  }
  // Block the stop signals before any thread starts, so that only sigwait() sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Thousands of concurrent streams need thousands of descriptors: use the hard limit.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  auto server = FakeUpstream::Start(cli->options);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  if (cli->scenario_file) {
    auto scenario = maxpool::fake::LoadScenarioDocument(*cli->scenario_file, absl::Now());
    if (!scenario.ok()) {
      std::fprintf(stderr, "%s\n", std::string(scenario.status().message()).c_str());
      return 2;
    }
    if (auto s = (*server)->ApplyScenario(*std::move(scenario)); !s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
      return 2;
    }
  }
  std::printf("listening on %s\n", (*server)->base_url().c_str());
  std::fflush(stdout);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  (*server)->Stop();
  return 0;
}
