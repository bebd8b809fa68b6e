// End to end: `maxpool login`, `maxpool login --api` and `maxpool import` (spec §0.1, §1.5,
// §7.2) with the real binaries: maxpool signs in against maxpool-fake-upstream, whose control
// API mints the authorization code a browser would bring back. The test plays the user: it reads
// the printed sign-in link, then either follows the redirect to maxpool's /callback like a
// browser, or pastes `code#state` on maxpool's stdin.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "boost/json/parse.hpp"
#include "boost/json/serialize.hpp"
#include "boost/json/value.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/raw_socket.h"
#include "support/temp_dir.h"

#ifndef MAXPOOL_BIN
#error "MAXPOOL_BIN must name the built maxpool binary"
#endif
#ifndef MAXPOOL_FAKE_BIN
#error "MAXPOOL_FAKE_BIN must name the built maxpool-fake-upstream binary"
#endif

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using ::maxpool::testing::RawSocket;
using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

// Generous: only a failing test waits this long (sanitizer builds start slowly).
constexpr std::chrono::seconds kLimit{60};

constexpr char kCredential[] = "sk-ant-oat01-e2e-initial-access-SECRET";
constexpr char kApiKey[] = "sk-ant-api03-E2EkeyABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-SECRET";

// --- A child process with piped stdin, stdout and stderr ---------------------------------------

class Child {
 public:
  // Starts `argv` with the test's environment minus the variables that would point maxpool at
  // the user's files or a display, plus `env` ("NAME=value").
  Child(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 ||
        ::pipe2(err, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2 failed";
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry = *e;
      const std::string name = entry.substr(0, entry.find('='));
      if (absl::StartsWith(name, "MAXPOOL_") || name == "TEAMCLAUDE_CONFIG" ||
          name == "XDG_CONFIG_HOME" || name == "HOME" || name == "DISPLAY" ||
          name == "WAYLAND_DISPLAY" || name == "CLAUDE_CONFIG_DIR") {
        continue;
      }
      environment.push_back(entry);
    }
    environment.insert(environment.end(), env.begin(), env.end());
    std::vector<char*> args, envp;
    std::vector<std::string> argv_copy = argv;
    for (std::string& arg : argv_copy) args.push_back(arg.data());
    args.push_back(nullptr);
    for (std::string& entry : environment) envp.push_back(entry.data());
    envp.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_ = in[1];
    if (rc != 0) {
      ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(rc);
      pid_ = -1;
    }
    readers_.emplace_back([this, fd = out[0]] { Drain(fd, out_); });
    readers_.emplace_back([this, fd = err[0]] { Drain(fd, err_); });
  }

  ~Child() {
    CloseStdin();
    if (pid_ > 0 && !exit_code_.has_value()) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    for (std::thread& reader : readers_) reader.join();
  }

  void Write(std::string_view text) {
    ASSERT_GE(stdin_, 0) << "stdin already closed";
    ASSERT_EQ(::write(stdin_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  void CloseStdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }
  void Signal(int signal) {
    if (pid_ > 0 && !exit_code_.has_value()) ::kill(pid_, signal);
  }

  // Waits until stdout contains `needle` (true), or kLimit passes or stdout closes (false).
  bool WaitForOut(std::string_view needle) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, kLimit, [&] {
      return out_.text.find(needle) != std::string::npos || out_.closed;
    }) && out_.text.find(needle) != std::string::npos;
  }

  // The exit code, waiting up to kLimit (then the child is killed and -1 returned).
  int Wait() {
    if (exit_code_.has_value()) return *exit_code_;
    const auto until = std::chrono::steady_clock::now() + kLimit;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > until) {
        ADD_FAILURE() << "the child did not exit in time; stdout: " << out()
                      << " stderr: " << err();
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        exit_code_ = -1;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    // The pipes close when the child exits: wait for the readers to have seen everything.
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, kLimit, [&] { return out_.closed && err_.closed; });
    return *exit_code_;
  }

  std::string out() {
    std::lock_guard lock(mu_);
    return out_.text;
  }
  std::string err() {
    std::lock_guard lock(mu_);
    return err_.text;
  }

 private:
  struct Stream {
    std::string text;
    bool closed = false;
  };

  void Drain(int fd, Stream& stream) {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard lock(mu_);
      if (n <= 0) {
        stream.closed = true;
        changed_.notify_all();
        break;
      }
      stream.text.append(buffer, static_cast<size_t>(n));
      changed_.notify_all();
    }
    ::close(fd);
  }

  pid_t pid_ = -1;
  int stdin_ = -1;
  std::optional<int> exit_code_;
  std::mutex mu_;
  std::condition_variable changed_;
  Stream out_, err_;
  std::vector<std::thread> readers_;
};

// --- Minimal HTTP over loopback ----------------------------------------------------------------

struct HttpReply {
  int status = 0;
  std::string head;
  std::string body;
};

HttpReply Http(uint16_t port, const std::string& method, const std::string& target,
               const std::string& body = "") {
  HttpReply reply;
  auto socket = RawSocket::Connect(port);
  if (socket == nullptr) {
    ADD_FAILURE() << "cannot connect to 127.0.0.1:" << port;
    return reply;
  }
  EXPECT_TRUE(socket->Write(absl::StrCat(
      method, " ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
      "Content-Type: application/json\r\nContent-Length: ", body.size(), "\r\n\r\n", body)));
  EXPECT_TRUE(socket->WaitForClose(kLimit)) << "no complete answer to " << target;
  const std::string& text = socket->received();
  const size_t end = text.find("\r\n\r\n");
  if (end == std::string::npos) {
    ADD_FAILURE() << "no HTTP head in the answer to " << target << ": " << text;
    return reply;
  }
  reply.head = text.substr(0, end);
  reply.body = text.substr(end + 4);
  EXPECT_THAT(absl::AsciiStrToLower(reply.head), Not(HasSubstr("transfer-encoding: chunked")));
  const std::vector<std::string> words = absl::StrSplit(reply.head, ' ');
  if (words.size() < 2 || !absl::SimpleAtoi(words[1], &reply.status)) {
    ADD_FAILURE() << "bad status line: " << reply.head;
  }
  return reply;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size()) {
      int value = 0;
      if (absl::SimpleHexAtoi(absl::string_view(text.data() + i + 1, 2), &value)) {
        out += static_cast<char>(value);
        i += 2;
      } else {
        out += text[i];
      }
    } else {
      out += text[i];
    }
  }
  return out;
}

// The decoded query parameters of `url`.
std::map<std::string, std::string> QueryOf(std::string_view url) {
  std::map<std::string, std::string> params;
  const size_t question = url.find('?');
  if (question == std::string_view::npos) return params;
  for (absl::string_view pair : absl::StrSplit(
           absl::string_view(url.data() + question + 1, url.size() - question - 1), '&')) {
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    params[PercentDecode(std::string(pair.substr(0, eq)))] =
        PercentDecode(std::string(pair.substr(eq + 1)));
  }
  return params;
}

std::string Str(const json::value& value, const std::string& key) {
  const json::value* field = value.as_object().if_contains(key);
  return field != nullptr && field->is_string() ? std::string(field->as_string()) : "<absent>";
}

// --- The fake upstream as a process ------------------------------------------------------------

class FakeUpstream {
 public:
  FakeUpstream() : child_({MAXPOOL_FAKE_BIN, "--port", "0"}, {}) {
    if (!child_.WaitForOut("\n")) {
      ADD_FAILURE() << "the fake did not start: " << child_.err();
      return;
    }
    const std::string line = child_.out();
    const size_t at = line.find("http://127.0.0.1:");
    if (at == std::string::npos) {
      ADD_FAILURE() << "unexpected fake banner: " << line;
      return;
    }
    base_ = line.substr(at, line.find('\n', at) - at);
    int port = 0;
    EXPECT_TRUE(absl::SimpleAtoi(base_.substr(base_.rfind(':') + 1), &port)) << base_;
    port_ = static_cast<uint16_t>(port);
  }
  ~FakeUpstream() {
    child_.Signal(SIGTERM);
    child_.Wait();
  }

  const std::string& base() const { return base_; }
  uint16_t port() const { return port_; }

  // A subscription account whose initial access token is `credential`.
  void AddAccount(const std::string& credential, const std::string& name,
                  const std::string& email) {
    const HttpReply reply =
        Http(port_, "POST", "/_fake/accounts",
             absl::StrCat(R"({"credential":")", credential, R"(","type":"oauth","name":")", name,
                          R"(","email":")", email, R"(","uuid":"uuid-)", name,
                          R"(","tier":"max","refresh_token":"sk-ant-ort01-e2e-initial-)", name,
                          R"(-SECRET"})"));
    ASSERT_EQ(reply.status, 200) << reply.body;
  }

  // An authorization code for the account, bound to the login's challenge, state and redirect.
  std::string MintCode(const std::string& credential, const std::map<std::string, std::string>& q) {
    json::object body{{"credential", credential},
                      {"code_challenge", q.count("code_challenge") ? q.at("code_challenge") : ""},
                      {"state", q.count("state") ? q.at("state") : ""},
                      {"redirect_uri", q.count("redirect_uri") ? q.at("redirect_uri") : ""}};
    const HttpReply reply = Http(port_, "POST", "/_fake/oauth/codes", json::serialize(body));
    EXPECT_EQ(reply.status, 200) << reply.body;
    if (reply.status != 200) return "";
    return Str(json::parse(reply.body), "code");
  }

  // The account's OAuth state (GET /_fake/oauth).
  json::value OAuthAccount(const std::string& credential) {
    const HttpReply reply = Http(port_, "GET", "/_fake/oauth");
    EXPECT_EQ(reply.status, 200) << reply.body;
    const json::value state = json::parse(reply.body);
    const json::value* account = state.at("accounts").as_object().if_contains(credential);
    EXPECT_NE(account, nullptr) << reply.body;
    return account == nullptr ? json::value(json::object()) : *account;
  }

 private:
  Child child_;
  std::string base_;
  uint16_t port_ = 0;
};

// --- The tests ---------------------------------------------------------------------------------

class LoginE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(fake_.base().empty());
    config_ = dir_.path() / "maxpool.json";
    dir_.Write("maxpool.json",
               absl::StrCat(R"({"oauth":{"tokenUrl":")", fake_.base(), R"(/v1/oauth/token",)",
                            R"("authorizeUrl":")", fake_.base(), R"(/oauth/authorize",)",
                            R"("apiBaseUrl":")", fake_.base(), R"("}})"));
  }

  std::unique_ptr<Child> Maxpool(const std::vector<std::string>& args,
                                 std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {MAXPOOL_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--config");
    argv.push_back(config_.string());
    env.push_back("HOME=" + dir_.path().string());
    return std::make_unique<Child>(argv, env);
  }

  // Starts `maxpool login --no-browser` and returns it with the query of the link it printed.
  std::unique_ptr<Child> StartLogin(std::map<std::string, std::string>& query,
                                    std::vector<std::string> extra_args = {}) {
    extra_args.insert(extra_args.begin(), {"login", "--no-browser"});
    std::unique_ptr<Child> login = Maxpool(extra_args);
    // The link is on a line of its own; the instructions after it end with "press Enter."
    EXPECT_TRUE(login->WaitForOut("press Enter.")) << login->out() << login->err();
    const std::string out = login->out();
    const size_t start = out.find(fake_.base() + "/oauth/authorize?");
    EXPECT_NE(start, std::string::npos) << out;
    if (start != std::string::npos)
      query = QueryOf(out.substr(start, out.find('\n', start) - start));
    return login;
  }

  json::value Config() { return json::parse(ReadFile(config_)); }

  void ExpectNoSecrets(Child& child, const std::vector<std::string>& secrets) {
    for (const std::string& secret : secrets) {
      ASSERT_FALSE(secret.empty());
      EXPECT_THAT(child.out(), Not(HasSubstr(secret)));
      EXPECT_THAT(child.err(), Not(HasSubstr(secret)));
    }
  }

  void ExpectMode0600() {
    struct stat st {};
    ASSERT_EQ(::stat(config_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600);
  }

  FakeUpstream fake_;
  TempDir dir_;
  fs::path config_;
};

TEST_F(LoginE2E, BrowserRedirectToTheCallbackLogsIn) {
  fake_.AddAccount(kCredential, "ada", "ada@example.com");
  std::map<std::string, std::string> query;
  std::unique_ptr<Child> login = StartLogin(query);
  login->CloseStdin();  // nothing to paste: only the callback counts
  EXPECT_EQ(query["client_id"], "9d1c250a-e61b-44d9-88ed-5944d1962f5e");
  EXPECT_EQ(query["code_challenge_method"], "S256");
  ASSERT_THAT(query["redirect_uri"], StartsWith("http://localhost:"));
  ASSERT_THAT(query["redirect_uri"], testing::EndsWith("/callback"));
  const std::string code = fake_.MintCode(kCredential, query);
  ASSERT_FALSE(code.empty());

  // The browser follows the redirect.
  std::string port_text = query["redirect_uri"].substr(std::strlen("http://localhost:"));
  port_text = port_text.substr(0, port_text.find('/'));
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(port_text, &port)) << query["redirect_uri"];
  const HttpReply browser = Http(static_cast<uint16_t>(port), "GET",
                                 absl::StrCat("/callback?code=", code, "&state=", query["state"]));
  EXPECT_EQ(browser.status, 302) << browser.head;

  ASSERT_EQ(login->Wait(), 0) << login->err();
  EXPECT_THAT(
      login->out(),
      testing::EndsWith("Logged in as ada@example.com (max): added account \"ada@example.com\"\n"));
  EXPECT_THAT(login->err(), IsEmpty());

  const json::value fake_account = fake_.OAuthAccount(kCredential);
  const std::string access = Str(fake_account, "access_token");
  const std::string refresh = Str(fake_account, "refresh_token");
  EXPECT_NE(access, kCredential);  // the exchange issued new tokens
  const json::value config = Config();
  const json::array& accounts = config.at("accounts").as_array();
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(Str(accounts[0], "name"), "ada@example.com");
  EXPECT_EQ(Str(accounts[0], "type"), "oauth");
  EXPECT_EQ(Str(accounts[0], "accessToken"), access);
  EXPECT_EQ(Str(accounts[0], "refreshToken"), refresh);
  EXPECT_EQ(Str(accounts[0], "accountUuid"), "uuid-ada");
  EXPECT_EQ(Str(accounts[0], "email"), "ada@example.com");
  EXPECT_EQ(Str(accounts[0], "source"), "login");
  EXPECT_TRUE(accounts[0].as_object().contains("expiresAt"));
  // The oauth section survived the save.
  EXPECT_EQ(Str(config.at("oauth"), "tokenUrl"), fake_.base() + "/v1/oauth/token");
  ExpectMode0600();
  ExpectNoSecrets(*login, {access, refresh, code});
}

TEST_F(LoginE2E, PastedCodeLogsInAndASecondLoginUpdatesTheSameEntry) {
  fake_.AddAccount(kCredential, "ada", "ada@example.com");
  std::string first_access;
  for (const char* verb : {"added", "updated"}) {
    std::map<std::string, std::string> query;
    std::unique_ptr<Child> login = StartLogin(query);
    const std::string code = fake_.MintCode(kCredential, query);
    ASSERT_FALSE(code.empty());
    login->Write("\n   \n");  // empty lines keep waiting
    login->Write(absl::StrCat(code, "#", query["state"], "\n"));
    ASSERT_EQ(login->Wait(), 0) << login->err();
    EXPECT_THAT(login->out(), HasSubstr(absl::StrCat("Logged in as ada@example.com (max): ", verb,
                                                     " account \"ada@example.com\"\n")));
    const json::value fake_account = fake_.OAuthAccount(kCredential);
    const std::string access = Str(fake_account, "access_token");
    const json::value config = Config();
    const json::array& accounts = config.at("accounts").as_array();
    ASSERT_EQ(accounts.size(), 1u);
    EXPECT_EQ(Str(accounts[0], "accessToken"), access);
    EXPECT_EQ(Str(accounts[0], "refreshToken"), Str(fake_account, "refresh_token"));
    EXPECT_NE(access, first_access);
    first_access = access;
    ExpectNoSecrets(*login, {access, Str(fake_account, "refresh_token"), code});
  }
  ExpectMode0600();
}

TEST_F(LoginE2E, BadPasteIsReportedAndTheWaitGoesOn) {
  fake_.AddAccount(kCredential, "ada", "ada@example.com");
  std::map<std::string, std::string> query;
  std::unique_ptr<Child> login = StartLogin(query, {"--name", "work"});
  const std::string code = fake_.MintCode(kCredential, query);
  login->Write(absl::StrCat(code, "#some-other-login\n"));
  // The mismatch is reported; then the right paste still works.
  login->Write(absl::StrCat(code, "#", query["state"], "\n"));
  ASSERT_EQ(login->Wait(), 0) << login->err();
  EXPECT_THAT(login->err(), HasSubstr("another login attempt"));
  EXPECT_THAT(login->out(), HasSubstr("added account \"work\""));
  EXPECT_EQ(Str(Config().at("accounts").as_array()[0], "name"), "work");
}

// Headless: no listener; the platform's page shows `code#state` to paste.
TEST_F(LoginE2E, ManualLoginUsesThePlatformRedirect) {
  fake_.AddAccount(kCredential, "ada", "ada@example.com");
  std::map<std::string, std::string> query;
  std::unique_ptr<Child> login = StartLogin(query, {"--manual"});
  EXPECT_EQ(query["redirect_uri"], "https://platform.claude.com/oauth/code/callback");
  EXPECT_THAT(login->out(), Not(HasSubstr("Waiting for the browser")));
  const std::string code = fake_.MintCode(kCredential, query);  // bound to that redirect_uri
  login->Write(absl::StrCat(code, "#", query["state"], "\n"));
  ASSERT_EQ(login->Wait(), 0) << login->err();
  EXPECT_THAT(login->out(), HasSubstr("added account \"ada@example.com\""));

  // With nothing to paste, a manual login cannot finish.
  login = StartLogin(query, {"--manual"});
  login->CloseStdin();
  EXPECT_EQ(login->Wait(), 1);
  EXPECT_THAT(login->err(), HasSubstr("stdin closed before a code was pasted"));
}

TEST_F(LoginE2E, RejectedCodeFailsWithTheOAuthError) {
  fake_.AddAccount(kCredential, "ada", "ada@example.com");
  std::map<std::string, std::string> query;
  std::unique_ptr<Child> login = StartLogin(query);
  login->Write(absl::StrCat("not-a-minted-code#", query["state"], "\n"));
  EXPECT_EQ(login->Wait(), 1);
  EXPECT_THAT(login->err(), AllOf(StartsWith("maxpool: login failed: token exchange failed: "
                                             "HTTP 400 invalid_grant"),
                                  HasSubstr("maxpool login"), Not(HasSubstr("not-a-minted-code"))));
  EXPECT_FALSE(Config().as_object().contains("accounts"));
}

TEST_F(LoginE2E, DeniedSignInFailsTheLogin) {
  std::map<std::string, std::string> query;
  std::unique_ptr<Child> login = StartLogin(query);
  const std::string redirect = query["redirect_uri"];
  int port = 0;
  ASSERT_TRUE(
      absl::SimpleAtoi(redirect.substr(std::strlen("http://localhost:"),
                                       redirect.rfind('/') - std::strlen("http://localhost:")),
                       &port));
  const HttpReply browser = Http(static_cast<uint16_t>(port), "GET",
                                 "/callback?error=access_denied&state=" + query["state"]);
  EXPECT_EQ(browser.status, 400);
  EXPECT_EQ(login->Wait(), 1);
  EXPECT_THAT(login->err(), AllOf(HasSubstr("sign-in failed"), HasSubstr("access_denied")));
}

TEST_F(LoginE2E, ApiKeyFromStdin) {
  std::unique_ptr<Child> login = Maxpool({"login", "--api"});
  login->Write(absl::StrCat("\n", kApiKey, "\n"));
  login->CloseStdin();
  ASSERT_EQ(login->Wait(), 0) << login->err();
  EXPECT_EQ(login->out(), "Saved API key: added account \"api-1\"\n");
  const json::value config = Config();
  const json::array& accounts = config.at("accounts").as_array();
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(Str(accounts[0], "type"), "apikey");
  EXPECT_EQ(Str(accounts[0], "apiKey"), kApiKey);
  ExpectMode0600();
  ExpectNoSecrets(*login, {kApiKey});

  // --key-stdin is the same; --name names it.
  login = Maxpool({"login", "--key-stdin", "--name", "console"});
  login->Write(kApiKey);
  login->CloseStdin();
  ASSERT_EQ(login->Wait(), 0) << login->err();
  EXPECT_EQ(login->out(), "Saved API key: added account \"console\"\n");
}

TEST_F(LoginE2E, ApiKeyLoginCreatesAMissingConfigFile) {
  fs::remove(config_);
  std::unique_ptr<Child> login = Maxpool({"login", "--api"});
  login->Write(kApiKey);
  login->CloseStdin();
  ASSERT_EQ(login->Wait(), 0) << login->err();
  const json::value config = Config();
  ASSERT_EQ(config.at("accounts").as_array().size(), 1u);
  EXPECT_TRUE(config.as_object().contains("proxy"));  // the first-run config around it
  ExpectMode0600();
}

TEST_F(LoginE2E, BadApiKeyExitsOneWithAClearMessage) {
  const std::string before = ReadFile(config_);
  std::unique_ptr<Child> login = Maxpool({"login", "--api"});
  login->Write("sk-ant-oat01-this-is-an-oauth-token-SECRET\n");
  login->CloseStdin();
  EXPECT_EQ(login->Wait(), 1);
  EXPECT_THAT(login->out(), IsEmpty());
  EXPECT_THAT(login->err(), AllOf(StartsWith("maxpool: "), HasSubstr("not an API key"),
                                  HasSubstr("maxpool login")));
  const std::string err = login->err();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  ExpectNoSecrets(*login, {"this-is-an-oauth-token-SECRET"});

  login = Maxpool({"login", "--api"});
  login->CloseStdin();  // nothing on stdin
  EXPECT_EQ(login->Wait(), 1);
  EXPECT_THAT(login->err(), HasSubstr("no API key on stdin"));
  EXPECT_EQ(ReadFile(config_), before);
}

TEST_F(LoginE2E, UsageErrorsExitTwo) {
  std::unique_ptr<Child> run = Maxpool({"login", "--bogus"});
  EXPECT_EQ(run->Wait(), 2);
  EXPECT_THAT(run->err(), HasSubstr("unknown option --bogus"));

  run = Maxpool({"login", "--api", "--key", kApiKey});
  EXPECT_EQ(run->Wait(), 2);
  EXPECT_THAT(run->err(), HasSubstr("stdin"));
  ExpectNoSecrets(*run, {kApiKey});

  run = Maxpool({"import", "--api"});
  EXPECT_EQ(run->Wait(), 2);
  EXPECT_THAT(run->err(), HasSubstr("--api only applies to `maxpool login`"));

  run = Maxpool({"login", "--name"});
  EXPECT_EQ(run->Wait(), 2);
}

TEST_F(LoginE2E, HelpForEachCommand) {
  std::unique_ptr<Child> run = Maxpool({"login", "--help"});
  EXPECT_EQ(run->Wait(), 0);
  EXPECT_THAT(run->out(), StartsWith("usage: maxpool login"));
  run = Maxpool({"help", "import"});
  EXPECT_EQ(run->Wait(), 0);
  EXPECT_THAT(run->out(), AllOf(StartsWith("usage: maxpool import"), HasSubstr("single-use")));
  run = Maxpool({"--help"});
  EXPECT_EQ(run->Wait(), 0);
  EXPECT_THAT(run->out(), AllOf(StartsWith("usage: maxpool <command>"), HasSubstr("login"),
                                HasSubstr("import")));
}

std::string CredentialsJson(const std::string& access, const std::string& refresh) {
  return absl::StrCat(R"({"claudeAiOauth":{"accessToken":")", access, R"(","refreshToken":")",
                      refresh, R"(","expiresAt":4102444800000,)",
                      R"("scopes":["user:inference","user:profile"],"subscriptionType":"max"}})");
}

TEST_F(LoginE2E, ImportReadsClaudeCodesCredentials) {
  fake_.AddAccount(kCredential, "ada", "ada@example.com");
  const std::string refresh = "sk-ant-ort01-e2e-claude-code-refresh-SECRET";
  const fs::path from = dir_.Write("credentials.json", CredentialsJson(kCredential, refresh));
  std::unique_ptr<Child> import = Maxpool({"import", "--from", from.string()});
  ASSERT_EQ(import->Wait(), 0) << import->err();
  EXPECT_THAT(import->out(),
              StartsWith(absl::StrCat("Imported ada@example.com (max) from ", from.string(),
                                      ": added account \"ada@example.com\"\n")));
  EXPECT_THAT(import->out(), AllOf(HasSubstr("refresh token"), HasSubstr("maxpool login")));
  EXPECT_THAT(import->err(), IsEmpty());
  const json::value config = Config();
  const json::array& accounts = config.at("accounts").as_array();
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(Str(accounts[0], "accessToken"), kCredential);
  EXPECT_EQ(Str(accounts[0], "refreshToken"), refresh);
  EXPECT_EQ(Str(accounts[0], "accountUuid"), "uuid-ada");
  EXPECT_EQ(Str(accounts[0], "source"), "import");
  EXPECT_EQ(accounts[0].at("expiresAt").to_number<int64_t>(), 4102444800000);
  ExpectMode0600();
  ExpectNoSecrets(*import, {kCredential, refresh});
  // The import never spent the refresh token.
  EXPECT_EQ(fake_.OAuthAccount(kCredential).at("refresh_calls").to_number<int64_t>(), 0);
}

TEST_F(LoginE2E, ImportWithoutAReadableProfileStillImports) {
  const std::string access = "sk-ant-oat01-e2e-unknown-to-the-fake-SECRET";
  const fs::path from =
      dir_.Write("credentials.json", CredentialsJson(access, "sk-ant-ort01-e2e-r-SECRET"));
  std::unique_ptr<Child> import = Maxpool({"import", "--from", from.string()});
  ASSERT_EQ(import->Wait(), 0) << import->err();
  EXPECT_THAT(import->err(), AllOf(HasSubstr("could not read the account profile"),
                                   HasSubstr("HTTP 401"), HasSubstr("\"claude-code\"")));
  EXPECT_THAT(import->out(), HasSubstr("added account \"claude-code\""));
  const json::value config = Config();
  const json::array& accounts = config.at("accounts").as_array();
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(Str(accounts[0], "name"), "claude-code");
  EXPECT_EQ(Str(accounts[0], "accessToken"), access);
  ExpectNoSecrets(*import, {access, "sk-ant-ort01-e2e-r-SECRET"});
}

TEST_F(LoginE2E, ImportOfAMissingFileNamesThePath) {
  const fs::path missing = dir_.path() / "nowhere" / ".credentials.json";
  std::unique_ptr<Child> import = Maxpool({"import", "--from", missing.string()});
  EXPECT_EQ(import->Wait(), 1);
  EXPECT_THAT(import->err(), AllOf(StartsWith("maxpool: "), HasSubstr(missing.string())));
  EXPECT_THAT(import->out(), IsEmpty());

  // The default path is under HOME.
  import = Maxpool({"import"});
  EXPECT_EQ(import->Wait(), 1);
  EXPECT_THAT(import->err(), HasSubstr((dir_.path() / ".claude" / ".credentials.json").string()));
}

}  // namespace
