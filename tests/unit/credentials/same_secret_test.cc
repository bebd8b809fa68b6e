// credentials::SameSecret: equal secrets match, anything else does not, and an empty secret
// matches nothing.

#include "credentials/same_secret.h"

#include "gtest/gtest.h"

namespace maxpool::credentials {
namespace {

TEST(SameSecret, MatchesOnlyTheSameBytes) {
  EXPECT_TRUE(SameSecret("sk-ant-key", "sk-ant-key"));
  EXPECT_FALSE(SameSecret("sk-ant-kez", "sk-ant-key"));
  EXPECT_FALSE(SameSecret("sk-ant-ke", "sk-ant-key"));
  EXPECT_FALSE(SameSecret("sk-ant-key!", "sk-ant-key"));
  EXPECT_FALSE(SameSecret(std::string_view("sk-ant-key\0", 11), "sk-ant-key"));
}

TEST(SameSecret, AnEmptySecretMatchesNothing) {
  EXPECT_FALSE(SameSecret("", ""));
  EXPECT_FALSE(SameSecret("anything", ""));
  EXPECT_FALSE(SameSecret("", "token"));
}

}  // namespace
}  // namespace maxpool::credentials
