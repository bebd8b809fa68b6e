#pragma once

// `maxpool run [-- ARGS...]` (spec §0.1): runs Claude Code through the proxy. The child is
// `claude` found on PATH (or $MAXPOOL_CLAUDE_BIN, for tests and unusual installs), with stdio
// inherited, ANTHROPIC_BASE_URL set to the proxy of the config file, and a fresh session id in
// ANTHROPIC_CUSTOM_HEADERS ("x-maxpool-session: <id>", appended on its own line to a value the
// caller already has; Claude Code reads one header per line) so that the process stays on one
// account (spec §6.4). Blocks until the child exits. Stateless.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_path.h"

namespace maxpool::app {

// Environment variable naming the program to run instead of `claude` (a path, or a name looked
// up on PATH).
inline constexpr char kClaudeBinEnv[] = "MAXPOOL_CLAUDE_BIN";
// The session header (spec §6.4) and Claude Code's variable for extra request headers.
inline constexpr char kSessionHeader[] = "x-maxpool-session";
inline constexpr char kCustomHeadersEnv[] = "ANTHROPIC_CUSTOM_HEADERS";

struct RunArgs {
  std::filesystem::path config_path;
  std::vector<std::string> claude_args;  // the words after `--`
};

// The help of `maxpool run` (ends with a newline).
std::string RunUsageText();

// A random (version 4) UUID, lower-case: the session id of one `maxpool run`.
std::string NewSessionId();

// The ANTHROPIC_CUSTOM_HEADERS value for the child: `existing` (unset or empty: nothing) with
// "x-maxpool-session: <session>" on a line of its own after it. When `existing` already has an
// x-maxpool-session line (any case), it is returned unchanged: the caller chose the session.
std::string CustomHeadersWithSession(const std::optional<std::string>& existing,
                                     std::string_view session);

// Runs the child (environment: this process's, with ANTHROPIC_BASE_URL and
// ANTHROPIC_CUSTOM_HEADERS replaced; `env` is read for $MAXPOOL_CLAUDE_BIN and the existing
// ANTHROPIC_CUSTOM_HEADERS). SIGINT and SIGQUIT are ignored here while it runs (the child gets
// them from the terminal). Returns the child's exit code, 128 + the signal when a signal ended
// it; 1 with one line on `err` when the config cannot be loaded or the program cannot be started
// (not installed: a line saying to install Claude Code).
int RunClaude(const RunArgs& args, const config::EnvLookup& env, std::ostream& err);

}  // namespace maxpool::app
