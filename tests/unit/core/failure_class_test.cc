#include "core/failure_class.h"

#include <gtest/gtest.h>

#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace maxpool::core {
namespace {

const std::vector<std::pair<FailureClass, std::string_view>>& AllClasses() {
  static const auto* all = new std::vector<std::pair<FailureClass, std::string_view>>{
      {FailureClass::kNone, "none"},
      {FailureClass::kQuotaRejected, "quota_rejected"},
      {FailureClass::kModelRejected, "model_rejected"},
      {FailureClass::kRateLimited, "rate_limited"},
      {FailureClass::kRequestRefused, "request_refused"},
      {FailureClass::kOverloaded, "overloaded"},
      {FailureClass::kUpstream5xx, "upstream_5xx"},
      {FailureClass::kAuthExpired, "auth_expired"},
      {FailureClass::kAuthDead, "auth_dead"},
      {FailureClass::kBanned, "banned"},
      {FailureClass::kForbidden, "forbidden"},
      {FailureClass::kNetwork, "network"},
      {FailureClass::kClientError, "client_error"},
      {FailureClass::kLocalOverload, "local_overload"},
  };
  return *all;
}

// The failure taxonomy of docs/architecture.md: one snake_case label per class, used by metrics
// and bodies.
TEST(FailureClassTest, EveryClassHasItsSnakeCaseLabel) {
  std::set<std::string_view> seen;
  for (const auto& [failure, name] : AllClasses()) {
    EXPECT_EQ(FailureClassName(failure), name);
    EXPECT_TRUE(seen.insert(FailureClassName(failure)).second) << name;
  }
}

TEST(FailureClassTest, OnlyNoneClientErrorAndLocalOverloadAreNotRetryable) {
  for (const auto& [failure, name] : AllClasses()) {
    const bool expected = failure != FailureClass::kNone && failure != FailureClass::kClientError &&
                          failure != FailureClass::kLocalOverload;
    EXPECT_EQ(IsRetryable(failure), expected) << name;
  }
}

}  // namespace
}  // namespace maxpool::core
