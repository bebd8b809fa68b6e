#include "app/run_command.h"

#include <openssl/rand.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "app/cli.h"
#include "app/local_config.h"
#include "core/absl_view.h"
#include "core/one_line.h"

extern char** environ;

namespace maxpool::app {
namespace {

constexpr char kBaseUrlEnv[] = "ANTHROPIC_BASE_URL";

// This process's environment with the variables of `add` ("NAME=value") replaced.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& add) {
  std::vector<std::string> result;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    bool replaced = false;
    for (const std::string& variable : add) {
      const std::string_view name = std::string_view(variable).substr(0, variable.find('=') + 1);
      if (text.substr(0, name.size()) == name) replaced = true;
    }
    if (!replaced) result.emplace_back(text);
  }
  result.insert(result.end(), add.begin(), add.end());
  return result;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Ignores SIGINT and SIGQUIT for its lifetime, as system() does while its child runs.
class IgnoreInterrupts {
 public:
  IgnoreInterrupts() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGINT, &ignore, &old_int_);
    sigaction(SIGQUIT, &ignore, &old_quit_);
  }
  ~IgnoreInterrupts() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGQUIT, &old_quit_, nullptr);
  }
  IgnoreInterrupts(const IgnoreInterrupts&) = delete;
  IgnoreInterrupts& operator=(const IgnoreInterrupts&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_quit_ {};
};

}  // namespace

std::string RunUsageText() {
  return absl::StrCat(R"(usage: maxpool run [--config PATH] [-- CLAUDE-ARGS...]

Runs Claude Code (`claude`, found on PATH) through the proxy of the config file: its
ANTHROPIC_BASE_URL points at proxy.host:proxy.port (a wildcard host becomes 127.0.0.1), and a
fresh session id is added to ANTHROPIC_CUSTOM_HEADERS as  x-maxpool-session: <id>  (after any
headers you set there), so that this Claude Code stays on one account while it can serve.
Everything after -- goes to claude:  maxpool run -- --resume
The terminal is Claude Code's while it runs; its exit code is maxpool's (128 + N when signal N
ended it). Start the proxy first (`maxpool server`).

environment:
  )",
                      kClaudeBinEnv,
                      R"(   the program to run instead of `claude` (a path, or a name on PATH)
)");
}

std::string NewSessionId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    std::fputs("maxpool: fatal: OpenSSL RAND_bytes failed\n", stderr);
    std::abort();
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string id;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
    absl::StrAppendFormat(&id, "%02x", bytes[i]);
  }
  return id;
}

std::string CustomHeadersWithSession(const std::optional<std::string>& existing,
                                     std::string_view session) {
  const std::string line = absl::StrCat(kSessionHeader, ": ", core::AbslView(session));
  if (!existing.has_value() || existing->empty()) return line;
  for (absl::string_view header : absl::StrSplit(*existing, '\n')) {
    const absl::string_view name = absl::StripAsciiWhitespace(header.substr(0, header.find(':')));
    if (header.find(':') != absl::string_view::npos &&
        absl::EqualsIgnoreCase(name, kSessionHeader)) {
      return *existing;
    }
  }
  const bool ends_with_newline = existing->back() == '\n';
  return absl::StrCat(*existing, ends_with_newline ? "" : "\n", line);
}

int RunClaude(const RunArgs& args, const config::EnvLookup& env, std::ostream& err) {
  absl::StatusOr<v1::Config> config = LoadLocalConfig(args.config_path, /*missing_ok=*/true);
  if (!config.ok()) {
    err << "maxpool: " << config.status().message() << "\n";
    return kExitFailure;
  }
  std::optional<std::string> program = env(kClaudeBinEnv);
  const bool overridden = program.has_value() && !program->empty();
  if (!overridden) program = "claude";

  std::vector<std::string> argv_strings = {*program};
  argv_strings.insert(argv_strings.end(), args.claude_args.begin(), args.claude_args.end());
  std::vector<std::string> env_strings = ChildEnvironment(
      {absl::StrCat(kBaseUrlEnv, "=", ProxyBaseUrl(*config)),
       absl::StrCat(kCustomHeadersEnv, "=",
                    CustomHeadersWithSession(env(kCustomHeadersEnv), NewSessionId()))});
  std::vector<char*> child_argv = Pointers(argv_strings);
  std::vector<char*> child_env = Pointers(env_strings);

  IgnoreInterrupts ignore;
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGQUIT);
  sigaddset(&defaults, SIGPIPE);
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setsigmask(&attributes, &empty);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, program->c_str(), nullptr, &attributes, child_argv.data(),
                                   child_env.data());
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    if (spawned == ENOENT && !overridden) {
      err << "maxpool: `claude` (Claude Code) is not installed or not on PATH; install it "
             "(npm install -g @anthropic-ai/claude-code) and try again\n";
    } else if (spawned == ENOENT) {
      err << "maxpool: " << kClaudeBinEnv << "=" << core::OneLine(*program)
          << " was not found; point it at Claude Code's `claude`, or unset it\n";
    } else {
      err << "maxpool: cannot run " << core::OneLine(*program) << ": " << std::strerror(spawned)
          << (overridden ? absl::StrCat(" (check ", kClaudeBinEnv, ")") : "") << "\n";
    }
    return kExitFailure;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      err << "maxpool: lost track of " << core::OneLine(*program) << ": " << std::strerror(errno)
          << "\n";
      return kExitFailure;
    }
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return kExitFailure;
}

}  // namespace maxpool::app
