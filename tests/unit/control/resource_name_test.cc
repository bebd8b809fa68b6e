#include "control/resource_name.h"

#include "gtest/gtest.h"

namespace maxpool::control {
namespace {

TEST(ResourceName, RoundTripsAnId) {
  EXPECT_EQ(AccountName("work"), "accounts/work");
  absl::StatusOr<std::string> id = ParseAccountName("accounts/me+team@example.com");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "me+team@example.com");
}

TEST(ResourceName, RefusesOtherShapesSayingWhatIsExpected) {
  for (const char* name :
       {"work", "account/work", "accounts/", "accounts/a/b", "accounts/a b", "Accounts/work"}) {
    absl::StatusOr<std::string> id = ParseAccountName(name);
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument) << name;
  }
  EXPECT_NE(ParseAccountName("work").status().message().find("accounts/{account}"),
            std::string::npos);
  EXPECT_FALSE(CheckAccountId(std::string(65, 'a')).ok());
  EXPECT_TRUE(CheckAccountId(std::string(64, 'a')).ok());
}

}  // namespace
}  // namespace maxpool::control
