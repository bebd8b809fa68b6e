#include "credentials/login_flow.h"

// The login library (spec §1.5, §7.2) against a small in-test HTTP server on 127.0.0.1 that plays
// the token and profile endpoints, and the saves against a config file in a temp directory.

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"
#include "boost/json/parse.hpp"
#include "boost/url/parse.hpp"
#include "config/config_loader.h"
#include "credentials/oauth_constants.h"
#include "credentials/pkce.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/env_lookup.h"
#include "support/raw_socket.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace maxpool::credentials {
namespace {

using ::maxpool::testing::EnvFrom;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::RawSocket;
using ::maxpool::testing::StatusIs;
using ::maxpool::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr char kAccess[] = "sk-ant-oat01-UnitAccessTokenSECRET";
constexpr char kRefresh[] = "sk-ant-ort01-UnitRefreshTokenSECRET";
constexpr char kCode[] = "AuthCodeSECRET123";
constexpr char kApiKey[] = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789_-ABCDEF";

constexpr char kProfileJson[] = R"({
  "account": {"uuid": "acc-uuid-1", "display_name": "Ada", "email": "ada@example.com",
              "has_claude_max": true, "has_claude_pro": false},
  "organization": {"uuid": "org-uuid-1", "name": "Ada's Organization",
                   "organization_type": "claude_max"}})";

std::string TokenJson(const std::string& access = kAccess, const std::string& refresh = kRefresh) {
  return absl::StrCat(R"({"token_type":"Bearer","access_token":")", access,
                      R"(","refresh_token":")", refresh,
                      R"(","expires_in":28800,"scope":"user:inference user:profile",)",
                      R"("organization":{"uuid":"org-uuid-1","name":"Ada's Organization"},)",
                      R"("account":{"uuid":"acc-uuid-1","email_address":"ada@example.com"}})");
}

std::string RawResponse(int status, const std::string& body) {
  return absl::StrCat("HTTP/1.1 ", status, " X\r\nContent-Type: application/json\r\n",
                      "Content-Length: ", body.size(), "\r\nConnection: close\r\n\r\n", body);
}

// --- A tiny HTTP server: a canned response per path, every request recorded ------------------

class TestServer {
 public:
  TestServer() : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    asio::co_spawn(io_, Accept(this), Check);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() {
    io_.stop();
    thread_.join();
  }

  void Respond(const std::string& path, int status, std::string body) {
    absl::MutexLock lock(&mu_);
    responses_[path] = RawResponse(status, body);
  }
  std::string base() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  std::vector<http::request<http::string_body>> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  // The requests to `path` (the target without its query).
  std::vector<http::request<http::string_body>> requests(std::string_view path) {
    std::vector<http::request<http::string_body>> out;
    for (auto& request : requests()) {
      const std::string_view target(request.target().data(), request.target().size());
      if (target.substr(0, target.find('?')) == path) out.push_back(request);
    }
    return out;
  }

 private:
  static void Check(std::exception_ptr e) {
    if (e) ADD_FAILURE() << "test server coroutine threw";
  }

  static asio::awaitable<void> Accept(TestServer* self) {
    for (;;) {
      auto [ec, socket] = co_await self->acceptor_.async_accept(kTuple);
      if (ec) co_return;
      asio::co_spawn(self->io_, Session(self, std::move(socket)), Check);
    }
  }

  static asio::awaitable<void> Session(TestServer* self, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    auto [ec, n] = co_await http::async_read(stream, buffer, request, kTuple);
    if (ec) co_return;
    std::string response;
    {
      absl::MutexLock lock(&self->mu_);
      self->requests_.push_back(request);
      const std::string target(request.target().data(), request.target().size());
      auto it = self->responses_.find(target.substr(0, target.find('?')));
      response =
          it == self->responses_.end() ? RawResponse(404, R"({"error":"not_found"})") : it->second;
    }
    auto [wec, written] = co_await asio::async_write(stream, asio::buffer(response), kTuple);
    static_cast<void>(wec);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    auto drained = co_await http::async_read(stream, buffer, request, kTuple);
    static_cast<void>(drained);
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  absl::Mutex mu_;
  std::map<std::string, std::string> responses_ ABSL_GUARDED_BY(mu_);
  std::vector<http::request<http::string_body>> requests_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

std::string Header(const http::request<http::string_body>& request, std::string_view name) {
  auto it = request.find(beast::string_view(name.data(), name.size()));
  return it == request.end() ? "" : std::string(it->value());
}

// The query parameter `key` of `url` (decoded).
std::string QueryParam(const std::string& url, std::string_view key) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return "<bad url>";
  for (const auto& param : parsed->params()) {
    if (param.key == key) return std::string(param.value);
  }
  return "<absent>";
}

class LoginFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Respond("/v1/oauth/token", 200, TokenJson());
    server_.Respond("/api/oauth/profile", 200, kProfileJson);
    OAuthEndpoints endpoints;
    endpoints.authorize_url = "https://auth.example.test/oauth/authorize";
    endpoints.token_url = server_.base() + "/v1/oauth/token";
    endpoints.api_base_url = server_.base();
    auto flow = LoginFlow::Create(endpoints);
    ASSERT_THAT(flow, IsOk());
    flow_ = *std::move(flow);
    flow_->set_http_timeout(std::chrono::seconds(20));
  }

  LoginSession ManualSession() {
    LoginStartOptions options;
    options.redirect = LoginStartOptions::Redirect::kManual;
    absl::StatusOr<StartedLogin> started = flow_->Start(options);
    EXPECT_THAT(started, IsOk());
    return started.ok() ? started->session : LoginSession{};
  }

  TestServer server_;
  std::unique_ptr<LoginFlow> flow_;
};

// --- Endpoints and timeout ---------------------------------------------------------------------

TEST(ResolveOAuthEndpoints, DefaultsWhenNothingIsSet) {
  const OAuthEndpoints endpoints = ResolveOAuthEndpoints(v1::OAuthConfig(), EnvFrom({}));
  EXPECT_EQ(endpoints.token_url, kOAuthDefaultTokenUrl);
  EXPECT_EQ(endpoints.authorize_url, kOAuthAuthorizeUrl);
  EXPECT_EQ(endpoints.api_base_url, "https://api.anthropic.com");
  EXPECT_EQ(endpoints.profile_url(), kOAuthProfileUrl);
  EXPECT_EQ(endpoints.ca_file, "");
}

TEST(ResolveOAuthEndpoints, ConfigValuesThenTheEnvironmentForTheTokenUrl) {
  v1::OAuthConfig oauth;
  oauth.set_token_url("http://127.0.0.1:1/token");
  oauth.set_authorize_url("http://127.0.0.1:1/authorize");
  oauth.set_api_base_url("http://127.0.0.1:1/base//");
  oauth.set_ca_file("/etc/ca.pem");
  OAuthEndpoints endpoints = ResolveOAuthEndpoints(oauth, EnvFrom({}));
  EXPECT_EQ(endpoints.token_url, "http://127.0.0.1:1/token");
  EXPECT_EQ(endpoints.authorize_url, "http://127.0.0.1:1/authorize");
  EXPECT_EQ(endpoints.profile_url(), "http://127.0.0.1:1/base/api/oauth/profile");
  EXPECT_EQ(endpoints.ca_file, "/etc/ca.pem");

  endpoints =
      ResolveOAuthEndpoints(oauth, EnvFrom({{"MAXPOOL_OAUTH_TOKEN_ENDPOINT", "http://e/t"}}));
  EXPECT_EQ(endpoints.token_url, "http://e/t");
  endpoints = ResolveOAuthEndpoints(oauth, EnvFrom({{"MAXPOOL_OAUTH_TOKEN_ENDPOINT", ""}}));
  EXPECT_EQ(endpoints.token_url, "http://127.0.0.1:1/token");
}

TEST(LoginTimeout, DefaultFloorAndOverride) {
  EXPECT_EQ(LoginTimeout(EnvFrom({})), absl::Minutes(5));
  EXPECT_EQ(LoginTimeout(EnvFrom({{"MAXPOOL_LOGIN_TIMEOUT_MS", "120000"}})), absl::Seconds(120));
  EXPECT_EQ(LoginTimeout(EnvFrom({{"MAXPOOL_LOGIN_TIMEOUT_MS", "1000"}})), absl::Seconds(60));
  EXPECT_EQ(LoginTimeout(EnvFrom({{"MAXPOOL_LOGIN_TIMEOUT_MS", "soon"}})), absl::Minutes(5));
  EXPECT_EQ(LoginTimeout(EnvFrom({{"MAXPOOL_LOGIN_TIMEOUT_MS", "-5"}})), absl::Minutes(5));
}

// --- Start -------------------------------------------------------------------------------------

TEST_F(LoginFlowTest, ManualStartUsesThePlatformRedirectAndCarriesThePkceChallenge) {
  LoginStartOptions options;
  options.redirect = LoginStartOptions::Redirect::kManual;
  absl::StatusOr<StartedLogin> started = flow_->Start(options);
  ASSERT_THAT(started, IsOk());
  EXPECT_EQ(started->callback, nullptr);
  EXPECT_EQ(started->redirect_uri, kOAuthManualRedirectUrl);
  EXPECT_EQ(started->session.redirect_uri, kOAuthManualRedirectUrl);
  EXPECT_THAT(started->authorize_url, StartsWith("https://auth.example.test/oauth/authorize?"));
  EXPECT_EQ(QueryParam(started->authorize_url, "redirect_uri"), kOAuthManualRedirectUrl);
  EXPECT_EQ(QueryParam(started->authorize_url, "state"), started->session.state);
  EXPECT_EQ(QueryParam(started->authorize_url, "code_challenge"),
            S256Challenge(started->session.verifier));
  EXPECT_EQ(QueryParam(started->authorize_url, "client_id"), kOAuthClientId);
  EXPECT_EQ(QueryParam(started->authorize_url, "scope"), kOAuthScopes);
  EXPECT_THAT(started->authorize_url, Not(HasSubstr(started->session.verifier)));
  // Every start is a fresh session.
  absl::StatusOr<StartedLogin> again = flow_->Start(options);
  ASSERT_THAT(again, IsOk());
  EXPECT_NE(again->session.verifier, started->session.verifier);
  EXPECT_NE(again->session.state, started->session.state);
}

TEST_F(LoginFlowTest, BadAuthorizeUrlIsReported) {
  OAuthEndpoints endpoints = flow_->endpoints();
  endpoints.authorize_url = "not a url";
  auto flow = LoginFlow::Create(endpoints);
  ASSERT_THAT(flow, IsOk());
  EXPECT_THAT((*flow)->Start({}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("oauth.authorizeUrl")));
}

TEST(LoginFlowCreate, UnreadableCaFileIsAnError) {
  OAuthEndpoints endpoints;
  endpoints.ca_file = "/nonexistent/ca.pem";
  EXPECT_THAT(LoginFlow::Create(endpoints),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("oauth.caFile")));
}

// The whole local flow: start, a browser's redirect to the listener, complete.
TEST_F(LoginFlowTest, LocalCallbackDeliversTheCodeThatCompleteRedeems) {
  absl::StatusOr<StartedLogin> started = flow_->Start({});
  ASSERT_THAT(started, IsOk());
  ASSERT_NE(started->callback, nullptr);
  EXPECT_EQ(started->redirect_uri,
            absl::StrCat("http://localhost:", started->callback->port(), "/callback"));
  EXPECT_EQ(QueryParam(started->authorize_url, "redirect_uri"), started->redirect_uri);

  auto browser = RawSocket::Connect(started->callback->port());
  ASSERT_NE(browser, nullptr);
  ASSERT_TRUE(
      browser->Write(absl::StrCat("GET /callback?code=", kCode, "&state=", started->session.state,
                                  " HTTP/1.1\r\nHost: localhost\r\n\r\n")));
  EXPECT_THAT(browser->ReadUntil("\r\n\r\n", std::chrono::seconds(20)), StartsWith("HTTP/1.1 302"));
  absl::StatusOr<std::string> code =
      started->callback->WaitForCodeBlocking(std::chrono::seconds(20));
  ASSERT_THAT(code, IsOk());
  EXPECT_EQ(*code, kCode);

  absl::StatusOr<LoggedInAccount> account = flow_->Complete(started->session, *code);
  ASSERT_THAT(account, IsOk());
  const auto tokens = server_.requests("/v1/oauth/token");
  ASSERT_EQ(tokens.size(), 1u);
  const boost::json::value body = boost::json::parse(tokens[0].body());
  EXPECT_EQ(body.at("redirect_uri").as_string(), started->redirect_uri);
}

// --- Complete ----------------------------------------------------------------------------------

TEST_F(LoginFlowTest, CompleteExchangesTheCodeAndReadsTheProfile) {
  const LoginSession session = ManualSession();
  const absl::Time before = absl::Now();
  absl::StatusOr<LoggedInAccount> account = flow_->Complete(session, kCode);
  ASSERT_THAT(account, IsOk());
  EXPECT_EQ(account->tokens.access_token, kAccess);
  EXPECT_EQ(account->tokens.refresh_token, kRefresh);
  EXPECT_GE(account->tokens.expires_at_ms, absl::ToUnixMillis(before + absl::Seconds(28800)));
  EXPECT_LE(account->tokens.expires_at_ms, absl::ToUnixMillis(absl::Now() + absl::Seconds(28800)));
  EXPECT_EQ(account->profile.uuid, "acc-uuid-1");
  EXPECT_EQ(account->profile.email, "ada@example.com");
  EXPECT_EQ(account->profile.organization_name, "Ada's Organization");
  EXPECT_EQ(account->profile.tier, "max");
  EXPECT_EQ(account->profile_error, "");

  const auto tokens = server_.requests("/v1/oauth/token");
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].method(), http::verb::post);
  EXPECT_EQ(Header(tokens[0], "Content-Type"), "application/json");
  const boost::json::value body = boost::json::parse(tokens[0].body());
  EXPECT_EQ(body.at("grant_type").as_string(), "authorization_code");
  EXPECT_EQ(body.at("code").as_string(), kCode);
  EXPECT_EQ(body.at("state").as_string(), session.state);
  EXPECT_EQ(body.at("code_verifier").as_string(), session.verifier);
  EXPECT_EQ(body.at("redirect_uri").as_string(), kOAuthManualRedirectUrl);
  EXPECT_EQ(body.at("client_id").as_string(), kOAuthClientId);

  const auto profiles = server_.requests("/api/oauth/profile");
  ASSERT_EQ(profiles.size(), 1u);
  EXPECT_EQ(profiles[0].method(), http::verb::get);
  EXPECT_EQ(Header(profiles[0], "Authorization"), absl::StrCat("Bearer ", kAccess));
  EXPECT_EQ(Header(profiles[0], "anthropic-beta"), kOAuthBeta);
}

TEST_F(LoginFlowTest, RejectedCodeSaysStatusAndOAuthErrorButNoSecret) {
  server_.Respond("/v1/oauth/token", 400,
                  absl::StrCat(R"({"error":"invalid_grant","error_description":"Invalid code",)",
                               R"("echo":{"code":")", kCode, R"("}})"));
  const LoginSession session = ManualSession();
  absl::StatusOr<LoggedInAccount> account = flow_->Complete(session, kCode);
  EXPECT_THAT(account, StatusIs(absl::StatusCode::kPermissionDenied,
                                AllOf(HasSubstr("token exchange failed"), HasSubstr("HTTP 400"),
                                      HasSubstr("invalid_grant"), HasSubstr("Invalid code"),
                                      Not(HasSubstr(kCode)), Not(HasSubstr(session.verifier)))));
  EXPECT_TRUE(server_.requests("/api/oauth/profile").empty());
}

TEST_F(LoginFlowTest, ServerErrorWithAPlainBodyIsUnavailableAndQuotesItRedacted) {
  server_.Respond("/v1/oauth/token", 503, absl::StrCat("upstream down; token ", kAccess));
  absl::StatusOr<LoggedInAccount> account = flow_->Complete(ManualSession(), kCode);
  EXPECT_THAT(account, StatusIs(absl::StatusCode::kUnavailable,
                                AllOf(HasSubstr("HTTP 503"), HasSubstr("upstream down"),
                                      Not(HasSubstr(kAccess)))));
}

TEST_F(LoginFlowTest, UnreachableTokenEndpointIsUnavailable) {
  OAuthEndpoints endpoints = flow_->endpoints();
  endpoints.token_url = "http://127.0.0.1:1/v1/oauth/token";  // nobody listens on port 1
  auto flow = LoginFlow::Create(endpoints);
  ASSERT_THAT(flow, IsOk());
  EXPECT_THAT((*flow)->Complete(ManualSession(), kCode),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("token exchange failed")));
}

TEST_F(LoginFlowTest, UnusableTokenAnswerIsInternal) {
  server_.Respond("/v1/oauth/token", 200, R"({"token_type":"Bearer"})");
  EXPECT_THAT(flow_->Complete(ManualSession(), kCode),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("access_token")));
}

TEST_F(LoginFlowTest, EmptyCodeIsRejectedWithoutACall) {
  EXPECT_THAT(flow_->Complete(ManualSession(), ""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(LoginFlowTest, ProfileFailureKeepsTheTokensAndTheTokenResponseIdentity) {
  server_.Respond("/api/oauth/profile", 401,
                  R"({"type":"error","error":{"type":"authentication_error",)"
                  R"("message":"Invalid bearer token"}})");
  absl::StatusOr<LoggedInAccount> account = flow_->Complete(ManualSession(), kCode);
  ASSERT_THAT(account, IsOk());
  EXPECT_EQ(account->tokens.access_token, kAccess);
  EXPECT_THAT(account->profile_error,
              AllOf(HasSubstr("HTTP 401"), HasSubstr("authentication_error"),
                    HasSubstr("Invalid bearer")));  // Redact() masks the word after "bearer"
  EXPECT_EQ(account->profile.uuid, "acc-uuid-1");
  EXPECT_EQ(account->profile.email, "ada@example.com");
  EXPECT_EQ(account->profile.organization_name, "Ada's Organization");
  EXPECT_EQ(account->profile.tier, "");
}

TEST_F(LoginFlowTest, CompletePastedChecksTheState) {
  const LoginSession session = ManualSession();
  EXPECT_THAT(flow_->CompletePasted(session, absl::StrCat(kCode, "#another-state")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(server_.requests().empty());
  absl::StatusOr<LoggedInAccount> account =
      flow_->CompletePasted(session, absl::StrCat("  ", kCode, "#", session.state, "\n"));
  ASSERT_THAT(account, IsOk());
  const auto tokens = server_.requests("/v1/oauth/token");
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(boost::json::parse(tokens[0].body()).at("code").as_string(), kCode);
}

TEST_F(LoginFlowTest, FetchProfileErrors) {
  server_.Respond("/api/oauth/profile", 200, R"({"organization":{}})");
  EXPECT_THAT(flow_->FetchProfile(kAccess),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("account")));
  server_.Respond("/api/oauth/profile", 403,
                  R"({"type":"error","error":{"type":"permission_error","message":"revoked"}})");
  EXPECT_THAT(flow_->FetchProfile(kAccess),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("permission_error")));
}

// --- Saving ------------------------------------------------------------------------------------

class SaveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = config::ConfigStore::Create(dir_.path() / "maxpool.json");
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
  }
  v1::Config Load() {
    absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfig(store_->path());
    EXPECT_THAT(loaded, IsOk());
    return loaded.ok() ? loaded->config : v1::Config();
  }
  static LoggedInAccount Account(std::string access, std::string uuid, std::string email) {
    LoggedInAccount account;
    account.tokens = TokenSet{std::move(access), kRefresh, 1'900'000'000'000};
    account.profile.uuid = std::move(uuid);
    account.profile.email = std::move(email);
    account.profile.organization_name = "Org";
    return account;
  }

  TempDir dir_;
  std::unique_ptr<config::ConfigStore> store_;
};

TEST_F(SaveTest, LoginAddsThenUpdatesByUuid) {
  absl::StatusOr<SavedAccount> saved =
      SaveLoggedInAccount(*store_, Account(kAccess, "u-1", "ada@example.com"), "login");
  ASSERT_THAT(saved, IsOk());
  EXPECT_TRUE(saved->added);
  EXPECT_EQ(saved->name, "ada@example.com");
  v1::Config config = Load();
  ASSERT_EQ(config.accounts_size(), 1);
  const v1::AccountConfig& a = config.accounts(0);
  EXPECT_EQ(a.type(), "oauth");
  EXPECT_EQ(a.access_token(), kAccess);
  EXPECT_EQ(a.refresh_token(), kRefresh);
  EXPECT_EQ(a.expires_at(), 1'900'000'000'000);
  EXPECT_EQ(a.account_uuid(), "u-1");
  EXPECT_EQ(a.email(), "ada@example.com");
  EXPECT_EQ(a.organization(), "Org");
  EXPECT_EQ(a.source(), "login");
  struct stat st {};
  ASSERT_EQ(::stat(store_->path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);

  // Same UUID, new email and tokens: the same entry, its name kept.
  saved = SaveLoggedInAccount(*store_, Account("sk-ant-oat01-second", "u-1", "new@example.com"),
                              "import");
  ASSERT_THAT(saved, IsOk());
  EXPECT_FALSE(saved->added);
  EXPECT_EQ(saved->name, "ada@example.com");
  config = Load();
  ASSERT_EQ(config.accounts_size(), 1);
  EXPECT_EQ(config.accounts(0).access_token(), "sk-ant-oat01-second");
  EXPECT_EQ(config.accounts(0).source(), "import");

  // Another account is appended; an explicit name is used.
  saved = SaveLoggedInAccount(*store_, Account("sk-ant-oat01-third", "u-2", "bob@example.com"),
                              "login", std::string("bob"));
  ASSERT_THAT(saved, IsOk());
  EXPECT_TRUE(saved->added);
  EXPECT_EQ(saved->name, "bob");
  EXPECT_EQ(Load().accounts_size(), 2);
}

TEST_F(SaveTest, WithoutAnyIdentityTheNameIsAccountN) {
  absl::StatusOr<SavedAccount> saved =
      SaveLoggedInAccount(*store_, Account(kAccess, "", ""), "login");
  ASSERT_THAT(saved, IsOk());
  EXPECT_EQ(saved->name, "account-1");
}

TEST_F(SaveTest, BadArgumentsWriteNothing) {
  EXPECT_THAT(SaveLoggedInAccount(*store_, Account(kAccess, "u", "e@x"), "other"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SaveLoggedInAccount(*store_, Account("", "u", "e@x"), "login"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SaveLoggedInAccount(*store_, Account(kAccess, "u", "e@x"), "login", std::string(" ")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(std::filesystem::exists(store_->path()));
}

TEST_F(SaveTest, InvalidConfigFileIsNeverOverwritten) {
  const std::string text = "{ not json";
  dir_.Write("maxpool.json", text);
  EXPECT_THAT(SaveLoggedInAccount(*store_, Account(kAccess, "u", "e@x"), "login"), Not(IsOk()));
  EXPECT_EQ(::maxpool::testing::ReadFile(store_->path()), text);
}

TEST(CheckApiKey, AcceptsConsoleKeysAndExplainsTheRest) {
  EXPECT_THAT(CheckApiKey(absl::StrCat("  ", kApiKey, "\n")), IsOk());
  EXPECT_EQ(*CheckApiKey(absl::StrCat(" ", kApiKey, "\r\n")), kApiKey);
  EXPECT_THAT(CheckApiKey(""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no API")));
  EXPECT_THAT(CheckApiKey("sk-ant-oat01-abcdefghijklmnopqrstuvwxyz"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("OAuth"), HasSubstr("maxpool login"),
                             Not(HasSubstr("abcdefghij")))));
  EXPECT_THAT(CheckApiKey("hunter2-not-a-key"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("sk-ant-api"), Not(HasSubstr("hunter2")))));
  EXPECT_THAT(CheckApiKey("sk-ant-api03-short"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("too short")));
  EXPECT_THAT(CheckApiKey("sk-ant-api03-abcdefghij klmnopqrstuvwxyz"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unexpected characters")));
}

TEST_F(SaveTest, ApiKeysAreNamedApiNAndTheSameKeyUpdatesItsEntry) {
  absl::StatusOr<SavedAccount> saved = SaveApiKeyAccount(*store_, kApiKey);
  ASSERT_THAT(saved, IsOk());
  EXPECT_TRUE(saved->added);
  EXPECT_EQ(saved->name, "api-1");
  saved = SaveApiKeyAccount(*store_, absl::StrCat(kApiKey, "\n"));
  ASSERT_THAT(saved, IsOk());
  EXPECT_FALSE(saved->added);
  EXPECT_EQ(saved->name, "api-1");
  saved = SaveApiKeyAccount(*store_, "sk-ant-api03-ANOTHERKEYabcdefghijklmnopqrstuvwxyz");
  ASSERT_THAT(saved, IsOk());
  EXPECT_EQ(saved->name, "api-2");
  saved = SaveApiKeyAccount(*store_, kApiKey, std::string("console"));
  ASSERT_THAT(saved, IsOk());
  EXPECT_TRUE(saved->added);
  EXPECT_EQ(saved->name, "console");
  const v1::Config config = Load();
  ASSERT_EQ(config.accounts_size(), 3);
  EXPECT_EQ(config.accounts(0).type(), "apikey");
  EXPECT_EQ(config.accounts(0).api_key(), kApiKey);
  EXPECT_EQ(config.accounts(2).name(), "console");

  EXPECT_THAT(SaveApiKeyAccount(*store_, "not-a-key"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Load().accounts_size(), 3);
}

}  // namespace
}  // namespace maxpool::credentials
