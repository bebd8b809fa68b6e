// End to end: a CLI that scripts, with the built `maxpool` binary and a real server. `status`,
// `accounts`, `routing` and `sessions` with `-o json` pipe into python3's json.load with the
// proto's JSON names; after the server is gone `accounts` lists the config file's accounts; the
// bash completion of the binary completes commands and the config's account names; the manual
// page of `help --man` renders with man. Runs the processes through /bin/sh with their output in
// files.

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

#ifndef MAXPOOL_BIN
#error "MAXPOOL_BIN must name the built maxpool binary"
#endif

namespace {

namespace fs = std::filesystem;
using ::maxpool::testing::ChildProcess;
using ::maxpool::testing::FreePort;
using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;
using ::maxpool::testing::WaitForPort;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kKey[] = "sk-ant-api03-E2ESCRIPTINGSECRET";

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `script` with /bin/sh in `dir`, with MAXPOOL_CONFIG set and the binary's directory first on
// PATH (so that `maxpool` is the binary under test, also for the completion script).
Result Shell(const TempDir& dir, const fs::path& config, const std::string& script) {
  const fs::path out = dir.path() / "stdout.txt";
  const fs::path err = dir.path() / "stderr.txt";
  const std::string command = absl::StrCat(
      "cd ", ShellQuote(dir.path().string()),
      " && env -u TEAMCLAUDE_CONFIG HOME=", ShellQuote(dir.path().string()),
      " MAXPOOL_CONFIG=", ShellQuote(config.string()),
      " PATH=", ShellQuote(fs::path(MAXPOOL_BIN).parent_path().string()), ":\"$PATH\" /bin/sh -c ",
      ShellQuote(script), " >", ShellQuote(out.string()), " 2>", ShellQuote(err.string()));
  const int status = std::system(command.c_str());
  Result result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

bool Installed(const std::string& program) {
  return std::system(absl::StrCat("command -v ", program, " >/dev/null 2>&1").c_str()) == 0;
}

fs::path WriteConfig(const TempDir& dir, int proxy_port, int control_port) {
  return dir.Write(
      "maxpool.json",
      absl::StrCat(R"({"proxy": {"host": "127.0.0.1", "port": )", proxy_port,
                   R"(}, "control": {"host": "127.0.0.1", "port": )", control_port,
                   R"(}, "eventLog": false, "accounts": [{"name": "work", )",
                   R"("type": "apikey", "apiKey": ")", kKey, R"(", "displayName": "Work key"}]})"));
}

TEST(ScriptingE2E, JsonOfARunningServerAndThenOfTheConfigFile) {
  if (!Installed("python3")) GTEST_SKIP() << "python3 is not installed";
  TempDir dir;
  const int proxy_port = FreePort();
  const int control_port = FreePort();
  const fs::path config = WriteConfig(dir, proxy_port, control_port);
  const std::string server_log = (dir.path() / "server.log").string();
  {
    ChildProcess server(
        {MAXPOOL_BIN, "server", "--no-tui", "--admin-port", "0", "--config", config.string()},
        server_log);
    ASSERT_TRUE(WaitForPort(static_cast<uint16_t>(control_port))) << ReadFile(server_log);

    // The acceptance line of the issue, and the proto's JSON names.
    Result result = Shell(dir, config,
                          "maxpool status -o json | python3 -c 'import json, sys\n"
                          "d = json.load(sys.stdin)\n"
                          "assert d[\"accounts\"] == 1 and d[\"inFlight\"] == 0, d\n"
                          "assert d[\"draining\"] is False and d[\"configPath\"], d\n"
                          "kinds = [l[\"kind\"] for l in d[\"listeners\"]]\n"
                          "assert \"LISTENER_KIND_CONTROL_PLANE\" in kinds, kinds\n"
                          "print(d[\"uptime\"])'");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_THAT(result.out, ::testing::EndsWith("s\n"));

    result = Shell(dir, config,
                   "maxpool accounts -o json | python3 -c 'import json, sys\n"
                   "d = json.load(sys.stdin)\n"
                   "a = d[\"accounts\"][0]\n"
                   "print(a[\"name\"], a[\"displayName\"], a[\"state\"], d[\"totalSize\"])'");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "accounts/work Work key ACCOUNT_STATE_ACTIVE 1\n");

    result = Shell(dir, config,
                   "maxpool routing -o json | python3 -c 'import json, sys\n"
                   "print(json.load(sys.stdin)[\"mode\"])' && "
                   "maxpool sessions -o json | python3 -c 'import json, sys\n"
                   "print(json.load(sys.stdin)[\"sessions\"])'");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "ROUTING_MODE_AUTOMATIC\n[]\n");

    result = Shell(dir, config, "maxpool status -o yaml");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_THAT(result.out, StartsWith("version: "));
    EXPECT_THAT(result.out, HasSubstr("\ndraining: false\n"));

    EXPECT_EQ(server.Stop(SIGTERM), 0) << ReadFile(server_log);
  }

  // No server now: the config file's accounts, a note on stderr, exit 0.
  Result result = Shell(dir, config,
                        "maxpool accounts -o json | python3 -c 'import json, sys\n"
                        "a = json.load(sys.stdin)[\"accounts\"][0]\n"
                        "print(a[\"name\"], \"state\" in a, \"inFlight\" in a)'");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "accounts/work False False\n");
  EXPECT_THAT(result.err, StartsWith(absl::StrCat(
                              "maxpool: live state unavailable: cannot reach the control plane "
                              "at 127.0.0.1:",
                              control_port)));
  result = Shell(dir, config, "maxpool accounts");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\nwork  api key  -      yes      0         -    "));
  EXPECT_THAT(result.out + result.err, Not(HasSubstr("E2ESCRIPTINGSECRET")));
}

TEST(ScriptingE2E, BashCompletionOfTheBinary) {
  if (!Installed("bash")) GTEST_SKIP() << "bash is not installed";
  TempDir dir;
  const fs::path config = WriteConfig(dir, FreePort(), FreePort());
  const auto complete = [&](const std::string& words) {
    return Shell(dir, config,
                 absl::StrCat("exec bash --norc -c ",
                              ShellQuote(absl::StrCat(
                                  "source <(maxpool completion bash)\nCOMP_WORDS=(", words,
                                  ")\nCOMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n_maxpool\n"
                                  "printf '%s\\n' \"${COMPREPLY[@]}\""))));
  };
  Result result = complete("maxpool sta");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "status\n");
  // The account names come from `maxpool accounts`: here the config file's (no server runs).
  result = complete("maxpool routing prefer ''");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "work\n");
}

TEST(ScriptingE2E, ManRendersTheManualPage) {
  if (!Installed("man")) GTEST_SKIP() << "man is not installed";
  TempDir dir;
  const fs::path config = WriteConfig(dir, FreePort(), FreePort());
  const Result result =
      Shell(dir, config, "maxpool help --man > maxpool.1 && MANPAGER=cat man -l maxpool.1");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("MAXPOOL(1)"));
  EXPECT_THAT(result.out, HasSubstr("maxpool sessions"));
}

}  // namespace
