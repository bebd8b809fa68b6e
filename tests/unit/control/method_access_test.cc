// control/method_access.h over the running control plane: every method of every maxpool.v1
// service, as the descriptor pool lists them, is declared once in the table; called with no
// token it answers UNAUTHENTICATED, and called with the read-only token it answers
// PERMISSION_DENIED exactly when the table declares it a write. A new RPC without an access class,
// or a handler that does not go through ControlCalls, fails here.

#include "control/method_access.h"

#include <chrono>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "config/config_store.h"
#include "control/control_server.h"
#include "control/control_services.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "pool/pool.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace maxpool::control {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

constexpr char kToken[] = "method-access-token-0123456789";
constexpr char kReadToken[] = "method-access-read-token-0123456789";

// Hooks that change nothing: the calls here are refused before they reach them, or only read.
class InertHooks final : public ServerHooks {
 public:
  ServerStatusView Status() override { return {}; }
  DrainStarted Drain(absl::Duration, absl::Duration) override { return {}; }
  absl::Duration DefaultDrainDeadline() override { return absl::Seconds(30); }
  absl::Status ReloadConfig() override { return absl::OkStatus(); }
  void ApplyConfig(const v1::Config&) override {}
  absl::StatusOr<credentials::TokenSet> RefreshNow(const std::string&) override {
    return absl::NotFoundError("no refresher");
  }
};

// The maxpool.v1 services of MakeControlServices() on a real ControlServer with both tokens.
class ControlPlane {
 public:
  ControlPlane() : pool_(clock_, pool::PoolOptions()), auth_(kToken, kReadToken) {
    const std::filesystem::path path = dir_.path() / "maxpool.json";
    std::ofstream(path) << "{}";
    auto store = config::ConfigStore::Create(path);
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ControlEnv env;
    env.pool = &pool_;
    env.store = store_.get();
    env.hooks = &hooks_;
    env.auth = &auth_;
    std::vector<NamedService> services = MakeControlServices(env);
    for (const NamedService& service : services) names_.push_back(service.name);
    ControlServerOptions options;
    options.port = 0;
    options.token_configured = true;
    auto server = ControlServer::Start(options, std::move(services));
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = std::make_unique<grpc::GenericStub>(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }

  // The services MakeControlServices() serves, from the descriptor pool.
  std::vector<const ServiceDescriptor*> Services() const {
    std::vector<const ServiceDescriptor*> out;
    for (const std::string& name : names_) {
      const ServiceDescriptor* service = DescriptorPool::generated_pool()->FindServiceByName(name);
      EXPECT_NE(service, nullptr) << name;
      if (service != nullptr) out.push_back(service);
    }
    return out;
  }

  // Calls `method` with an empty request (valid for every message type) and `token` ("" =
  // none); a streaming method is cut at the deadline.
  grpc::Status Call(const MethodDescriptor& method, const std::string& token) {
    grpc::ClientContext context;
    if (!token.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    const std::string path = absl::StrCat("/", method.service()->full_name(), "/", method.name());
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    grpc::Slice empty("");
    request = grpc::ByteBuffer(&empty, 1);
    grpc::Status status;
    absl::Notification done;
    stub_->UnaryCall(&context, path, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
      status = std::move(s);
      done.Notify();
    });
    done.WaitForNotification();
    return status;
  }

 private:
  testing::TempDir dir_;
  testing::FakeClock clock_;
  pool::Pool pool_;
  ControlAuth auth_;
  InertHooks hooks_;
  std::unique_ptr<config::ConfigStore> store_;
  std::vector<std::string> names_;
  std::unique_ptr<ControlServer> server_;
  std::unique_ptr<grpc::GenericStub> stub_;
};

TEST(MethodAccess, EveryServedMethodIsDeclaredOnce) {
  ControlPlane plane;
  std::set<std::string> served;
  for (const ServiceDescriptor* service : plane.Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string name = service->method(i)->full_name();
      served.insert(name);
      EXPECT_TRUE(AccessOf(name).has_value())
          << name << " has no access class: declare it in control/method_access.cc";
    }
  }
  std::set<std::string> declared;
  for (const MethodAccess& entry : MethodAccessTable()) {
    EXPECT_TRUE(declared.insert(std::string(entry.method)).second)
        << entry.method << " is declared twice";
    EXPECT_EQ(served.count(std::string(entry.method)), 1u)
        << entry.method << " is declared but no service serves it";
  }
  EXPECT_FALSE(served.empty());
}

TEST(MethodAccess, EveryMethodRefusesACallWithoutAToken) {
  ControlPlane plane;
  for (const ServiceDescriptor* service : plane.Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor& method = *service->method(i);
      const grpc::Status status = plane.Call(method, "");
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << method.full_name() << ": " << status.error_message();
    }
  }
}

TEST(MethodAccess, TheReadOnlyTokenCallsExactlyTheReads) {
  ControlPlane plane;
  for (const ServiceDescriptor* service : plane.Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor& method = *service->method(i);
      const std::optional<Access> access = AccessOf(method.full_name());
      ASSERT_TRUE(access.has_value()) << method.full_name();
      const grpc::Status status = plane.Call(method, kReadToken);
      if (*access == Access::kWrite) {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << method.full_name() << ": " << status.error_message();
      } else {
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << method.full_name() << ": " << status.error_message();
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
            << method.full_name() << ": " << status.error_message();
      }
    }
  }
}

TEST(MethodAccess, AMethodOutsideTheTableHasNoAccessClass) {
  EXPECT_FALSE(AccessOf("maxpool.v1.AccountService.Unknown").has_value());
  EXPECT_EQ(AccessOf("maxpool.v1.AccountService.ListAccounts"), Access::kRead);
  EXPECT_EQ(AccessOf("maxpool.v1.RoutingService.UpdateRoutingPolicy"), Access::kWrite);
}

}  // namespace
}  // namespace maxpool::control
