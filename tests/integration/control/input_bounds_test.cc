// Bounds on what the control plane accepts (issue: "no client of the control plane can bring
// the server down"), over gRPC against a real ServerRuntime: a credential longer than 16 KiB
// (an API key, an OAuth token, a provider key, a pasted login code) is refused with
// INVALID_ARGUMENT naming its field and never quoting it, before anything is stored; so are long
// names, display names, upstream URLs and import paths. An update mask with ten thousand
// invalid paths still gets INVALID_ARGUMENT (not a RESOURCE_EXHAUSTED from trailers too large
// to receive), with a message of bounded size that quotes each path only in part.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "maxpool/v1/accounts.grpc.pb.h"
#include "maxpool/v1/routing.grpc.pb.h"
#include "server/server_runtime.h"
#include "support/temp_dir.h"
#include "support/test_runtime.h"

namespace maxpool {
namespace {

using ::maxpool::testing::TempDir;

constexpr char kToken[] = "control-token-for-bounds-tests-0123456789";
constexpr char kKey[] = "sk-ant-api03-input-bounds-0123456789abcdefghij";

// The field paths of the google.rpc.BadRequest in a status's details.
std::vector<std::string> ViolatedFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return fields;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) fields.push_back(v.field());
    }
  }
  return fields;
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class InputBoundsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::filesystem::path path = dir_.Write(
        "maxpool.json",
        absl::StrCat(R"({"upstream": "http://127.0.0.1:9", "control": {"token": ")", kToken,
                     R"("}, "accounts": [{"name": "k0", "type": "apikey", "apiKey": ")", kKey,
                     R"("}]})"));
    auto runtime = server::ServerRuntime::Start(testing::TestRuntimeOptions(path));
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = std::move(*runtime);
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", runtime_->control_port()),
                                       grpc::InsecureChannelCredentials());
    accounts_ = v1::AccountService::NewStub(channel);
    routing_ = v1::RoutingService::NewStub(channel);
  }

  void TearDown() override {
    if (runtime_) runtime_->Stop();
  }

  static std::unique_ptr<grpc::ClientContext> Ctx() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return context;
  }

  grpc::Status Create(const v1::CreateAccountRequest& request) {
    v1::Account account;
    return accounts_->CreateAccount(Ctx().get(), request, &account);
  }

  // Expects INVALID_ARGUMENT on `field` saying "longer than <max> bytes", quoting none of
  // `secret`, and that no account was added.
  void ExpectTooLong(const grpc::Status& status, const std::string& field, int max,
                     const std::string& secret) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    const std::vector<std::string> fields = ViolatedFields(status);
    EXPECT_NE(std::find(fields.begin(), fields.end(), field), fields.end())
        << field << " in " << status.error_message();
    EXPECT_TRUE(Has(status.error_message(), absl::StrCat(field, ": longer than ", max, " bytes")))
        << status.error_message();
    EXPECT_FALSE(Has(status.error_message(), secret.substr(secret.size() - 32)));
    EXPECT_FALSE(Has(status.error_details(), secret.substr(secret.size() - 32)));
    EXPECT_EQ(runtime_->pool().Snapshot().size(), 1u);
  }

  TempDir dir_;
  std::unique_ptr<server::ServerRuntime> runtime_;
  std::unique_ptr<v1::AccountService::Stub> accounts_;
  std::unique_ptr<v1::RoutingService::Stub> routing_;
};

TEST_F(InputBoundsTest, ACredentialLongerThan16KiBIsRefusedWithoutQuotingIt) {
  // 70 000 bytes: past the data plane's header limits, so every request with it would fail.
  const std::string huge_key = "sk-ant-api03-" + std::string(70000, 'k') + "0123456789abcdefXYZW";
  v1::CreateAccountRequest request;
  request.set_account_id("huge");
  request.mutable_api_key()->set_api_key(huge_key);
  ExpectTooLong(Create(request), "api_key.api_key", 16384, huge_key);

  const std::string huge_token = "sk-ant-oat01-" + std::string(20000, 't') + "0123456789abcdefXYZW";
  request.mutable_oauth_tokens()->set_access_token(huge_token);
  ExpectTooLong(Create(request), "oauth_tokens.access_token", 16384, huge_token);
  request.mutable_oauth_tokens()->set_access_token("sk-ant-oat01-bounds-access-0123456789");
  const std::string huge_refresh =
      "sk-ant-ort01-" + std::string(20000, 'r') + "0123456789abcdefXYZW";
  request.mutable_oauth_tokens()->set_refresh_token(huge_refresh);
  ExpectTooLong(Create(request), "oauth_tokens.refresh_token", 16384, huge_refresh);

  const std::string huge_provider = std::string(20000, 'z') + "0123456789abcdefXYZWabcdefghijkl";
  request.mutable_provider_key()->set_provider(v1::PROVIDER_ZAI);
  request.mutable_provider_key()->set_api_key(huge_provider);
  ExpectTooLong(Create(request), "provider_key.api_key", 16384, huge_provider);

  // A key of exactly 16 KiB is a size that fits.
  request.mutable_api_key()->set_api_key("sk-ant-api03-" + std::string(16384 - 13, 'k'));
  request.set_account_id("at-the-bound");
  const grpc::Status at_bound = Create(request);
  EXPECT_TRUE(at_bound.ok()) << at_bound.error_message();
}

TEST_F(InputBoundsTest, ControlCharactersInACredentialAreRefused) {
  v1::CreateAccountRequest request;
  request.set_account_id("ctl");
  request.mutable_api_key()->set_api_key(
      "sk-ant-api03-abc\x01"
      "def0123456789abcdefghij");
  grpc::Status status = Create(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(status), std::vector<std::string>{"api_key.api_key"});
  request.mutable_oauth_tokens()->set_access_token("sk-ant-oat01-abc\ndef0123456789abcdefghij");
  status = Create(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(status), std::vector<std::string>{"oauth_tokens.access_token"});
  EXPECT_FALSE(Has(status.error_message(), "0123456789abcdefghij"));
}

TEST_F(InputBoundsTest, LongNamesUrlsAndPathsAreRefused) {
  v1::CreateAccountRequest request;
  request.mutable_api_key()->set_api_key("sk-ant-api03-bounds-0123456789abcdefghij");
  request.set_account_id(std::string(200, 'n'));
  grpc::Status status = Create(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(status), std::vector<std::string>{"account_id"});
  EXPECT_LT(status.error_message().size(), 200u);

  request.set_account_id("named");
  request.mutable_account()->set_display_name(std::string(10000, 'd'));
  status = Create(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(status), std::vector<std::string>{"account.display_name"});

  request.mutable_account()->clear_display_name();
  request.mutable_account()->set_upstream("https://example.test/" + std::string(10000, 'u'));
  status = Create(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(status), std::vector<std::string>{"account.upstream"});
  EXPECT_TRUE(Has(status.error_message(), "longer than 2048 bytes")) << status.error_message();
  EXPECT_EQ(runtime_->pool().Snapshot().size(), 1u);

  v1::GetAccountRequest get;
  get.set_name("accounts/" + std::string(100000, 'g'));
  v1::Account account;
  status = accounts_->GetAccount(Ctx().get(), get, &account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(status.error_message().size(), 200u);

  v1::ImportClaudeCodeCredentialsRequest import;
  import.set_path("/" + std::string(5000, 'p'));
  status = accounts_->ImportClaudeCodeCredentials(Ctx().get(), import, &account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(status), std::vector<std::string>{"path"});
  EXPECT_LT(status.error_message().size(), 200u);

  v1::CompleteOAuthLoginRequest complete;
  complete.set_login_id("some-login");
  complete.set_code(std::string(70000, 'c') + "#state");
  status = accounts_->CompleteOAuthLogin(Ctx().get(), complete, &account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedFields(status), std::vector<std::string>{"code"});
}

TEST_F(InputBoundsTest, TenThousandInvalidMaskPathsGetABoundedInvalidArgument) {
  v1::UpdateAccountRequest update;
  update.mutable_account()->set_name("accounts/k0");
  for (int i = 0; i < 10000; ++i) {
    update.mutable_update_mask()->add_paths(
        absl::StrCat("no_such_field_", i, "_", std::string(100, 'x'), "\n"));
  }
  v1::Account account;
  grpc::Status status = accounts_->UpdateAccount(Ctx().get(), update, &account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LE(status.error_message().size(), 1024u);
  EXPECT_LE(status.error_details().size(), 4096u);
  EXPECT_TRUE(Has(status.error_message(), "update_mask: cannot change \"no_such_field_0_xxx"))
      << status.error_message();
  EXPECT_TRUE(Has(status.error_message(), "...\"")) << "a quoted path is cut";
  EXPECT_FALSE(Has(status.error_message(), std::string(100, 'x')));
  EXPECT_FALSE(Has(status.error_message(), "\n"));
  EXPECT_TRUE(Has(status.error_message(), "more not shown")) << status.error_message();
  EXPECT_FALSE(ViolatedFields(status).empty());

  v1::UpdateRoutingPolicyRequest routing;
  for (int i = 0; i < 10000; ++i) {
    routing.mutable_update_mask()->add_paths(
        absl::StrCat("no_such_field_", i, std::string(100, 'y')));
  }
  v1::RoutingPolicy policy;
  status = routing_->UpdateRoutingPolicy(Ctx().get(), routing, &policy);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LE(status.error_message().size(), 1024u);
  EXPECT_FALSE(Has(status.error_message(), std::string(100, 'y')));
}

}  // namespace
}  // namespace maxpool
