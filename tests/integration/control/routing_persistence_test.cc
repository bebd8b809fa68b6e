// A routing policy changed over the control plane survives a restart: UpdateRoutingPolicy goes
// through the control plane's one write path (config file first, then the pool), and a server
// started again on the same file routes by the policy it last set (README "Routing"; the config
// keys routing.mode, routing.preferredAccount, switchThreshold, scheduler.weekly*Threshold).

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "maxpool/v1/routing.grpc.pb.h"
#include "server/server_runtime.h"
#include "support/temp_dir.h"
#include "support/test_runtime.h"

namespace maxpool {
namespace {

constexpr char kToken[] = "routing-persistence-token-0123456789";

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

std::unique_ptr<v1::RoutingService::Stub> RoutingOf(const server::ServerRuntime& runtime) {
  return v1::RoutingService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", runtime.control_port()), grpc::InsecureChannelCredentials()));
}

TEST(RoutingPersistence, APolicyChangeSurvivesARestart) {
  testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "maxpool.json";
  std::ofstream(path)
      << R"({"upstream": "http://127.0.0.1:9", "control": {"token": ")" << kToken
      << R"("}, "accounts": [)"
      << R"({"name": "k0", "type": "apikey", "apiKey": "sk-ant-api03-persist-0-0123456789abcdefghij"},)"
      << R"({"name": "k1", "type": "apikey", "apiKey": "sk-ant-api03-persist-1-0123456789abcdefghij"}]})";
  {
    auto runtime = server::ServerRuntime::Start(testing::TestRuntimeOptions(path));
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    auto routing = RoutingOf(**runtime);
    v1::UpdateRoutingPolicyRequest request;
    request.mutable_policy()->set_preferred_account("accounts/k1");
    request.mutable_policy()->set_switch_threshold(0.6);
    request.mutable_policy()->set_weekly_critical_threshold(0.99);
    request.mutable_update_mask()->add_paths("preferred_account");
    request.mutable_update_mask()->add_paths("switch_threshold");
    request.mutable_update_mask()->add_paths("weekly_critical_threshold");
    v1::RoutingPolicy changed;
    const grpc::Status status = routing->UpdateRoutingPolicy(Ctx().get(), request, &changed);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(changed.mode(), v1::ROUTING_MODE_PREFERRED);
    (*runtime)->Stop();
  }
  auto restarted = server::ServerRuntime::Start(testing::TestRuntimeOptions(path));
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  auto routing = RoutingOf(**restarted);
  v1::RoutingPolicy policy;
  const grpc::Status status =
      routing->GetRoutingPolicy(Ctx().get(), v1::GetRoutingPolicyRequest(), &policy);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(policy.mode(), v1::ROUTING_MODE_PREFERRED);
  EXPECT_EQ(policy.preferred_account(), "accounts/k1");
  EXPECT_DOUBLE_EQ(policy.switch_threshold(), 0.6);
  EXPECT_DOUBLE_EQ(policy.weekly_critical_threshold(), 0.99);
  (*restarted)->Stop();
}

TEST(RoutingPersistence, BackToAutomaticSurvivesARestart) {
  testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "maxpool.json";
  std::ofstream(path)
      << R"({"upstream": "http://127.0.0.1:9", "control": {"token": ")" << kToken
      << R"("}, "routing": {"mode": "preferred", "preferredAccount": "k0"},)"
      << R"( "accounts": [)"
      << R"({"name": "k0", "type": "apikey", "apiKey": "sk-ant-api03-persist-0-0123456789abcdefghij"}]})";
  {
    auto runtime = server::ServerRuntime::Start(testing::TestRuntimeOptions(path));
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    auto routing = RoutingOf(**runtime);
    v1::UpdateRoutingPolicyRequest request;
    request.mutable_policy()->set_mode(v1::ROUTING_MODE_AUTOMATIC);
    request.mutable_update_mask()->add_paths("mode");
    v1::RoutingPolicy changed;
    const grpc::Status status = routing->UpdateRoutingPolicy(Ctx().get(), request, &changed);
    ASSERT_TRUE(status.ok()) << status.error_message();
    (*runtime)->Stop();
  }
  auto restarted = server::ServerRuntime::Start(testing::TestRuntimeOptions(path));
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  v1::RoutingPolicy policy;
  const grpc::Status status =
      RoutingOf(**restarted)->GetRoutingPolicy(Ctx().get(), v1::GetRoutingPolicyRequest(), &policy);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(policy.mode(), v1::ROUTING_MODE_AUTOMATIC);
  EXPECT_TRUE(policy.preferred_account().empty());
  (*restarted)->Stop();
}

}  // namespace
}  // namespace maxpool
