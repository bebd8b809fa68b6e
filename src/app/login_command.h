#pragma once

// `maxpool login`, `maxpool login --api` and `maxpool import` (spec §0.1, §1.5, §7.2): add an
// account to the config file. The work is in credentials/login_flow.h; this is the terminal side
// (printing the sign-in link, opening a browser, racing the callback against a pasted code,
// reading an API key without echo). Stateless; every call blocks until it is done.
//
// Output: the result on `out` in one line; problems on `err`, one line each, "maxpool: …" with
// what to do. No secret (token, key, authorization code) is ever printed.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "config/config_path.h"

namespace maxpool::app {

struct LoginArgs {
  std::filesystem::path config_path;
  bool api = false;                 // --api: add a Console API key instead of a subscription
  std::optional<std::string> name;  // --name NAME
  bool open_browser = true;         // --no-browser turns it off
  bool manual = false;              // --manual: no local callback; paste `code#state`
};

// OAuth: prints the sign-in link, tries to open a browser (xdg-open / open, quietly), then waits
// for whichever comes first: the browser's redirect to the local callback, or a code pasted on
// `in_fd` (`code#state`, the callback URL, or the bare code; empty lines are ignored, a bad
// paste is reported and the wait goes on; EOF leaves only the callback). Waits
// LoginTimeout(env). Then exchanges the code, reads the profile and upserts the account:
// "Logged in as <email> (<tier>): added|updated account "<name>"".
// --api: reads the key from `in_fd` (a hidden prompt on a terminal; else the first non-empty
// line) and saves it: "Saved API key: added|updated account "<name>"".
// Returns 0, or 1 on any failure.
int RunLogin(const LoginArgs& args, const config::EnvLookup& env, int in_fd, std::ostream& out,
             std::ostream& err);

struct ImportArgs {
  std::filesystem::path config_path;
  std::optional<std::filesystem::path> from;  // --from PATH; default: Claude Code's file
  std::optional<std::string> name;            // --name NAME
};

// Reads Claude Code's credentials file, reads the profile with its access token (never
// refreshing it) and upserts the account with source "import". When the profile cannot be read
// the account is still imported, named `name` or "claude-code", with a warning. Prints the
// result line and a note that the refresh token is now shared with Claude Code. Returns 0 or 1.
int RunImport(const ImportArgs& args, const config::EnvLookup& env, std::ostream& out,
              std::ostream& err);

// Help texts (each ends with a newline).
std::string LoginUsageText();
std::string ImportUsageText();

}  // namespace maxpool::app
