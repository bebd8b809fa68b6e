#include "control/watch_limit.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace maxpool::control {
namespace {

TEST(WatchLimit, RefusesBeyondTheCapUntilASlotIsFreed) {
  WatchLimit limit(2);
  std::optional<WatchLimit::Slot> first = limit.TryAcquire();
  std::optional<WatchLimit::Slot> second = limit.TryAcquire();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(limit.open(), 2);
  EXPECT_FALSE(limit.TryAcquire().has_value());
  first.reset();
  EXPECT_EQ(limit.open(), 1);
  std::optional<WatchLimit::Slot> third = limit.TryAcquire();
  EXPECT_TRUE(third.has_value());
  // A moved slot is released once, by its new owner.
  std::vector<WatchLimit::Slot> owners;
  owners.push_back(*std::move(third));
  third.reset();
  EXPECT_EQ(limit.open(), 2);
  owners.clear();
  EXPECT_EQ(limit.open(), 1);
}

TEST(WatchLimit, ExhaustedNamesTheLimitAndTheKey) {
  const grpc::Status status = WatchLimit(7).Exhausted();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find(" 7 "), std::string::npos) << status.error_message();
  EXPECT_NE(status.error_message().find("control.maxWatchStreams"), std::string::npos);
}

}  // namespace
}  // namespace maxpool::control
