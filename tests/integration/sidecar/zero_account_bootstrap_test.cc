// A fresh sidecar: `maxpool server` with no account at all starts, tells clients and the
// readiness probe why it cannot serve, and is brought to serving through the control plane
// alone (CreateAccount), with its config file read-only and everything it writes in the state
// directory; a restart keeps the account, and the read-only file is never written.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "config/config_path.h"
#include "fake/fake_upstream.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "maxpool/v1/accounts.grpc.pb.h"
#include "server/server_runtime.h"
#include "support/env_lookup.h"
#include "support/raw_socket.h"
#include "support/temp_dir.h"
#include "support/test_runtime.h"

namespace maxpool {
namespace {

using ::maxpool::testing::RawSocket;
using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kToken[] = "control-token-bootstrap-0123456789abcdef";
constexpr char kKey[] = "sk-ant-api03-test-bootstrap-key-0000000000000";

// One HTTP/1.1 exchange on a new connection; the whole response as text.
std::string Exchange(uint16_t port, const std::string& request) {
  std::unique_ptr<RawSocket> socket = RawSocket::Connect(port);
  if (!socket) return "(cannot connect)";
  socket->Write(request);
  socket->WaitForClose(std::chrono::seconds(10));
  return socket->received();
}

std::string Message(uint16_t port) {
  const std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]})";
  return Exchange(port, absl::StrCat("POST /v1/messages HTTP/1.1\r\nHost: localhost\r\n"
                                     "content-type: application/json\r\n"
                                     "anthropic-version: 2023-06-01\r\nconnection: close\r\n"
                                     "content-length: ",
                                     body.size(), "\r\n\r\n", body));
}

std::string Get(uint16_t port, const std::string& path) {
  return Exchange(port, absl::StrCat("GET ", path,
                                     " HTTP/1.1\r\nHost: localhost\r\nconnection: close\r\n\r\n"));
}

class ZeroAccountBootstrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<fake::FakeUpstream>> upstream =
        fake::FakeUpstream::Start(fake::FakeOptions());
    ASSERT_TRUE(upstream.ok()) << upstream.status();
    upstream_ = std::move(*upstream);
    fake::FakeAccountSpec key;
    key.credential = kKey;
    key.type = fake::AccountType::kApiKey;
    ASSERT_TRUE(upstream_->AddAccount(key).ok());
    config_path_ =
        dir_.Write("maxpool.json", absl::StrCat(R"({"upstream": ")", upstream_->base_url(),
                                                R"(", "eventLog": false, "control": {"token": ")",
                                                kToken, R"("}})"));
    config_before_ = ReadFile(config_path_);
    state_dir_ = dir_.path() / "state";
    env_ = {{"MAXPOOL_CONFIG_READ_ONLY", "1"}, {"MAXPOOL_STATE_DIR", state_dir_.string()}};
  }

  void Start() {
    server::RuntimeOptions options = testing::TestRuntimeOptions(config_path_);
    options.env = ::maxpool::testing::EnvOver(env_);
    absl::StatusOr<std::unique_ptr<server::ServerRuntime>> runtime =
        server::ServerRuntime::Start(std::move(options));
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = std::move(*runtime);
  }

  grpc::Status CreateAccount() {
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", runtime_->control_port()),
                                       grpc::InsecureChannelCredentials());
    std::unique_ptr<v1::AccountService::Stub> stub = v1::AccountService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    context.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
    v1::CreateAccountRequest request;
    request.set_account_id("first");
    request.mutable_api_key()->set_api_key(kKey);
    v1::Account account;
    return stub->CreateAccount(&context, request, &account);
  }

  void TearDown() override {
    if (runtime_) runtime_->Stop();
    if (upstream_) upstream_->Stop();
  }

  TempDir dir_;
  std::filesystem::path config_path_;
  std::string config_before_;
  std::filesystem::path state_dir_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<fake::FakeUpstream> upstream_;
  std::unique_ptr<server::ServerRuntime> runtime_;
};

// MAXPOOL_STATE_DIR may name a directory that does not exist yet (a fresh volume's
// subdirectory): the server makes it, and keeps its event log there, writable config or not.
TEST_F(ZeroAccountBootstrapTest, AStateDirectoryThatDoesNotExistYetIsMade) {
  env_.erase("MAXPOOL_CONFIG_READ_ONLY");
  state_dir_ = dir_.path() / "volume" / "maxpool";
  env_["MAXPOOL_STATE_DIR"] = state_dir_.string();
  config_path_ =
      dir_.Write("maxpool.json", absl::StrCat(R"({"upstream": ")", upstream_->base_url(),
                                              R"(", "control": {"token": ")", kToken, R"("}})"));
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_TRUE(std::filesystem::is_directory(state_dir_));
  EXPECT_TRUE(std::filesystem::exists(state_dir_ / config::EventLogPathFor("maxpool.json")));
}

TEST_F(ZeroAccountBootstrapTest, StartsWithNoAccountAndSaysWhy) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string answer = Message(runtime_->proxy_port());
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 503 "));
  EXPECT_THAT(answer, HasSubstr(R"("type":"error")"));
  EXPECT_THAT(answer, HasSubstr(R"("type":"api_error")"));
  EXPECT_THAT(answer, HasSubstr("no account is configured"));
  EXPECT_THAT(answer, HasSubstr("CreateAccount"));
  EXPECT_TRUE(upstream_->Requests().empty());

  const std::string ready = Get(runtime_->admin_port(), "/readyz");
  EXPECT_THAT(ready, StartsWith("HTTP/1.1 503 "));
  EXPECT_THAT(ready, HasSubstr("not ready: no account is configured"));
  EXPECT_THAT(Get(runtime_->admin_port(), "/livez"), StartsWith("HTTP/1.1 200 "));
}

TEST_F(ZeroAccountBootstrapTest, ServesOnceTheControlPlaneAddsAnAccountAndKeepsIt) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const grpc::Status created = CreateAccount();
  ASSERT_TRUE(created.ok()) << created.error_message();

  EXPECT_THAT(Message(runtime_->proxy_port()), StartsWith("HTTP/1.1 200 "));
  EXPECT_THAT(Get(runtime_->admin_port(), "/readyz"), StartsWith("HTTP/1.1 200 "));

  // Written to the state directory's overlay, never to the read-only config file.
  EXPECT_EQ(ReadFile(config_path_), config_before_);
  const std::filesystem::path overlay = state_dir_ / "maxpool.overlay.json";
  ASSERT_TRUE(std::filesystem::exists(overlay));
  EXPECT_THAT(ReadFile(overlay), HasSubstr(R"("first")"));

  runtime_->Stop();
  runtime_.reset();
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_EQ(runtime_->pool().Snapshot().size(), 1u);
  EXPECT_EQ(runtime_->pool().Snapshot()[0].settings.name, "first");
  EXPECT_THAT(Message(runtime_->proxy_port()), StartsWith("HTTP/1.1 200 "));
  EXPECT_EQ(ReadFile(config_path_), config_before_);
}

}  // namespace
}  // namespace maxpool
