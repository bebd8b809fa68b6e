#include "control/grpc_status.h"

#include <string>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace maxpool::control {
namespace {

google::rpc::BadRequest BadRequestOf(const grpc::Status& status) {
  google::rpc::Status details;
  google::rpc::BadRequest bad;
  EXPECT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.message(), status.error_message());
  EXPECT_EQ(details.details_size(), 1);
  if (details.details_size() == 1) {
    EXPECT_TRUE(details.details(0).UnpackTo(&bad));
  }
  return bad;
}

TEST(GrpcStatus, InvalidArgumentJoinsEveryViolationWithItsField) {
  const grpc::Status status = InvalidArgument(
      {{"queue_size", "must be between 16 and 65536, got 3"}, {"kinds[0]", "not an event kind"}});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "queue_size: must be between 16 and 65536, got 3; kinds[0]: not an event kind");
  const google::rpc::BadRequest bad = BadRequestOf(status);
  ASSERT_EQ(bad.field_violations_size(), 2);
  EXPECT_EQ(bad.field_violations(1).field(), "kinds[0]");
}

// Ten thousand violations still make an answer that fits in gRPC's trailers.
TEST(GrpcStatus, InvalidArgumentListsAsManyAsFitAndCountsTheRest) {
  std::vector<FieldViolation> violations;
  for (int i = 0; i < 10000; ++i) {
    violations.push_back({"update_mask", "cannot change \"field_" + std::to_string(i) + "\""});
  }
  const grpc::Status status = InvalidArgument(violations);
  EXPECT_LE(status.error_message().size(), kMaxStatusMessageBytes);
  EXPECT_LE(status.error_details().size(), 2 * kMaxStatusMessageBytes + 512);
  const google::rpc::BadRequest bad = BadRequestOf(status);
  ASSERT_GT(bad.field_violations_size(), 5);
  const int listed = bad.field_violations_size();
  EXPECT_NE(
      status.error_message().find("; and " + std::to_string(10000 - listed) + " more not shown"),
      std::string::npos)
      << status.error_message();
  EXPECT_EQ(bad.field_violations(0).description(), "cannot change \"field_0\"");
}

TEST(GrpcStatus, InvalidArgumentCutsLongFieldsAndDescriptionsAtACharacter) {
  // "é" is two bytes: a cut never splits it.
  const std::string description = std::string(kMaxDescriptionBytes - 1, 'd') + "é" + "tail";
  const grpc::Status status = InvalidArgument(std::string(1000, 'f'), description);
  const google::rpc::BadRequest bad = BadRequestOf(status);
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), std::string(kMaxFieldBytes, 'f') + "...");
  EXPECT_EQ(bad.field_violations(0).description(),
            std::string(kMaxDescriptionBytes - 1, 'd') + "...");
  EXPECT_LE(status.error_message().size(), kMaxStatusMessageBytes);
}

}  // namespace
}  // namespace maxpool::control
