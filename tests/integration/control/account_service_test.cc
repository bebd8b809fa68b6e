// maxpool.v1.AccountService end to end over gRPC: a real server on loopback with the service, a
// real client stub, a config file written through a ConfigStore, the live pool built from it
// (server::MakePool), server::HotSync applying each change, the OAuth refresher of
// server::OAuthWiring and a LoginFlow, both against the fake upstream's OAuth endpoints. Every RPC
// is covered for success, bad input (the google.rpc.BadRequest field), not found, authentication
// and preconditions; every response and error is checked for the secrets the test uses.

#include "control/account_service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <future>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/use_future.hpp"
#include "config/config_store.h"
#include "control/control_auth.h"
#include "control/control_env.h"
#include "control/page_token.h"
#include "control/pending_logins.h"
#include "control/server_hooks.h"
#include "core/clock.h"
#include "credentials/login_flow.h"
#include "credentials/redact.h"
#include "fake/fake_upstream.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "maxpool/v1/accounts.grpc.pb.h"
#include "server/hot_sync.h"
#include "server/oauth_wiring.h"
#include "server/pool_from_config.h"
#include "support/eventually.h"
#include "support/temp_dir.h"

namespace maxpool {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::maxpool::testing::Eventually;
using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Stub = v1::AccountService::Stub;

constexpr char kToken[] = "control-token-0123456789abcdef";
constexpr char kReadToken[] = "read-only-token-0123456789abcdef";

// Credentials of the accounts in the initial config file and at the fake.
constexpr char kAlphaAccess[] = "sk-ant-oat01-test-alpha-access-000000000000";
constexpr char kAlphaRefresh[] = "sk-ant-ort01-test-alpha-refresh-00000000000";
constexpr char kBetaKey[] = "sk-ant-api03-test-beta-key-000000000000000000";
constexpr char kGammaKey[] = "zai-test-gamma-key-0000000000000000000000";
constexpr char kDeadAccess[] = "sk-ant-oat01-test-dead-access-0000000000000";
constexpr char kDeadRefresh[] = "sk-ant-ort01-test-never-issued-00000000000";
constexpr char kBareAccess[] = "sk-ant-oat01-test-bare-access-0000000000000";
// Accounts known only to the fake, for create / import / login.
constexpr char kCarolAccess[] = "sk-ant-oat01-test-carol-access-000000000000";
constexpr char kCarolRefresh[] = "sk-ant-ort01-test-carol-refresh-00000000000";
constexpr char kImportAccess[] = "sk-ant-oat01-test-import-access-00000000000";
constexpr char kImportRefresh[] = "sk-ant-ort01-test-import-refresh-0000000000";
constexpr char kNewbieAccess[] = "sk-ant-oat01-test-newbie-access-00000000000";
constexpr char kNewbieRefresh[] = "sk-ant-ort01-test-newbie-refresh-0000000000";
// Keys only ever sent in requests.
constexpr char kNewApiKey[] = "sk-ant-api03-test-new-key-0000000000000000000";
constexpr char kNewZaiKey[] = "zai-test-new-provider-key-000000000000000000";

constexpr int64_t kAlphaExpiresAtMs = 4102444800000;  // 2100-01-01

bool Has(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The field paths of the google.rpc.BadRequest detail of `status`.
std::vector<std::string> ViolationFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return fields;
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::BadRequest bad_request;
    if (!any.UnpackTo(&bad_request)) continue;
    for (const auto& violation : bad_request.field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> QueryOf(const std::string& url) {
  std::map<std::string, std::string> query;
  const size_t mark = url.find('?');
  if (mark == std::string::npos) return query;
  std::string_view rest = std::string_view(url).substr(mark + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    query[PercentDecode(pair.substr(0, eq))] = PercentDecode(pair.substr(eq + 1));
  }
  return query;
}

// ServerHooks of a test server: changes go to a real HotSync, refreshes to the real refresher.
// Its executor (where refresh waits resume) must outlive the refresher: declare it first.
class TestHooks : public control::ServerHooks {
 public:
  TestHooks() : work_(boost::asio::make_work_guard(ioc_)), runner_([this] { ioc_.run(); }) {}
  ~TestHooks() override {
    work_.reset();
    ioc_.stop();
    runner_.join();
  }

  void Connect(server::HotSync* sync, server::OAuthWiring* oauth, pool::Pool* pool) {
    sync_ = sync;
    oauth_ = oauth;
    pool_ = pool;
  }

  control::ServerStatusView Status() override { return {}; }
  control::DrainStarted Drain(absl::Duration, absl::Duration) override { return {}; }
  absl::Duration DefaultDrainDeadline() override { return absl::Seconds(15); }
  absl::Status ReloadConfig() override { return absl::OkStatus(); }
  void ApplyConfig(const v1::Config& config) override {
    ++applies_;
    sync_->Apply(config);
  }

  // Forces a refresh through the refresher (the access token the pool holds is reported rejected)
  // and waits for it; the rotated pair is persisted and in the pool before it returns.
  absl::StatusOr<credentials::TokenSet> RefreshNow(const std::string& account) override {
    credentials::TokenRefresher& refresher = oauth_->refresher();
    std::optional<credentials::TokenSet> current = pool_->Tokens(account);
    if (!current.has_value()) {
      return absl::NotFoundError("the OAuth refresher does not track this account");
    }
    std::future<credentials::FreshToken> future = boost::asio::co_spawn(
        ioc_, refresher.EnsureFresh(account, current->access_token), boost::asio::use_future);
    const credentials::FreshToken fresh = future.get();
    switch (fresh.kind) {
      case credentials::FreshToken::Kind::kUntracked:
        return absl::NotFoundError("the OAuth refresher does not track this account");
      case credentials::FreshToken::Kind::kFailed:
        return absl::FailedPreconditionError(absl::StrCat("the refresh failed: ", fresh.reason));
      default:
        break;
    }
    std::optional<credentials::TokenSet> tokens = pool_->Tokens(account);
    if (!tokens.has_value()) return absl::NotFoundError("the account left the pool");
    return *tokens;
  }

  int applies() const { return applies_.load(); }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread runner_;
  server::HotSync* sync_ = nullptr;
  server::OAuthWiring* oauth_ = nullptr;
  pool::Pool* pool_ = nullptr;
  std::atomic<int> applies_{0};
};

// A gRPC server on 127.0.0.1 with only an AccountService over `env`.
struct TestServer {
  explicit TestServer(const control::ControlEnv& env) : service(env) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    EXPECT_NE(server, nullptr);
    EXPECT_GT(port, 0);
    stub = v1::AccountService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }
  ~TestServer() {
    if (server) server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  control::AccountService service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<Stub> stub;
};

// Who calls: the full token, the read-only one, a wrong one, or no metadata at all.
enum class Caller { kFull, kReadOnly, kWrong, kAnonymous };

class AccountServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::FakeOptions fake_options;
    auto fake = fake::FakeUpstream::Start(fake_options);
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
    AddFakeOAuth("alpha", kAlphaAccess, kAlphaRefresh, "uuid-alpha", "alpha@example.com");
    AddFakeOAuth("dead", kDeadAccess, "sk-ant-ort01-test-dead-real-000000000000", "uuid-dead",
                 "dead@example.com");
    AddFakeOAuth("carol", kCarolAccess, kCarolRefresh, "uuid-carol", "carol@example.com");
    AddFakeOAuth("import", kImportAccess, kImportRefresh, "uuid-import", "imported@example.com");
    AddFakeOAuth("newbie", kNewbieAccess, kNewbieRefresh, "uuid-newbie", "newbie@example.com");

    path_ = dir_.path() / "maxpool.json";
    auto store = config::ConfigStore::Create(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    auto written = store_->Update(
        [&](v1::Config& config) {
          config.set_upstream(fake_->base_url());
          v1::OAuthConfig* oauth = config.mutable_oauth();
          oauth->set_token_url(fake_->token_url());
          oauth->set_authorize_url(fake_->base_url() + "/oauth/authorize");
          oauth->set_api_base_url(fake_->base_url());
          v1::AccountConfig* alpha = config.add_accounts();
          alpha->set_name("alpha");
          alpha->set_type("oauth");
          alpha->set_display_name("Alpha team");
          alpha->set_access_token(kAlphaAccess);
          alpha->set_refresh_token(kAlphaRefresh);
          alpha->set_expires_at(kAlphaExpiresAtMs);
          alpha->set_account_uuid("uuid-alpha");
          alpha->set_email("alpha@example.com");
          alpha->set_organization("Alpha Org");
          v1::AccountConfig* beta = config.add_accounts();
          beta->set_name("beta");
          beta->set_type("apikey");
          beta->set_api_key(kBetaKey);
          beta->set_priority(2);
          v1::AccountConfig* gamma = config.add_accounts();
          gamma->set_name("gamma");
          gamma->set_type("provider");
          gamma->set_provider("zai");
          gamma->set_api_key(kGammaKey);
          gamma->set_upstream("https://zai.example.test/api/anthropic");
          gamma->set_priority(10);
          v1::AccountConfig* dead = config.add_accounts();
          dead->set_name("dead");
          dead->set_type("oauth");
          dead->set_access_token(kDeadAccess);
          dead->set_refresh_token(kDeadRefresh);
          dead->set_expires_at(kAlphaExpiresAtMs);
          dead->set_priority(5);
          v1::AccountConfig* bare = config.add_accounts();
          bare->set_name("bare");
          bare->set_type("oauth");
          bare->set_access_token(kBareAccess);
          bare->set_priority(6);
          return absl::OkStatus();
        },
        std::nullopt);
    ASSERT_TRUE(written.ok()) << written.status();
    const v1::Config& config = written->config;

    hooks_ = std::make_unique<TestHooks>();
    pool_ = server::MakePool(clock_, config);
    auto oauth = server::OAuthWiring::Create(clock_, config, store_.get(), nullptr, *pool_, Sink());
    ASSERT_TRUE(oauth.ok()) << oauth.status();
    oauth_ = *std::move(oauth);
    server::HotSyncOptions sync_options;
    sync_options.path = path_;
    sync_options.removal_retry = std::chrono::milliseconds(50);
    sync_ = std::make_unique<server::HotSync>(sync_options, *pool_, oauth_.get(), config, Sink());
    hooks_->Connect(sync_.get(), oauth_.get(), pool_.get());
    auth_ = std::make_unique<control::ControlAuth>(kToken, kReadToken);
    auto flow =
        credentials::LoginFlow::Create(credentials::ResolveOAuthEndpoints(config.oauth(), NoEnv()));
    ASSERT_TRUE(flow.ok()) << flow.status();
    login_flow_ = *std::move(flow);

    claude_dir_ = dir_.path() / "claude";
    std::filesystem::create_directories(claude_dir_);
    env_.pool = pool_.get();
    env_.store = store_.get();
    env_.hooks = hooks_.get();
    env_.auth = auth_.get();
    env_.login_flow = login_flow_.get();
    env_.env = [dir = claude_dir_.string()](std::string_view name) -> std::optional<std::string> {
      if (name == "CLAUDE_CONFIG_DIR") return dir;
      return std::nullopt;
    };
    server_ = std::make_unique<TestServer>(env_);
  }

  void TearDown() override {
    server_.reset();
    if (sync_) sync_->Stop();
  }

  static config::EnvLookup NoEnv() {
    return [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  }

  server::HotSync::Log Sink() {
    return [this](const std::string& line) {
      absl::MutexLock lock(&log_mu_);
      log_.push_back(line);
    };
  }

  void AddFakeOAuth(const std::string& name, const std::string& access, const std::string& refresh,
                    const std::string& uuid, const std::string& email) {
    fake::FakeAccountSpec spec;
    spec.type = fake::AccountType::kOAuth;
    spec.name = name;
    spec.credential = access;
    spec.oauth.refresh_token = refresh;
    spec.oauth.uuid = uuid;
    spec.oauth.email = email;
    spec.oauth.organization_name = name + " Org";
    ASSERT_TRUE(fake_->AddAccount(spec).ok());
  }

  // Every secret the test has used or the fake has issued, and every secret in the config file.
  std::set<std::string> Secrets() {
    std::set<std::string> secrets = {
        kToken,         kReadToken,    kAlphaAccess,   kAlphaRefresh, kBetaKey,      kGammaKey,
        kDeadAccess,    kDeadRefresh,  kBareAccess,    kCarolAccess,  kCarolRefresh, kImportAccess,
        kImportRefresh, kNewbieAccess, kNewbieRefresh, kNewApiKey,    kNewZaiKey};
    for (const char* credential : {kAlphaAccess, kCarolAccess, kImportAccess, kNewbieAccess}) {
      if (std::optional<fake::OAuthAccountView> view = fake_->OAuthAccount(credential)) {
        if (!view->access_token.empty()) secrets.insert(view->access_token);
        if (!view->refresh_token.empty()) secrets.insert(view->refresh_token);
      }
    }
    {
      absl::MutexLock lock(&log_mu_);
      for (const std::string& code : codes_) secrets.insert(code);
    }
    if (absl::StatusOr<config::LoadedConfig> loaded = store_->Load(); loaded.ok()) {
      for (const v1::AccountConfig& a : loaded->config.accounts()) {
        for (const std::string* s :
             {&a.access_token(), &a.refresh_token(), &a.api_key(), &a.auth_token()}) {
          if (!s->empty()) secrets.insert(*s);
        }
      }
    }
    return secrets;
  }

  void ExpectNoSecret(std::string_view text, std::string_view what) {
    for (const std::string& secret : Secrets()) {
      EXPECT_FALSE(Has(text, secret))
          << what << " contains a secret (fingerprint " << credentials::Fingerprint(secret) << ")";
    }
  }

  // Calls `method` as `caller` and checks the response and the status for secrets.
  template <class Request, class Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response& response, Caller caller = Caller::kFull,
                    Stub* stub = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    switch (caller) {
      case Caller::kFull:
        context.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
        break;
      case Caller::kReadOnly:
        context.AddMetadata("authorization", absl::StrCat("Bearer ", kReadToken));
        break;
      case Caller::kWrong:
        context.AddMetadata("authorization", "Bearer not-the-token");
        break;
      case Caller::kAnonymous:
        break;
    }
    Stub& target = stub != nullptr ? *stub : *server_->stub;
    const grpc::Status status = (target.*method)(&context, request, &response);
    ExpectNoSecret(response.SerializeAsString(), "a response");
    ExpectNoSecret(response.DebugString(), "a response");
    ExpectNoSecret(status.error_message(), "an error message");
    ExpectNoSecret(status.error_details(), "error details");
    return status;
  }

  grpc::Status Get(const std::string& id, v1::Account& account, Caller caller = Caller::kFull) {
    v1::GetAccountRequest request;
    request.set_name("accounts/" + id);
    return Call(&Stub::GetAccount, request, account, caller);
  }

  std::vector<v1::Account> ListAll() {
    v1::ListAccountsRequest request;
    v1::ListAccountsResponse response;
    const grpc::Status status = Call(&Stub::ListAccounts, request, response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.accounts().begin(), response.accounts().end()};
  }

  v1::Config OnDisk() {
    absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfig(path_);
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? loaded->config : v1::Config();
  }

  // The entry `name` of the file on disk, or nullopt.
  std::optional<v1::AccountConfig> EntryOnDisk(const std::string& name) {
    const v1::Config disk = OnDisk();
    for (const v1::AccountConfig& a : disk.accounts()) {
      if (a.name() == name) return a;
    }
    return std::nullopt;
  }

  std::optional<core::Account> Live(const std::string& name) {
    for (core::Account& a : pool_->Snapshot()) {
      if (a.settings.name == name) return a;
    }
    return std::nullopt;
  }

  std::string LiveSecret(const std::string& name) {
    for (auto& [owner, credential] : pool_->Credentials()) {
      if (owner == name) return credential.secret;
    }
    return "";
  }

  std::vector<std::string> LiveNames() {
    std::vector<std::string> names;
    for (const core::Account& a : pool_->Snapshot()) names.push_back(a.settings.name);
    return names;
  }

  // A lease on `name`: other accounts are excluded until the router picks it.
  core::Lease AcquireOn(const std::string& name) {
    core::RequestInfo request;
    request.model = "claude-sonnet-4-5";
    core::RouteState route;
    for (int i = 0; i < 20; ++i) {
      std::optional<pool::Grant> grant = pool_->TryAcquire(request, route);
      if (!grant.has_value()) break;
      if (grant->lease.account_name == name) return grant->lease;
      route.excluded.insert(grant->lease.account);
      pool_->Release(grant->lease, {core::ReleaseKind::kAbandoned, 0, ""});
    }
    ADD_FAILURE() << "no lease on " << name;
    return {};
  }

  void RememberCode(const std::string& code) {
    absl::MutexLock lock(&log_mu_);
    codes_.push_back(code);
  }

  // Writes a Claude Code credentials file for the fake's "import" account.
  std::filesystem::path WriteClaudeCodeFile(const std::filesystem::path& path) {
    const std::string text =
        absl::StrCat(R"({"claudeAiOauth":{"accessToken":")", kImportAccess, R"(","refreshToken":")",
                     kImportRefresh,
                     R"(","expiresAt":4102444800000,"scopes":["user:inference","user:profile"],)",
                     R"("subscriptionType":"max"}})");
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  core::SystemClock clock_;
  absl::Mutex log_mu_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(log_mu_);
  std::vector<std::string> codes_ ABSL_GUARDED_BY(log_mu_);
  TempDir dir_;
  std::filesystem::path path_;
  std::filesystem::path claude_dir_;
  std::unique_ptr<fake::FakeUpstream> fake_;
  std::unique_ptr<config::ConfigStore> store_;
  std::unique_ptr<TestHooks> hooks_;  // before the refresher: its executor outlives it
  std::unique_ptr<pool::Pool> pool_;
  std::unique_ptr<server::OAuthWiring> oauth_;
  std::unique_ptr<server::HotSync> sync_;
  std::unique_ptr<control::ControlAuth> auth_;
  std::unique_ptr<credentials::LoginFlow> login_flow_;
  control::ControlEnv env_;
  std::unique_ptr<TestServer> server_;
};

// --- ListAccounts -------------------------------------------------------------------------------

TEST_F(AccountServiceTest, ListShowsThePoolInOrderJoinedWithTheConfigFile) {
  v1::ListAccountsRequest request;
  v1::ListAccountsResponse response;
  const grpc::Status status = Call(&Stub::ListAccounts, request, response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.total_size(), 5);
  EXPECT_EQ(response.next_page_token(), "");
  ASSERT_EQ(response.accounts_size(), 5);
  std::vector<std::string> names;
  for (const v1::Account& a : response.accounts()) names.push_back(a.name());
  EXPECT_THAT(names, ElementsAre("accounts/alpha", "accounts/beta", "accounts/gamma",
                                 "accounts/dead", "accounts/bare"));

  const v1::Account& alpha = response.accounts(0);
  EXPECT_EQ(alpha.display_name(), "Alpha team");
  EXPECT_EQ(alpha.type(), v1::ACCOUNT_TYPE_OAUTH);
  EXPECT_EQ(alpha.provider(), v1::PROVIDER_ANTHROPIC);
  EXPECT_TRUE(alpha.enabled());
  EXPECT_EQ(alpha.priority(), 0);
  EXPECT_FALSE(alpha.has_usage_cap());
  EXPECT_THAT(alpha.profiles(), ElementsAre("claude", "all"));
  EXPECT_EQ(alpha.upstream(), "");
  EXPECT_EQ(alpha.state(), v1::ACCOUNT_STATE_ACTIVE);
  EXPECT_EQ(alpha.email(), "alpha@example.com");
  EXPECT_EQ(alpha.organization(), "Alpha Org");
  EXPECT_EQ(alpha.account_uuid(), "uuid-alpha");
  EXPECT_EQ(alpha.in_flight(), 0);
  EXPECT_EQ(alpha.credential().kind(), v1::CREDENTIAL_KIND_OAUTH_TOKENS);
  EXPECT_EQ(alpha.credential().fingerprint(), credentials::Fingerprint(kAlphaAccess));
  EXPECT_EQ(TimeUtil::TimestampToMilliseconds(alpha.credential().expire_time()), kAlphaExpiresAtMs);
  EXPECT_TRUE(alpha.credential().refreshable());
  EXPECT_FALSE(alpha.credential().refresh_dead());

  const v1::Account& beta = response.accounts(1);
  EXPECT_EQ(beta.type(), v1::ACCOUNT_TYPE_API_KEY);
  EXPECT_EQ(beta.priority(), 2);
  EXPECT_EQ(beta.credential().kind(), v1::CREDENTIAL_KIND_API_KEY);
  EXPECT_EQ(beta.credential().fingerprint(), credentials::Fingerprint(kBetaKey));
  EXPECT_FALSE(beta.credential().has_expire_time());
  EXPECT_FALSE(beta.credential().refreshable());

  const v1::Account& gamma = response.accounts(2);
  EXPECT_EQ(gamma.type(), v1::ACCOUNT_TYPE_PROVIDER);
  EXPECT_EQ(gamma.provider(), v1::PROVIDER_ZAI);
  EXPECT_THAT(gamma.profiles(), ElementsAre("all"));
  EXPECT_EQ(gamma.upstream(), "https://zai.example.test/api/anthropic");
  EXPECT_EQ(gamma.credential().kind(), v1::CREDENTIAL_KIND_PROVIDER_KEY);
  EXPECT_EQ(gamma.credential().fingerprint(), credentials::Fingerprint(kGammaKey));

  EXPECT_FALSE(response.accounts(4).credential().refreshable());  // bare: no refresh token
}

TEST_F(AccountServiceTest, ListPagesWithOpaqueTokens) {
  v1::ListAccountsRequest request;
  request.set_page_size(2);
  std::vector<std::string> names;
  int pages = 0;
  do {
    v1::ListAccountsResponse response;
    const grpc::Status status = Call(&Stub::ListAccounts, request, response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.total_size(), 5);
    EXPECT_LE(response.accounts_size(), 2);
    for (const v1::Account& a : response.accounts()) names.push_back(a.name());
    request.set_page_token(response.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(names, ElementsAre("accounts/alpha", "accounts/beta", "accounts/gamma",
                                 "accounts/dead", "accounts/bare"));

  // Clamped to 1000; the default is 100: everything on one page.
  for (int size : {0, 5000}) {
    v1::ListAccountsRequest all;
    all.set_page_size(size);
    v1::ListAccountsResponse response;
    ASSERT_TRUE(Call(&Stub::ListAccounts, all, response).ok());
    EXPECT_EQ(response.accounts_size(), 5);
    EXPECT_EQ(response.next_page_token(), "");
  }
}

TEST_F(AccountServiceTest, ListRefusesBadPageSizesAndTokens) {
  v1::ListAccountsRequest request;
  v1::ListAccountsResponse response;
  request.set_page_size(-1);
  grpc::Status status = Call(&Stub::ListAccounts, request, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("page_size"));

  request.set_page_size(0);
  request.set_page_token("garbage!");
  status = Call(&Stub::ListAccounts, request, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("page_token"));

  request.set_page_token(control::EncodePageToken("routes", "alpha"));  // another list's
  status = Call(&Stub::ListAccounts, request, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("page_token"));

  request.set_page_token(control::EncodePageToken("accounts", "gone"));  // left the pool
  status = Call(&Stub::ListAccounts, request, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("page_token"));
  EXPECT_THAT(status.error_message(), HasSubstr("first page"));
}

// --- GetAccount ---------------------------------------------------------------------------------

TEST_F(AccountServiceTest, GetReturnsOneAccount) {
  v1::Account account;
  const grpc::Status status = Get("beta", account);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(account.name(), "accounts/beta");
  EXPECT_EQ(account.type(), v1::ACCOUNT_TYPE_API_KEY);
  EXPECT_EQ(account.credential().fingerprint(), credentials::Fingerprint(kBetaKey));
}

TEST_F(AccountServiceTest, GetUnknownIsNotFoundAndBadNamesAreInvalid) {
  v1::Account account;
  grpc::Status status = Get("nobody", account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("no account named \"nobody\""));
  EXPECT_THAT(status.error_message(), HasSubstr("maxpool accounts"));

  for (const std::string name : {"alpha", "accounts/", "accounts/bad name", "users/alpha"}) {
    v1::GetAccountRequest request;
    request.set_name(name);
    status = Call(&Stub::GetAccount, request, account);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << name;
    EXPECT_THAT(ViolationFields(status), ElementsAre("name")) << name;
  }
}

// --- Authentication -----------------------------------------------------------------------------

TEST_F(AccountServiceTest, ReadsNeedAToken) {
  v1::ListAccountsRequest request;
  v1::ListAccountsResponse response;
  EXPECT_EQ(Call(&Stub::ListAccounts, request, response, Caller::kAnonymous).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Call(&Stub::ListAccounts, request, response, Caller::kWrong).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Call(&Stub::ListAccounts, request, response, Caller::kReadOnly).ok());
  v1::Account account;
  EXPECT_EQ(Get("alpha", account, Caller::kAnonymous).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Get("alpha", account, Caller::kWrong).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Get("alpha", account, Caller::kReadOnly).ok());
}

TEST_F(AccountServiceTest, EveryWriteRefusesTheReadOnlyTokenAndStrangers) {
  const std::string before = ReadFile(path_);
  for (const Caller caller : {Caller::kReadOnly, Caller::kWrong, Caller::kAnonymous}) {
    const grpc::StatusCode want = caller == Caller::kReadOnly ? grpc::StatusCode::PERMISSION_DENIED
                                                              : grpc::StatusCode::UNAUTHENTICATED;
    v1::Account account;
    v1::CreateAccountRequest create;
    create.set_account_id("sneaky");
    create.mutable_api_key()->set_api_key(kNewApiKey);
    EXPECT_EQ(Call(&Stub::CreateAccount, create, account, caller).error_code(), want);

    v1::UpdateAccountRequest update;
    update.mutable_account()->set_name("accounts/alpha");
    update.mutable_update_mask()->add_paths("enabled");
    EXPECT_EQ(Call(&Stub::UpdateAccount, update, account, caller).error_code(), want);

    v1::DeleteAccountRequest remove;
    remove.set_name("accounts/beta");
    v1::DeleteAccountResponse removed;
    EXPECT_EQ(Call(&Stub::DeleteAccount, remove, removed, caller).error_code(), want);

    v1::RefreshAccountCredentialsRequest refresh;
    refresh.set_name("accounts/alpha");
    EXPECT_EQ(Call(&Stub::RefreshAccountCredentials, refresh, account, caller).error_code(), want);

    v1::ImportClaudeCodeCredentialsRequest import;
    EXPECT_EQ(Call(&Stub::ImportClaudeCodeCredentials, import, account, caller).error_code(), want);

    v1::StartOAuthLoginRequest start;
    v1::StartOAuthLoginResponse started;
    EXPECT_EQ(Call(&Stub::StartOAuthLogin, start, started, caller).error_code(), want);

    v1::CompleteOAuthLoginRequest complete;
    complete.set_login_id("0123");
    complete.set_code("code#state");
    EXPECT_EQ(Call(&Stub::CompleteOAuthLogin, complete, account, caller).error_code(), want);
  }
  EXPECT_EQ(ReadFile(path_), before);
  EXPECT_EQ(hooks_->applies(), 0);
  EXPECT_EQ(fake_->TokenCalls(), 0);
}

// --- CreateAccount ------------------------------------------------------------------------------

TEST_F(AccountServiceTest, CreateAnApiKeyAccountWritesTheFileAndJoinsThePool) {
  v1::CreateAccountRequest request;
  request.set_account_id("console");
  request.mutable_api_key()->set_api_key(kNewApiKey);
  v1::Account* settings = request.mutable_account();
  settings->set_display_name("Console key");
  settings->set_enabled(true);
  settings->set_priority(3.5);
  settings->set_usage_cap(0.75);
  settings->set_state(v1::ACCOUNT_STATE_BANNED);  // output only: ignored
  settings->set_email("ignored@example.com");
  v1::Account account;
  const grpc::Status status = Call(&Stub::CreateAccount, request, account);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(account.name(), "accounts/console");
  EXPECT_EQ(account.display_name(), "Console key");
  EXPECT_EQ(account.type(), v1::ACCOUNT_TYPE_API_KEY);
  EXPECT_EQ(account.provider(), v1::PROVIDER_ANTHROPIC);
  EXPECT_TRUE(account.enabled());
  EXPECT_EQ(account.priority(), 3.5);
  EXPECT_EQ(account.usage_cap(), 0.75);
  EXPECT_EQ(account.state(), v1::ACCOUNT_STATE_ACTIVE);
  EXPECT_EQ(account.email(), "");
  EXPECT_EQ(account.credential().kind(), v1::CREDENTIAL_KIND_API_KEY);
  EXPECT_EQ(account.credential().fingerprint(), credentials::Fingerprint(kNewApiKey));

  std::optional<v1::AccountConfig> entry = EntryOnDisk("console");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->type(), "apikey");
  EXPECT_EQ(entry->api_key(), kNewApiKey);
  EXPECT_EQ(entry->display_name(), "Console key");
  EXPECT_EQ(entry->priority(), 3.5);
  EXPECT_EQ(entry->cap_utilization(), 0.75);
  EXPECT_THAT(ReadFile(path_), HasSubstr("\"displayName\": \"Console key\""));

  std::optional<core::Account> live = Live("console");
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->settings.type, core::AccountType::kApiKey);
  EXPECT_EQ(live->settings.priority, 3.5);
  EXPECT_EQ(live->settings.cap_utilization, 0.75);
  EXPECT_EQ(LiveSecret("console"), kNewApiKey);
  EXPECT_EQ(LiveNames().back(), "console");

  v1::Account got;
  ASSERT_TRUE(Get("console", got).ok());
  EXPECT_EQ(got.SerializeAsString(), account.SerializeAsString());
}

TEST_F(AccountServiceTest, CreateWithoutSettingsIsEnabledAndWithEnabledFalseIsNot) {
  v1::CreateAccountRequest request;
  request.set_account_id("plain");
  request.mutable_api_key()->set_api_key(kNewApiKey);
  v1::Account account;
  ASSERT_TRUE(Call(&Stub::CreateAccount, request, account).ok());
  EXPECT_TRUE(account.enabled());
  EXPECT_TRUE(Live("plain")->settings.enabled);

  // Settings without `enabled` keep the default.
  request.set_account_id("ranked");
  request.mutable_account()->set_priority(1);
  ASSERT_TRUE(Call(&Stub::CreateAccount, request, account).ok());
  EXPECT_TRUE(account.enabled());
  EXPECT_TRUE(Live("ranked")->settings.enabled);

  request.set_account_id("parked");
  request.mutable_account()->set_enabled(false);
  ASSERT_TRUE(Call(&Stub::CreateAccount, request, account).ok());
  EXPECT_FALSE(account.enabled());
  EXPECT_EQ(account.state(), v1::ACCOUNT_STATE_DISABLED);
  EXPECT_FALSE(Live("parked")->settings.enabled);
  EXPECT_FALSE(EntryOnDisk("parked")->enabled());
}

TEST_F(AccountServiceTest, CreateAnOAuthAccountReadsItsProfileAndCanBeRefreshed) {
  v1::CreateAccountRequest request;
  request.set_account_id("carol");
  v1::OAuthTokens* tokens = request.mutable_oauth_tokens();
  tokens->set_access_token(kCarolAccess);
  tokens->set_refresh_token(kCarolRefresh);
  *tokens->mutable_expire_time() = TimeUtil::MillisecondsToTimestamp(kAlphaExpiresAtMs);
  request.mutable_account()->set_enabled(true);
  v1::Account account;
  const grpc::Status status = Call(&Stub::CreateAccount, request, account);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(account.type(), v1::ACCOUNT_TYPE_OAUTH);
  EXPECT_EQ(account.email(), "carol@example.com");
  EXPECT_EQ(account.account_uuid(), "uuid-carol");
  EXPECT_EQ(account.organization(), "carol Org");
  EXPECT_TRUE(account.credential().refreshable());
  EXPECT_EQ(TimeUtil::TimestampToMilliseconds(account.credential().expire_time()),
            kAlphaExpiresAtMs);
  EXPECT_EQ(account.credential().fingerprint(), credentials::Fingerprint(kCarolAccess));
  std::optional<v1::AccountConfig> entry = EntryOnDisk("carol");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->access_token(), kCarolAccess);
  EXPECT_EQ(entry->refresh_token(), kCarolRefresh);
  EXPECT_EQ(entry->expires_at(), kAlphaExpiresAtMs);
  EXPECT_EQ(LiveSecret("carol"), kCarolAccess);

  // The new account is tracked by the refresher at once.
  v1::RefreshAccountCredentialsRequest refresh;
  refresh.set_name("accounts/carol");
  v1::Account refreshed;
  const grpc::Status refresh_status = Call(&Stub::RefreshAccountCredentials, refresh, refreshed);
  ASSERT_TRUE(refresh_status.ok()) << refresh_status.error_message();
  EXPECT_EQ(refreshed.credential().fingerprint(),
            credentials::Fingerprint(fake_->OAuthAccount(kCarolAccess)->access_token));
}

TEST_F(AccountServiceTest, CreateAProviderAccountGetsItsProvidersUpstream) {
  v1::CreateAccountRequest request;
  request.set_account_id("glm");
  request.mutable_provider_key()->set_provider(v1::PROVIDER_ZAI);
  request.mutable_provider_key()->set_api_key(kNewZaiKey);
  v1::Account account;
  const grpc::Status status = Call(&Stub::CreateAccount, request, account);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(account.type(), v1::ACCOUNT_TYPE_PROVIDER);
  EXPECT_EQ(account.provider(), v1::PROVIDER_ZAI);
  EXPECT_EQ(account.upstream(), "https://api.z.ai/api/anthropic");
  EXPECT_EQ(account.credential().kind(), v1::CREDENTIAL_KIND_PROVIDER_KEY);
  EXPECT_THAT(account.profiles(), ElementsAre("all"));
  std::optional<v1::AccountConfig> entry = EntryOnDisk("glm");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->type(), "provider");
  EXPECT_EQ(entry->provider(), "zai");
  EXPECT_EQ(entry->api_key(), kNewZaiKey);
  ASSERT_TRUE(Live("glm").has_value());
  EXPECT_EQ(Live("glm")->settings.provider, core::Provider::kZai);
}

TEST_F(AccountServiceTest, CreateRefusesBadInputNamingEachField) {
  struct Case {
    std::string what;
    std::function<void(v1::CreateAccountRequest&)> edit;
    std::vector<std::string> fields;
  };
  const std::vector<Case> cases = {
      {"bad id", [](auto& r) { r.set_account_id("has space"); }, {"account_id"}},
      {"empty id", [](auto& r) { r.set_account_id(""); }, {"account_id"}},
      {"long id", [](auto& r) { r.set_account_id(std::string(65, 'a')); }, {"account_id"}},
      {"no credential", [](auto& r) { r.clear_api_key(); }, {"credential"}},
      {"oauth token as api key",
       [](auto& r) { r.mutable_api_key()->set_api_key(kCarolAccess); },
       {"api_key.api_key"}},
      {"short api key",
       [](auto& r) { r.mutable_api_key()->set_api_key("sk-ant-api03-short"); },
       {"api_key.api_key"}},
      {"empty access token",
       [](auto& r) { r.mutable_oauth_tokens()->set_refresh_token(kCarolRefresh); },
       {"oauth_tokens.access_token"}},
      {"api key as access token",
       [](auto& r) { r.mutable_oauth_tokens()->set_access_token(kNewApiKey); },
       {"oauth_tokens.access_token"}},
      {"access token as refresh token",
       [](auto& r) {
         r.mutable_oauth_tokens()->set_access_token(kCarolAccess);
         r.mutable_oauth_tokens()->set_refresh_token(kAlphaAccess);
       },
       {"oauth_tokens.refresh_token"}},
      {"bad expiry",
       [](auto& r) {
         r.mutable_oauth_tokens()->set_access_token(kCarolAccess);
         r.mutable_oauth_tokens()->mutable_expire_time()->set_seconds(-5);
       },
       {"oauth_tokens.expire_time"}},
      {"provider without provider",
       [](auto& r) { r.mutable_provider_key()->set_api_key(kNewZaiKey); },
       {"provider_key.provider"}},
      {"provider anthropic",
       [](auto& r) {
         r.mutable_provider_key()->set_provider(v1::PROVIDER_ANTHROPIC);
         r.mutable_provider_key()->set_api_key(kNewZaiKey);
       },
       {"provider_key.provider"}},
      {"provider without key",
       [](auto& r) { r.mutable_provider_key()->set_provider(v1::PROVIDER_KIMI); },
       {"provider_key.api_key"}},
      {"cap 1.5", [](auto& r) { r.mutable_account()->set_usage_cap(1.5); }, {"account.usage_cap"}},
      {"cap 0", [](auto& r) { r.mutable_account()->set_usage_cap(0); }, {"account.usage_cap"}},
      {"priority inf",
       [](auto& r) { r.mutable_account()->set_priority(std::numeric_limits<double>::infinity()); },
       {"account.priority"}},
      {"priority nan",
       [](auto& r) { r.mutable_account()->set_priority(std::nan("")); },
       {"account.priority"}},
      {"upstream",
       [](auto& r) { r.mutable_account()->set_upstream("ftp://x"); },
       {"account.upstream"}},
      {"display name",
       [](auto& r) { r.mutable_account()->set_display_name("two\nlines"); },
       {"account.display_name"}},
      {"several at once",
       [](auto& r) {
         r.set_account_id("bad/id");
         r.mutable_api_key()->set_api_key(kCarolRefresh);
         r.mutable_account()->set_usage_cap(2);
       },
       {"account_id", "api_key.api_key", "account.usage_cap"}},
  };
  const std::string before = ReadFile(path_);
  for (const Case& c : cases) {
    v1::CreateAccountRequest request;
    request.set_account_id("fresh");
    request.mutable_api_key()->set_api_key(kNewApiKey);
    c.edit(request);
    v1::Account account;
    const grpc::Status status = Call(&Stub::CreateAccount, request, account);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.what;
    EXPECT_EQ(ViolationFields(status), c.fields) << c.what << ": " << status.error_message();
  }
  EXPECT_EQ(ReadFile(path_), before);
  EXPECT_EQ(LiveNames().size(), 5u);
}

TEST_F(AccountServiceTest, CreateRefusesATakenNameOrAnAccountAlreadyPooled) {
  const std::string before = ReadFile(path_);
  v1::CreateAccountRequest request;
  request.set_account_id("beta");
  request.mutable_api_key()->set_api_key(kNewApiKey);
  v1::Account account;
  grpc::Status status = Call(&Stub::CreateAccount, request, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("\"beta\""));

  // The same Anthropic account (its profile's UUID) under another name.
  request.set_account_id("alpha-again");
  request.mutable_oauth_tokens()->set_access_token(kAlphaAccess);
  status = Call(&Stub::CreateAccount, request, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("\"alpha\""));
  EXPECT_EQ(ReadFile(path_), before);
}

// --- UpdateAccount ------------------------------------------------------------------------------

TEST_F(AccountServiceTest, UpdateChangesOnlyTheMaskedFields) {
  v1::UpdateAccountRequest request;
  v1::Account* values = request.mutable_account();
  values->set_name("accounts/beta");
  values->set_priority(-1);
  values->set_usage_cap(0.6);
  values->set_display_name("Beta");
  values->set_enabled(false);  // not in the mask: unchanged
  for (const char* path : {"priority", "usage_cap", "display_name"}) {
    request.mutable_update_mask()->add_paths(path);
  }
  v1::Account account;
  grpc::Status status = Call(&Stub::UpdateAccount, request, account);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(account.priority(), -1);
  EXPECT_EQ(account.usage_cap(), 0.6);
  EXPECT_EQ(account.display_name(), "Beta");
  EXPECT_TRUE(account.enabled());
  std::optional<v1::AccountConfig> entry = EntryOnDisk("beta");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->priority(), -1);
  EXPECT_EQ(entry->cap_utilization(), 0.6);
  EXPECT_EQ(entry->display_name(), "Beta");
  EXPECT_EQ(entry->api_key(), kBetaKey);
  EXPECT_EQ(Live("beta")->settings.priority, -1);
  EXPECT_EQ(Live("beta")->settings.cap_utilization, 0.6);
  EXPECT_TRUE(Live("beta")->settings.enabled);

  // usage_cap in the mask without a value removes the cap; an empty display name removes it.
  request.Clear();
  request.mutable_account()->set_name("accounts/beta");
  request.mutable_account()->set_enabled(false);
  for (const char* path : {"usage_cap", "display_name", "enabled"}) {
    request.mutable_update_mask()->add_paths(path);
  }
  status = Call(&Stub::UpdateAccount, request, account);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(account.has_usage_cap());
  EXPECT_EQ(account.display_name(), "");
  EXPECT_FALSE(account.enabled());
  EXPECT_EQ(account.state(), v1::ACCOUNT_STATE_DISABLED);
  entry = EntryOnDisk("beta");
  ASSERT_TRUE(entry.has_value());
  EXPECT_FALSE(entry->has_cap_utilization());
  EXPECT_FALSE(entry->has_display_name());
  EXPECT_FALSE(entry->enabled());
  EXPECT_FALSE(Live("beta")->settings.cap_utilization.has_value());
  EXPECT_FALSE(Live("beta")->settings.enabled);
  EXPECT_EQ(Live("beta")->settings.priority, -1);
}

TEST_F(AccountServiceTest, UpdateRefusesBadMasksAndValues) {
  struct Case {
    std::string what;
    std::function<void(v1::UpdateAccountRequest&)> edit;
    std::vector<std::string> fields;
  };
  const std::vector<Case> cases = {
      {"no mask", [](auto& r) { r.clear_update_mask(); }, {"update_mask"}},
      {"unknown path",
       [](auto& r) { r.mutable_update_mask()->add_paths("email"); },
       {"update_mask"}},
      {"name path", [](auto& r) { r.mutable_update_mask()->add_paths("name"); }, {"update_mask"}},
      {"no account", [](auto& r) { r.clear_account(); }, {"account"}},
      {"bad name", [](auto& r) { r.mutable_account()->set_name("beta"); }, {"account.name"}},
      {"priority inf",
       [](auto& r) {
         r.mutable_account()->set_priority(-std::numeric_limits<double>::infinity());
         r.mutable_update_mask()->add_paths("priority");
       },
       {"account.priority"}},
      {"cap 1",
       [](auto& r) {
         r.mutable_account()->set_usage_cap(1);
         r.mutable_update_mask()->add_paths("usage_cap");
       },
       {"account.usage_cap"}},
      {"display name",
       [](auto& r) {
         r.mutable_account()->set_display_name(std::string(300, 'x'));
         r.mutable_update_mask()->add_paths("display_name");
       },
       {"account.display_name"}},
  };
  const std::string before = ReadFile(path_);
  for (const Case& c : cases) {
    v1::UpdateAccountRequest request;
    request.mutable_account()->set_name("accounts/beta");
    request.mutable_update_mask()->add_paths("enabled");
    c.edit(request);
    v1::Account account;
    const grpc::Status status = Call(&Stub::UpdateAccount, request, account);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.what;
    EXPECT_EQ(ViolationFields(status), c.fields) << c.what << ": " << status.error_message();
  }
  v1::UpdateAccountRequest empty;
  empty.mutable_account()->set_name("accounts/beta");
  v1::Account account;
  const grpc::Status status = Call(&Stub::UpdateAccount, empty, account);
  EXPECT_THAT(status.error_message(), HasSubstr("enabled, priority, usage_cap, display_name"));
  EXPECT_EQ(ReadFile(path_), before);
}

TEST_F(AccountServiceTest, UpdateUnknownIsNotFound) {
  v1::UpdateAccountRequest request;
  request.mutable_account()->set_name("accounts/nobody");
  request.mutable_update_mask()->add_paths("enabled");
  v1::Account account;
  const grpc::Status status = Call(&Stub::UpdateAccount, request, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("no account named \"nobody\""));
}

// --- DeleteAccount ------------------------------------------------------------------------------

TEST_F(AccountServiceTest, DeleteRemovesAnIdleAccountFromTheFileAndThePool) {
  v1::DeleteAccountRequest request;
  request.set_name("accounts/beta");
  v1::DeleteAccountResponse response;
  const grpc::Status status = Call(&Stub::DeleteAccount, request, response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.in_flight(), 0);
  EXPECT_FALSE(EntryOnDisk("beta").has_value());
  EXPECT_FALSE(ReadFile(path_).find(kBetaKey) != std::string::npos);
  EXPECT_TRUE(Eventually([&] { return !Live("beta").has_value(); }));
  v1::Account account;
  EXPECT_EQ(Get("beta", account).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Call(&Stub::DeleteAccount, request, response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AccountServiceTest, DeleteWithRequestsInFlightNeedsForce) {
  const core::Lease lease = AcquireOn("alpha");
  ASSERT_EQ(Live("alpha")->state.in_flight, 1);
  v1::Account alpha;
  ASSERT_TRUE(Get("alpha", alpha).ok());
  EXPECT_EQ(alpha.in_flight(), 1);

  v1::DeleteAccountRequest request;
  request.set_name("accounts/alpha");
  v1::DeleteAccountResponse response;
  grpc::Status status = Call(&Stub::DeleteAccount, request, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("1 request(s) in flight"));
  EXPECT_THAT(status.error_message(), HasSubstr("force=true"));
  EXPECT_TRUE(EntryOnDisk("alpha").has_value());

  request.set_force(true);
  status = Call(&Stub::DeleteAccount, request, response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.in_flight(), 1);
  EXPECT_FALSE(EntryOnDisk("alpha").has_value());
  // It takes no new requests at once and leaves once its request finishes.
  ASSERT_TRUE(Live("alpha").has_value());
  EXPECT_FALSE(Live("alpha")->settings.enabled);
  pool_->Release(lease, {core::ReleaseKind::kSuccess, 200, ""});
  EXPECT_TRUE(Eventually([&] { return !Live("alpha").has_value(); }, std::chrono::seconds(5)));
}

TEST_F(AccountServiceTest, DeleteRefusesBadNames) {
  v1::DeleteAccountRequest request;
  request.set_name("beta");
  v1::DeleteAccountResponse response;
  const grpc::Status status = Call(&Stub::DeleteAccount, request, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("name"));
}

TEST_F(AccountServiceTest, DeletingAnUnnamedEntryKeepsTheNamesOfTheLaterOnes) {
  // Two unnamed entries: the pool calls them account-6 and account-7.
  ASSERT_TRUE(store_
                  ->Update(
                      [](v1::Config& config) {
                        for (const char* key : {kNewApiKey,
                                                "sk-ant-api03-test-other-key-0000000"
                                                "000000000000"}) {
                          v1::AccountConfig* a = config.add_accounts();
                          a->set_type("apikey");
                          a->set_api_key(key);
                        }
                        return absl::OkStatus();
                      },
                      std::nullopt)
                  .ok());
  hooks_->ApplyConfig(OnDisk());
  ASSERT_TRUE(Live("account-6").has_value());
  ASSERT_TRUE(Live("account-7").has_value());
  const std::string secret7 = LiveSecret("account-7");

  v1::DeleteAccountRequest request;
  request.set_name("accounts/account-6");
  v1::DeleteAccountResponse response;
  const grpc::Status status = Call(&Stub::DeleteAccount, request, response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(EntryOnDisk("account-6").has_value());
  ASSERT_TRUE(EntryOnDisk("account-7").has_value());
  EXPECT_EQ(EntryOnDisk("account-7")->api_key(), secret7);
  EXPECT_TRUE(Eventually([&] { return !Live("account-6").has_value(); }));
  EXPECT_EQ(LiveSecret("account-7"), secret7);
}

// --- RefreshAccountCredentials ------------------------------------------------------------------

TEST_F(AccountServiceTest, RefreshRotatesPersistsAndUpdatesThePool) {
  v1::RefreshAccountCredentialsRequest request;
  request.set_name("accounts/alpha");
  v1::Account account;
  const grpc::Status status = Call(&Stub::RefreshAccountCredentials, request, account);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::optional<fake::OAuthAccountView> view = fake_->OAuthAccount(kAlphaAccess);
  ASSERT_TRUE(view.has_value());
  EXPECT_NE(view->access_token, kAlphaAccess);
  EXPECT_NE(view->refresh_token, kAlphaRefresh);
  EXPECT_EQ(fake_->TokenCalls(), 1);
  EXPECT_EQ(account.credential().fingerprint(), credentials::Fingerprint(view->access_token));
  EXPECT_TRUE(account.credential().refreshable());
  EXPECT_EQ(LiveSecret("alpha"), view->access_token);
  std::optional<v1::AccountConfig> entry = EntryOnDisk("alpha");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->access_token(), view->access_token);
  EXPECT_EQ(entry->refresh_token(), view->refresh_token);
  EXPECT_EQ(TimeUtil::TimestampToMilliseconds(account.credential().expire_time()),
            entry->expires_at());
}

TEST_F(AccountServiceTest, RefreshFailurePreconditionsAndNotFound) {
  v1::RefreshAccountCredentialsRequest request;
  v1::Account account;
  request.set_name("accounts/beta");  // an API key
  grpc::Status status = Call(&Stub::RefreshAccountCredentials, request, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("API-key account"));

  request.set_name("accounts/gamma");  // a provider
  status = Call(&Stub::RefreshAccountCredentials, request, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  request.set_name("accounts/bare");  // OAuth without a refresh token
  status = Call(&Stub::RefreshAccountCredentials, request, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("no refresh token"));

  request.set_name("accounts/dead");  // the token endpoint refuses its refresh token
  status = Call(&Stub::RefreshAccountCredentials, request, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("refresh failed"));
  EXPECT_EQ(EntryOnDisk("dead")->refresh_token(), kDeadRefresh);

  request.set_name("accounts/nobody");
  status = Call(&Stub::RefreshAccountCredentials, request, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  request.set_name("nobody");
  status = Call(&Stub::RefreshAccountCredentials, request, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("name"));
}

// --- ImportClaudeCodeCredentials ----------------------------------------------------------------

TEST_F(AccountServiceTest, ImportReadsTheDefaultFileAndNamesTheAccountAfterItsEmail) {
  WriteClaudeCodeFile(claude_dir_ / ".credentials.json");
  v1::ImportClaudeCodeCredentialsRequest request;
  v1::Account account;
  const grpc::Status status = Call(&Stub::ImportClaudeCodeCredentials, request, account);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(account.name(), "accounts/imported@example.com");
  EXPECT_EQ(account.email(), "imported@example.com");
  EXPECT_EQ(account.account_uuid(), "uuid-import");
  EXPECT_EQ(account.type(), v1::ACCOUNT_TYPE_OAUTH);
  EXPECT_TRUE(account.credential().refreshable());
  EXPECT_EQ(account.credential().fingerprint(), credentials::Fingerprint(kImportAccess));
  std::optional<v1::AccountConfig> entry = EntryOnDisk("imported@example.com");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->source(), "import");
  EXPECT_EQ(entry->access_token(), kImportAccess);
  EXPECT_EQ(entry->refresh_token(), kImportRefresh);
  EXPECT_EQ(LiveSecret("imported@example.com"), kImportAccess);

  // Importing again updates the same entry (same Anthropic account), under a new id if given.
  request.set_account_id("imported");
  ASSERT_TRUE(Call(&Stub::ImportClaudeCodeCredentials, request, account).ok());
  EXPECT_EQ(account.name(), "accounts/imported");
  EXPECT_FALSE(EntryOnDisk("imported@example.com").has_value());
  EXPECT_TRUE(EntryOnDisk("imported").has_value());
  EXPECT_TRUE(Eventually([&] { return Live("imported").has_value(); }));
}

TEST_F(AccountServiceTest, ImportFromAPathWithAnIdAndWithoutAProfile) {
  const std::filesystem::path file = WriteClaudeCodeFile(dir_.path() / "elsewhere" / "creds.json");
  // Without a login flow, the profile is not read: the account is named as asked.
  control::ControlEnv env = env_;
  env.login_flow = nullptr;
  TestServer other(env);
  v1::ImportClaudeCodeCredentialsRequest request;
  request.set_path(file.string());
  request.set_account_id("laptop");
  v1::Account account;
  grpc::Status status =
      Call(&Stub::ImportClaudeCodeCredentials, request, account, Caller::kFull, other.stub.get());
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(account.name(), "accounts/laptop");
  EXPECT_EQ(account.email(), "");
  EXPECT_TRUE(EntryOnDisk("laptop").has_value());
  EXPECT_TRUE(Live("laptop").has_value());

  // Without an id either: "claude-code", as `maxpool import` does.
  request.clear_account_id();
  std::filesystem::remove(file);
  WriteClaudeCodeFile(file);
  status =
      Call(&Stub::ImportClaudeCodeCredentials, request, account, Caller::kFull, other.stub.get());
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(account.name(), "accounts/claude-code");
}

TEST_F(AccountServiceTest, ImportRefusesBadInputAndAMissingFile) {
  const std::string before = ReadFile(path_);
  v1::ImportClaudeCodeCredentialsRequest request;
  v1::Account account;
  request.set_path("relative/creds.json");
  request.set_account_id("bad id");
  grpc::Status status = Call(&Stub::ImportClaudeCodeCredentials, request, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), UnorderedElementsAre("account_id", "path"));

  request.Clear();  // the default file does not exist
  status = Call(&Stub::ImportClaudeCodeCredentials, request, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr(".credentials.json"));

  request.set_path((dir_.path() / "garbage.json").string());
  dir_.Write("garbage.json", absl::StrCat("{\"claudeAiOauth\": \"", kNewApiKey, "\"}"));
  status = Call(&Stub::ImportClaudeCodeCredentials, request, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReadFile(path_), before);
}

// --- StartOAuthLogin / CompleteOAuthLogin -------------------------------------------------------

class RemoteLogin {
 public:
  explicit RemoteLogin(const v1::StartOAuthLoginResponse& started)
      : query_(QueryOf(started.authorize_url())) {}
  const std::string& state() const { return query_.at("state"); }
  const std::string& challenge() const { return query_.at("code_challenge"); }
  const std::string& redirect_uri() const { return query_.at("redirect_uri"); }

 private:
  std::map<std::string, std::string> query_;
};

TEST_F(AccountServiceTest, RemoteLoginAddsTheAccount) {
  v1::StartOAuthLoginRequest start;
  start.set_account_id("newbie");
  v1::StartOAuthLoginResponse started;
  grpc::Status status = Call(&Stub::StartOAuthLogin, start, started);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(started.login_id().size(), 32u);
  EXPECT_THAT(started.authorize_url(),
              ::testing::StartsWith(fake_->base_url() + "/oauth/authorize?"));
  const int64_t expires_in_ms =
      TimeUtil::TimestampToMilliseconds(started.expire_time()) - absl::ToUnixMillis(absl::Now());
  EXPECT_GT(expires_in_ms, 9 * 60 * 1000);
  EXPECT_LE(expires_in_ms, 10 * 60 * 1000);

  const RemoteLogin login(started);
  EXPECT_EQ(login.redirect_uri(), credentials::kOAuthManualRedirectUrl);
  absl::StatusOr<std::string> code =
      fake_->MintAuthCode(kNewbieAccess, login.challenge(), login.state(), login.redirect_uri());
  ASSERT_TRUE(code.ok()) << code.status();
  RememberCode(*code);

  v1::CompleteOAuthLoginRequest complete;
  complete.set_login_id(started.login_id());
  complete.set_code(absl::StrCat(*code, "#", login.state()));
  v1::Account account;
  status = Call(&Stub::CompleteOAuthLogin, complete, account);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(account.name(), "accounts/newbie");
  EXPECT_EQ(account.email(), "newbie@example.com");
  EXPECT_EQ(account.account_uuid(), "uuid-newbie");
  EXPECT_TRUE(account.credential().refreshable());
  const std::optional<fake::OAuthAccountView> view = fake_->OAuthAccount(kNewbieAccess);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(account.credential().fingerprint(), credentials::Fingerprint(view->access_token));
  std::optional<v1::AccountConfig> entry = EntryOnDisk("newbie");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->source(), "login");
  EXPECT_EQ(entry->access_token(), view->access_token);
  EXPECT_EQ(entry->refresh_token(), view->refresh_token);
  EXPECT_EQ(LiveSecret("newbie"), view->access_token);

  // The login is consumed.
  status = Call(&Stub::CompleteOAuthLogin, complete, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AccountServiceTest, RemoteLoginWithoutAnIdIsNamedAfterTheEmailAndTakesTheCallbackUrl) {
  v1::StartOAuthLoginRequest start;
  v1::StartOAuthLoginResponse started;
  ASSERT_TRUE(Call(&Stub::StartOAuthLogin, start, started).ok());
  const RemoteLogin login(started);
  absl::StatusOr<std::string> code =
      fake_->MintAuthCode(kNewbieAccess, login.challenge(), login.state(), login.redirect_uri());
  ASSERT_TRUE(code.ok()) << code.status();
  RememberCode(*code);
  v1::CompleteOAuthLoginRequest complete;
  complete.set_login_id(started.login_id());
  complete.set_code(absl::StrCat(login.redirect_uri(), "?code=", *code, "&state=", login.state()));
  v1::Account account;
  const grpc::Status status = Call(&Stub::CompleteOAuthLogin, complete, account);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(account.name(), "accounts/newbie@example.com");
  EXPECT_TRUE(Live("newbie@example.com").has_value());
}

TEST_F(AccountServiceTest, RemoteLoginRefusesBadInputUnknownLoginsAndBadCodes) {
  v1::StartOAuthLoginRequest start;
  v1::StartOAuthLoginResponse started;
  start.set_account_id("no good");
  grpc::Status status = Call(&Stub::StartOAuthLogin, start, started);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("account_id"));

  start.clear_account_id();
  ASSERT_TRUE(Call(&Stub::StartOAuthLogin, start, started).ok());
  const RemoteLogin login(started);

  v1::CompleteOAuthLoginRequest complete;
  v1::Account account;
  status = Call(&Stub::CompleteOAuthLogin, complete, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("login_id", "code"));

  complete.set_login_id(started.login_id());
  complete.set_code("  \n");
  status = Call(&Stub::CompleteOAuthLogin, complete, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("code"));

  complete.set_login_id("00000000000000000000000000000000");
  complete.set_code("whatever#state");
  status = Call(&Stub::CompleteOAuthLogin, complete, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("StartOAuthLogin"));

  // A code the token endpoint refuses, and a code of another login (state mismatch): the code
  // field is wrong; the login stays pending.
  complete.set_login_id(started.login_id());
  const std::string bogus = "sk-ant-not-a-real-code-0000000000000000";
  RememberCode(bogus);
  complete.set_code(absl::StrCat(bogus, "#", login.state()));
  status = Call(&Stub::CompleteOAuthLogin, complete, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("code"));
  EXPECT_THAT(status.error_message(), HasSubstr("invalid_grant"));

  complete.set_code("some-code#some-other-state");
  status = Call(&Stub::CompleteOAuthLogin, complete, account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(status), ElementsAre("code"));

  // Still pending: the right code completes it.
  absl::StatusOr<std::string> code =
      fake_->MintAuthCode(kNewbieAccess, login.challenge(), login.state(), login.redirect_uri());
  ASSERT_TRUE(code.ok()) << code.status();
  RememberCode(*code);
  complete.set_code(absl::StrCat(*code, "#", login.state()));
  status = Call(&Stub::CompleteOAuthLogin, complete, account);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(AccountServiceTest, RemoteLoginIsUnavailableWithoutALoginFlow) {
  control::ControlEnv env = env_;
  env.login_flow = nullptr;
  TestServer other(env);
  v1::StartOAuthLoginRequest start;
  v1::StartOAuthLoginResponse started;
  grpc::Status status =
      Call(&Stub::StartOAuthLogin, start, started, Caller::kFull, other.stub.get());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("OAuth login is not available on this server"));
  v1::CompleteOAuthLoginRequest complete;
  complete.set_login_id("00000000000000000000000000000000");
  complete.set_code("code#state");
  v1::Account account;
  status = Call(&Stub::CompleteOAuthLogin, complete, account, Caller::kFull, other.stub.get());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

// --- Concurrency --------------------------------------------------------------------------------

TEST_F(AccountServiceTest, ConcurrentCreatesAllLand) {
  constexpr int kClients = 8;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      v1::CreateAccountRequest request;
      request.set_account_id(absl::StrCat("parallel-", i));
      request.mutable_api_key()->set_api_key(
          absl::StrCat("sk-ant-api03-test-parallel-key-", i, "-000000000000000"));
      v1::Account account;
      grpc::ClientContext context;
      context.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
      if (server_->stub->CreateAccount(&context, request, &account).ok()) ++ok;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients);
  for (int i = 0; i < kClients; ++i) {
    const std::string name = absl::StrCat("parallel-", i);
    EXPECT_TRUE(EntryOnDisk(name).has_value()) << name;
    EXPECT_TRUE(Live(name).has_value()) << name;
  }
  EXPECT_EQ(ListAll().size(), 5u + kClients);
}

// --- PendingLogins ------------------------------------------------------------------------------

TEST(PendingLogins, ExpireAfterTheirLifetimeAndEvictTheOldest) {
  absl::Time now = absl::FromUnixSeconds(1'000'000);
  control::PendingLogins logins(/*capacity=*/2, absl::Minutes(10), [&] { return now; });
  credentials::LoginSession session;
  session.state = "s1";
  absl::StatusOr<control::StartedPendingLogin> first = logins.Add(session, "a");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->expire_time, now + absl::Minutes(10));
  now += absl::Minutes(1);
  session.state = "s2";
  absl::StatusOr<control::StartedPendingLogin> second = logins.Add(session, "");
  ASSERT_TRUE(second.ok());
  EXPECT_NE(first->login_id, second->login_id);
  ASSERT_TRUE(logins.Find(first->login_id).has_value());
  EXPECT_EQ(logins.Find(first->login_id)->session.state, "s1");
  EXPECT_EQ(logins.Find(first->login_id)->account_id, "a");

  now += absl::Minutes(1);
  session.state = "s3";
  absl::StatusOr<control::StartedPendingLogin> third = logins.Add(session, "");
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(logins.Find(first->login_id).has_value());  // evicted: the oldest
  EXPECT_TRUE(logins.Find(second->login_id).has_value());
  EXPECT_EQ(logins.size(), 2u);

  now += absl::Minutes(9);  // second expires (started at +1 min), third has not
  EXPECT_FALSE(logins.Find(second->login_id).has_value());
  EXPECT_TRUE(logins.Find(third->login_id).has_value());
  logins.Erase(third->login_id);
  EXPECT_FALSE(logins.Find(third->login_id).has_value());
  EXPECT_EQ(logins.size(), 0u);
}

TEST(PendingLogins, IdsAreRandomHex) {
  control::PendingLogins logins;
  std::set<std::string> ids;
  for (int i = 0; i < 16; ++i) {
    absl::StatusOr<control::StartedPendingLogin> started = logins.Add({}, "");
    ASSERT_TRUE(started.ok());
    EXPECT_EQ(started->login_id.size(), 32u);
    EXPECT_EQ(started->login_id.find_first_not_of("0123456789abcdef"), std::string::npos);
    ids.insert(started->login_id);
  }
  EXPECT_EQ(ids.size(), 16u);
}

}  // namespace
}  // namespace maxpool
