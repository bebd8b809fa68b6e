#include "control/page_token.h"

#include "gtest/gtest.h"

namespace maxpool::control {
namespace {

TEST(PageToken, RoundTripsTheKeyForItsOwnList) {
  const std::string token = EncodePageToken("accounts", "work-2");
  absl::StatusOr<std::string> after = DecodePageToken("accounts", token);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, "work-2");
  EXPECT_EQ(*DecodePageToken("accounts", ""), "");
}

TEST(PageToken, RefusesTokensOfAnotherListAndGarbage) {
  const std::string token = EncodePageToken("sessions", "abc");
  EXPECT_EQ(DecodePageToken("accounts", token).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken("accounts", "%%%").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PageToken, PageSizeDefaultsAndClamps) {
  EXPECT_EQ(*EffectivePageSize(0, 100, 1000), 100);
  EXPECT_EQ(*EffectivePageSize(5, 100, 1000), 5);
  EXPECT_EQ(*EffectivePageSize(5000, 100, 1000), 1000);
  EXPECT_FALSE(EffectivePageSize(-1, 100, 1000).ok());
}

}  // namespace
}  // namespace maxpool::control
