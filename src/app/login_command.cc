#include "app/login_command.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "app/cli.h"
#include "app/option_help.h"
#include "config/config_loader.h"
#include "config/config_sources.h"
#include "config/config_store.h"
#include "core/absl_view.h"
#include "core/one_line.h"
#include "credentials/claude_code_credentials.h"
#include "credentials/login_flow.h"
#include "credentials/pasted_code.h"

extern char** environ;

namespace maxpool::app {
namespace {

using credentials::LoggedInAccount;
using credentials::LoginFlow;

constexpr size_t kMaxPastedLine = 64 * 1024;
constexpr std::string_view kImportFallbackName = "claude-code";

// Keeps a message on one line whatever it quotes.
std::string Trimmed(std::string_view text) {
  return std::string(absl::StripAsciiWhitespace(core::AbslView(text)));
}

// The config's `oauth` section; a missing file reads as the defaults (the save creates it).
absl::StatusOr<v1::OAuthConfig> OAuthSection(const std::filesystem::path& path) {
  absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfig(path);
  if (loaded.ok()) return loaded->config.oauth();
  if (absl::IsNotFound(loaded.status())) return v1::OAuthConfig();
  return loaded.status();
}

// The server's layers: with a read-only config file (a container's mount), the account goes to
// the overlay in the state directory.
absl::StatusOr<std::unique_ptr<config::ConfigStore>> OpenStore(const std::filesystem::path& path) {
  absl::StatusOr<config::ConfigSources> sources =
      config::ResolveConfigSources(path, config::ProcessEnv());
  if (!sources.ok()) return sources.status();
  return config::ConfigStore::Create(*std::move(sources));
}

// The LoginFlow for the config at `path`, or a printed error.
std::unique_ptr<LoginFlow> MakeFlow(const std::filesystem::path& path, const config::EnvLookup& env,
                                    std::ostream& err) {
  absl::StatusOr<v1::OAuthConfig> oauth = OAuthSection(path);
  if (!oauth.ok()) {
    err << "maxpool: " << core::OneLine(oauth.status())
        << " (fix the config file first; `maxpool config check` shows what is wrong)\n";
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<LoginFlow>> flow =
      LoginFlow::Create(credentials::ResolveOAuthEndpoints(*oauth, env));
  if (!flow.ok()) {
    err << "maxpool: " << core::OneLine(flow.status()) << " (fix oauth.caFile in " << path.string()
        << ")\n";
    return nullptr;
  }
  return *std::move(flow);
}

std::string TierText(const credentials::Profile& profile) {
  return profile.tier.empty() ? std::string("plan unknown") : profile.tier;
}

std::string WhoText(const credentials::Profile& profile) {
  if (!profile.email.empty()) return profile.email;
  if (!profile.uuid.empty()) return absl::StrCat("account ", profile.uuid);
  return "an unknown account";
}

// Starts `xdg-open URL` (`open URL` on macOS) with no terminal I/O, without waiting for it.
// Any failure is ignored: the link is printed anyway.
void TryOpenBrowser(const std::string& url, const config::EnvLookup& env) {
#ifdef __APPLE__
  const char* const opener = "open";
  static_cast<void>(env);
#else
  const char* const opener = "xdg-open";
  // Without a display xdg-open may start a text browser that fights us for the terminal.
  const auto set = [&](std::string_view name) {
    std::optional<std::string> value = env ? env(name) : std::nullopt;
    return value.has_value() && !value->empty();
  };
  if (!set("DISPLAY") && !set("WAYLAND_DISPLAY")) return;
#endif
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) return;
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
  std::string opener_arg = opener;
  std::string url_arg = url;
  char* argv[] = {opener_arg.data(), url_arg.data(), nullptr};
  pid_t pid = 0;
  static_cast<void>(posix_spawnp(&pid, opener, &actions, nullptr, argv, environ));
  posix_spawn_file_actions_destroy(&actions);
}

bool FdIsOpen(int fd) { return fd >= 0 && ::fcntl(fd, F_GETFL) != -1; }

// A pipe whose read end wakes poll() when the callback wait ends.
class WakePipe {
 public:
  WakePipe() {
    if (::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0) fds_[0] = fds_[1] = -1;
  }
  ~WakePipe() {
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }
  WakePipe(const WakePipe&) = delete;
  WakePipe& operator=(const WakePipe&) = delete;
  bool ok() const { return fds_[0] >= 0; }
  int read_fd() const { return fds_[0]; }
  void Wake() {
    const char byte = 1;
    static_cast<void>(::write(fds_[1], &byte, 1));
  }

 private:
  int fds_[2] = {-1, -1};
};

// The authorization code: from the callback (when `callback` is not null) or pasted on `in_fd`
// (when it is open), whichever comes first within `timeout`.
absl::StatusOr<std::string> WaitForCode(credentials::CallbackServer* callback,
                                        const std::string& expected_state, int in_fd,
                                        absl::Duration timeout, std::ostream& err) {
  const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoMilliseconds(timeout);
  const std::string timeout_text =
      absl::StrCat("no sign-in arrived within ", absl::FormatDuration(timeout),
                   "; run `maxpool login` again (MAXPOOL_LOGIN_TIMEOUT_MS sets how long it waits)");
  bool stdin_open = FdIsOpen(in_fd);
  WakePipe wake;
  if (callback != nullptr && !wake.ok()) return absl::InternalError("cannot create a pipe");

  std::optional<absl::StatusOr<std::string>> callback_result;
  std::thread waiter;
  if (callback != nullptr) {
    waiter = std::thread([&] {
      callback_result = callback->WaitForCodeBlocking(deadline - std::chrono::steady_clock::now());
      wake.Wake();
    });
  }
  // Ends the callback wait (if still running) and joins it; returns its result, if any.
  bool joined = callback == nullptr;
  const auto finish_waiter = [&] {
    if (joined) return;
    callback->Cancel();
    waiter.join();
    joined = true;
  };

  std::string pending;  // stdin bytes of an unfinished line
  absl::StatusOr<std::string> result = absl::DeadlineExceededError(timeout_text);
  // Handles one pasted line; true when it settled the result.
  const auto take_line = [&](std::string_view line) {
    if (Trimmed(line).empty()) return false;  // an empty line keeps waiting
    absl::StatusOr<std::string> code = credentials::ParsePastedCode(line, expected_state);
    if (code.ok()) {
      result = *std::move(code);
      return true;
    }
    err << "maxpool: " << core::OneLine(code.status())
        << (callback != nullptr ? " (or finish signing in in the browser)" : "") << std::endl;
    return false;
  };

  bool settled = false;
  while (!settled) {
    if (callback == nullptr && !stdin_open) {
      result = absl::FailedPreconditionError(
          "stdin closed before a code was pasted; run `maxpool login` again and paste the code "
          "shown after you sign in");
      break;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    pollfd fds[2];
    nfds_t count = 0;
    int wake_index = -1, stdin_index = -1;
    if (callback != nullptr) {
      wake_index = static_cast<int>(count);
      fds[count++] = pollfd{wake.read_fd(), POLLIN, 0};
    }
    if (stdin_open) {
      stdin_index = static_cast<int>(count);
      fds[count++] = pollfd{in_fd, POLLIN, 0};
    }
    const int ready = ::poll(fds, count, static_cast<int>(std::min<int64_t>(left, INT_MAX)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      result = absl::InternalError("poll failed while waiting for the sign-in");
      break;
    }
    if (wake_index >= 0 && fds[wake_index].revents != 0) {
      finish_waiter();
      if (callback_result.has_value()) {
        if (absl::IsDeadlineExceeded(callback_result->status())) {
          result = absl::DeadlineExceededError(timeout_text);
        } else if (callback_result->ok()) {
          result = *std::move(*callback_result);
        } else {
          result =
              absl::Status(callback_result->status().code(),
                           absl::StrCat("sign-in failed: ", callback_result->status().message(),
                                        "; run `maxpool login` again"));
        }
      }
      break;
    }
    if (stdin_index >= 0 && fds[stdin_index].revents != 0) {
      char buffer[4096];
      const ssize_t n = ::read(in_fd, buffer, sizeof(buffer));
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {  // EOF or an unreadable stdin: only the callback counts from now on
        stdin_open = false;
        settled = take_line(pending);
        pending.clear();
        continue;
      }
      pending.append(buffer, static_cast<size_t>(n));
      size_t newline;
      while (!settled && (newline = pending.find('\n')) != std::string::npos) {
        const std::string line = pending.substr(0, newline);
        pending.erase(0, newline + 1);
        settled = take_line(line);
      }
      if (pending.size() > kMaxPastedLine) {
        err << "maxpool: the pasted text is too long; paste only the code" << std::endl;
        pending.clear();
      }
    }
  }
  finish_waiter();
  return result;
}

int RunOAuthLogin(const LoginArgs& args, const config::EnvLookup& env, int in_fd, std::ostream& out,
                  std::ostream& err) {
  std::unique_ptr<LoginFlow> flow = MakeFlow(args.config_path, env, err);
  if (flow == nullptr) return kExitFailure;
  absl::StatusOr<std::unique_ptr<config::ConfigStore>> store = OpenStore(args.config_path);
  if (!store.ok()) {
    err << "maxpool: " << core::OneLine(store.status()) << "\n";
    return kExitFailure;
  }
  const bool can_paste = FdIsOpen(in_fd);
  credentials::LoginStartOptions options;
  options.redirect = args.manual ? credentials::LoginStartOptions::Redirect::kManual
                                 : credentials::LoginStartOptions::Redirect::kLocalCallback;
  if (args.manual && !can_paste) {
    err << "maxpool: --manual needs the code pasted on stdin, but stdin is closed; run it in a "
           "terminal\n";
    return kExitFailure;
  }
  absl::StatusOr<credentials::StartedLogin> started = flow->Start(options);
  if (!started.ok() && !args.manual && absl::IsUnavailable(started.status()) && can_paste) {
    err << "maxpool: warning: cannot listen for the browser's redirect ("
        << core::OneLine(started.status()) << "); paste the code instead" << std::endl;
    options.redirect = credentials::LoginStartOptions::Redirect::kManual;
    started = flow->Start(options);
  }
  if (!started.ok()) {
    err << "maxpool: cannot start the login: " << core::OneLine(started.status()) << "\n";
    return kExitFailure;
  }

  out << "Sign in to your Claude account in a browser:\n\n  " << started->authorize_url << "\n\n";
  if (started->callback != nullptr) {
    out << "Waiting for the browser to come back to " << started->redirect_uri << " ..."
        << "\n";
    if (can_paste) {
      out << "If that browser runs on another machine, paste the address it ends on (or the "
             "code it shows) here and press Enter."
          << "\n";
    }
  } else {
    out << "After signing in, paste the code the page shows here and press Enter."
        << "\n";
  }
  out << std::flush;
  if (args.open_browser) TryOpenBrowser(started->authorize_url, env);

  absl::StatusOr<std::string> code = WaitForCode(started->callback.get(), started->session.state,
                                                 in_fd, credentials::LoginTimeout(env), err);
  if (started->callback != nullptr) started->callback->Stop();
  if (!code.ok()) {
    err << "maxpool: login failed: " << core::OneLine(code.status()) << "\n";
    return kExitFailure;
  }
  absl::StatusOr<LoggedInAccount> account = flow->Complete(started->session, *code);
  if (!account.ok()) {
    err << "maxpool: login failed: " << core::OneLine(account.status())
        << "; run `maxpool login` again\n";
    return kExitFailure;
  }
  if (!account->profile_error.empty()) {
    err << "maxpool: warning: signed in, but the account profile could not be read ("
        << core::OneLine(account->profile_error) << "); saving the login without its plan"
        << std::endl;
  }
  absl::StatusOr<credentials::SavedAccount> saved =
      credentials::SaveLoggedInAccount(**store, *account, "login", args.name);
  if (!saved.ok()) {
    err << "maxpool: signed in, but could not save the account to " << args.config_path.string()
        << ": " << core::OneLine(saved.status())
        << (absl::IsAlreadyExists(saved.status()) ? " (choose another --name)" : "") << "\n";
    return kExitFailure;
  }
  out << "Logged in as " << WhoText(account->profile) << " (" << TierText(account->profile)
      << "): " << (saved->added ? "added" : "updated") << " account \"" << saved->name << "\""
      << std::endl;
  return kExitOk;
}

// Reads one line from a terminal with echo off (restored afterwards).
absl::StatusOr<std::string> ReadHiddenLine(int fd, std::ostream& err) {
  err << "Paste your Anthropic API key (sk-ant-api...) and press Enter (input is hidden): "
      << std::flush;
  termios saved{};
  const bool hidden = ::tcgetattr(fd, &saved) == 0;
  if (hidden) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  for (;;) {
    char c = 0;
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n' || line.size() > kMaxPastedLine) break;
    line += c;
  }
  if (hidden) ::tcsetattr(fd, TCSAFLUSH, &saved);
  return line;
}

// The API key on `fd`: a hidden prompt on a terminal, else the first non-empty line.
absl::StatusOr<std::string> ReadApiKey(int fd, std::ostream& err) {
  const absl::Status closed = absl::FailedPreconditionError(
      "no API key on stdin; pipe it in, e.g. `maxpool login --api < key.txt`, or run it in a "
      "terminal to paste it");
  if (!FdIsOpen(fd)) return closed;
  if (::isatty(fd) == 1) return ReadHiddenLine(fd, err);
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > kMaxPastedLine) break;
  }
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = Trimmed(std::string_view(text).substr(start, end - start));
    if (!line.empty()) return line;
    start = end + 1;
  }
  return closed;
}

int RunApiKeyLogin(const LoginArgs& args, int in_fd, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<config::ConfigStore>> store = OpenStore(args.config_path);
  if (!store.ok()) {
    err << "maxpool: " << core::OneLine(store.status()) << "\n";
    return kExitFailure;
  }
  absl::StatusOr<std::string> key = ReadApiKey(in_fd, err);
  if (!key.ok()) {
    err << "maxpool: " << core::OneLine(key.status()) << "\n";
    return kExitFailure;
  }
  absl::StatusOr<credentials::SavedAccount> saved =
      credentials::SaveApiKeyAccount(**store, *key, args.name);
  if (!saved.ok()) {
    err << "maxpool: " << core::OneLine(saved.status())
        << (absl::IsAlreadyExists(saved.status()) ? " (choose another --name)" : "") << "\n";
    return kExitFailure;
  }
  out << "Saved API key: " << (saved->added ? "added" : "updated") << " account \"" << saved->name
      << "\"" << std::endl;
  return kExitOk;
}

}  // namespace

std::string LoginUsageText() {
  return R"(usage: maxpool login [--name NAME] [--no-browser] [--manual] [--config PATH]
       maxpool login --api [--name NAME] [--config PATH] < key.txt

Adds a Claude subscription (Pro, Max, Team) to the pool: prints a sign-in link and opens it in
a browser; after you sign in, the browser comes back to a listener on this machine. If it
cannot (a browser on another machine), paste the address it ends on, or the code it shows, and
press Enter. Logging in again with the same account updates its entry. The wait ends after
5 minutes (MAXPOOL_LOGIN_TIMEOUT_MS, at least 60000).
)" + OptionsHelp("login");
}

std::string ImportUsageText() {
  return R"(usage: maxpool import [--from PATH] [--name NAME] [--config PATH]

Adds the subscription Claude Code is logged in with, from its credentials file (default
$CLAUDE_CONFIG_DIR/.credentials.json, else ~/.claude/.credentials.json). The account is named
after its email (read from the account profile), else NAME, else "claude-code".

Note: maxpool and Claude Code then share one refresh token, and refresh tokens are single-use:
whichever refreshes first leaves the other with a dead copy, so one of them will ask you to log
in again. For a login of maxpool's own, use `maxpool login` instead.
)" + OptionsHelp("import");
}

int RunLogin(const LoginArgs& args, const config::EnvLookup& env, int in_fd, std::ostream& out,
             std::ostream& err) {
  if (args.name.has_value() && Trimmed(*args.name).empty()) {
    err << "maxpool: --name needs a non-empty name\n";
    return kExitFailure;
  }
  if (args.api) return RunApiKeyLogin(args, in_fd, out, err);
  return RunOAuthLogin(args, env, in_fd, out, err);
}

int RunImport(const ImportArgs& args, const config::EnvLookup& env, std::ostream& out,
              std::ostream& err) {
  const std::filesystem::path from =
      args.from.value_or(credentials::DefaultClaudeCodeCredentialsPath(env));
  absl::StatusOr<credentials::ImportedCredentials> imported =
      credentials::ReadClaudeCodeCredentials(from);
  if (!imported.ok()) {
    err << "maxpool: " << core::OneLine(imported.status()) << "\n";
    return kExitFailure;
  }
  std::unique_ptr<LoginFlow> flow = MakeFlow(args.config_path, env, err);
  if (flow == nullptr) return kExitFailure;
  absl::StatusOr<std::unique_ptr<config::ConfigStore>> store = OpenStore(args.config_path);
  if (!store.ok()) {
    err << "maxpool: " << core::OneLine(store.status()) << "\n";
    return kExitFailure;
  }
  LoggedInAccount account;
  account.tokens = imported->tokens;
  std::optional<std::string> name = args.name;
  absl::StatusOr<credentials::Profile> profile = flow->FetchProfile(account.tokens.access_token);
  if (profile.ok()) {
    account.profile = *std::move(profile);
  } else {
    if (!name.has_value()) name = std::string(kImportFallbackName);
    err << "maxpool: warning: could not read the account profile ("
        << core::OneLine(profile.status()) << "); importing it as \"" << *name
        << "\" without its email and plan" << std::endl;
  }
  if (account.profile.tier.empty() && !imported->subscription_type.empty()) {
    account.profile.tier = imported->subscription_type;
  }
  absl::StatusOr<credentials::SavedAccount> saved =
      credentials::SaveLoggedInAccount(**store, account, "import", name);
  if (!saved.ok()) {
    err << "maxpool: could not save the account to " << args.config_path.string() << ": "
        << core::OneLine(saved.status())
        << (absl::IsAlreadyExists(saved.status()) ? " (choose another --name)" : "") << "\n";
    return kExitFailure;
  }
  out << "Imported " << WhoText(account.profile) << " (" << TierText(account.profile) << ") from "
      << from.string() << ": " << (saved->added ? "added" : "updated") << " account \""
      << saved->name << "\"\n";
  out << "Note: maxpool and Claude Code now share this login's refresh token, which is "
         "single-use: whichever refreshes first leaves the other with a dead copy, and that side "
         "must log in again. For a login of maxpool's own, run `maxpool login` instead."
      << std::endl;
  return kExitOk;
}

}  // namespace maxpool::app
