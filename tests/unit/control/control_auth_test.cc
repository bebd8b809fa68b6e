#include "control/control_auth.h"

#include <memory>

#include "grpcpp/create_channel.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "maxpool/v1/lifecycle.grpc.pb.h"

namespace maxpool::control {
namespace {

// A real gRPC server whose two methods check read and write access, so that the metadata goes
// over the wire as clients send it.
class Probe final : public v1::LifecycleService::Service {
 public:
  explicit Probe(const ControlAuth& auth) : auth_(auth) {}
  grpc::Status GetStatus(grpc::ServerContext* context, const v1::GetStatusRequest*,
                         v1::GetStatusResponse*) override {
    return auth_.Check(*context, Access::kRead);
  }
  grpc::Status Drain(grpc::ServerContext* context, const v1::DrainRequest*,
                     v1::DrainResponse*) override {
    return auth_.Check(*context, Access::kWrite);
  }

 private:
  const ControlAuth& auth_;
};

class ControlAuthTest : public ::testing::Test {
 protected:
  void Start(const ControlAuth& auth) {
    probe_ = std::make_unique<Probe>(auth);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(probe_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = v1::LifecycleService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                              grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }
  grpc::Status Call(bool write, const std::string& authorization) {
    grpc::ClientContext context;
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    if (write) {
      v1::DrainResponse response;
      return stub_->Drain(&context, {}, &response);
    }
    v1::GetStatusResponse response;
    return stub_->GetStatus(&context, {}, &response);
  }

  std::unique_ptr<Probe> probe_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::LifecycleService::Stub> stub_;
};

TEST_F(ControlAuthTest, WithoutTokensEveryCallPasses) {
  ControlAuth auth("", "");
  Start(auth);
  EXPECT_TRUE(Call(true, "").ok());
  EXPECT_TRUE(Call(false, "").ok());
}

TEST_F(ControlAuthTest, TheTokenAllowsEverythingTheReadOnlyTokenOnlyReads) {
  ControlAuth auth("full-secret-1", "read-secret-2");
  Start(auth);
  EXPECT_TRUE(Call(true, "Bearer full-secret-1").ok());
  EXPECT_TRUE(Call(false, "Bearer full-secret-1").ok());
  EXPECT_TRUE(Call(false, "Bearer read-secret-2").ok());
  const grpc::Status denied = Call(true, "Bearer read-secret-2");
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(denied.error_message().find("read-secret-2"), std::string::npos);
}

TEST_F(ControlAuthTest, MissingMalformedOrWrongTokensAreUnauthenticated) {
  ControlAuth auth("full-secret-1", "");
  Start(auth);
  for (const std::string& header :
       {std::string(), std::string("full-secret-1"), std::string("Bearer "),
        std::string("Bearer full-secret-"), std::string("Bearer full-secret-12"),
        std::string("Basic full-secret-1")}) {
    const grpc::Status status = Call(false, header);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "\"" << header << "\"";
    EXPECT_EQ(status.error_message().find("full-secret"), std::string::npos);
  }
  EXPECT_NE(Call(false, "").error_message().find("authorization: Bearer"), std::string::npos);
}

}  // namespace
}  // namespace maxpool::control
