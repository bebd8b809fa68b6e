// control::ReflectionV1Service on a real gRPC server: several questions on one stream are
// answered in order (list_services, a symbol's file with its imports, an unknown symbol), and the
// stream ends with OK when the client half-closes.

#include "control/reflection_v1.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "maxpool/v1/routing.grpc.pb.h"

namespace maxpool::control {
namespace {

namespace rv1 = grpc::reflection::v1;

TEST(ReflectionV1Service, AnswersEachQuestionOfAStreamInOrder) {
  (void)v1::RoutingPolicy::descriptor();  // links the schema that is asked about
  ReflectionV1Service service({"maxpool.v1.RoutingService", "grpc.reflection.v1.ServerReflection"});
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(port, 0);
  auto stub = rv1::ServerReflection::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->ServerReflectionInfo(&context);

  rv1::ServerReflectionRequest list;
  list.set_list_services("*");
  rv1::ServerReflectionRequest symbol;
  symbol.set_file_containing_symbol("maxpool.v1.RoutingService");
  rv1::ServerReflectionRequest unknown;
  unknown.set_file_containing_symbol("maxpool.v1.NoSuchService");
  rv1::ServerReflectionResponse response;

  ASSERT_TRUE(stream->Write(list));
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_EQ(response.list_services_response().service_size(), 2);
  EXPECT_EQ(response.list_services_response().service(0).name(), "maxpool.v1.RoutingService");

  ASSERT_TRUE(stream->Write(symbol));
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_TRUE(response.has_file_descriptor_response());
  EXPECT_GT(response.file_descriptor_response().file_descriptor_proto_size(), 1)
      << "the file and its imports";
  EXPECT_EQ(response.original_request().file_containing_symbol(), "maxpool.v1.RoutingService");

  ASSERT_TRUE(stream->Write(unknown));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.error_response().error_code(),
            static_cast<int32_t>(grpc::StatusCode::NOT_FOUND));

  ASSERT_TRUE(stream->WritesDone());
  EXPECT_FALSE(stream->Read(&response));
  const grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  server->Shutdown();
}

}  // namespace
}  // namespace maxpool::control
