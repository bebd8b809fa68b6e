#include "server/pool_from_config.h"

#include "core/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maxpool::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

v1::Config TwoAccounts() {
  v1::Config config;
  for (const char* name : {"a", "b"}) {
    v1::AccountConfig* account = config.add_accounts();
    account->set_name(name);
    account->set_type("apikey");
    account->set_api_key(std::string("sk-ant-api03-") + name);
  }
  return config;
}

TEST(PoolFromConfigTest, APoolStartsWithTheFilesPreferredAccount) {
  v1::Config config = TwoAccounts();
  config.mutable_routing()->set_mode("preferred");
  config.mutable_routing()->set_preferred_account("b");
  core::SystemClock clock;
  std::unique_ptr<pool::Pool> pool = MakePool(clock, config);
  EXPECT_TRUE(pool->RoutingPolicy().preferred);
  EXPECT_EQ(pool->RoutingPolicy().preferred_account, "b");
}

TEST(PoolFromConfigTest, ApplyRoutingSaysWhatChangedAndOnlyOnce) {
  v1::Config config = TwoAccounts();
  core::SystemClock clock;
  std::unique_ptr<pool::Pool> pool = MakePool(clock, config);
  EXPECT_EQ(ApplyRoutingOf(config, *pool), std::nullopt);

  config.mutable_routing()->set_mode("preferred");
  config.mutable_routing()->set_preferred_account("a");
  EXPECT_THAT(ApplyRoutingOf(config, *pool),
              Optional(std::string("routing: preferred a (from the config file)")));
  EXPECT_EQ(ApplyRoutingOf(config, *pool), std::nullopt);

  config.mutable_routing()->set_mode("automatic");
  EXPECT_THAT(ApplyRoutingOf(config, *pool),
              Optional(std::string("routing: automatic (from the config file)")));
  EXPECT_FALSE(pool->RoutingPolicy().preferred);
}

TEST(PoolFromConfigTest, AnAccountThatCannotBePreferredLeavesRoutingAutomatic) {
  v1::Config config = TwoAccounts();
  config.mutable_routing()->set_mode("preferred");
  config.mutable_routing()->set_preferred_account("gone");
  core::SystemClock clock;
  std::unique_ptr<pool::Pool> pool = MakePool(clock, config);
  EXPECT_FALSE(pool->RoutingPolicy().preferred);
  const std::optional<std::string> line = ApplyRoutingOf(config, *pool);
  ASSERT_TRUE(line.has_value());
  EXPECT_THAT(*line, HasSubstr("warning: routing: cannot prefer \"gone\""));
}

}  // namespace
}  // namespace maxpool::server
