#include "config/config_writer.h"

#include "boost/json/parse.hpp"
#include "config/config_defaults.h"
#include "config/config_loader.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"

namespace maxpool::config {
namespace {

using ::maxpool::testing::IsOk;
using ::testing::HasSubstr;

// Spec §0.3: a new file is the reference's first-run config, key for key.
TEST(SerializeConfig, NewFileIsTheFirstRunConfig) {
  const std::string text = SerializeConfig(DefaultConfig(), boost::json::object());
  const boost::json::object file = boost::json::parse(text).as_object();
  boost::json::object expected = FileDefaultsJson();
  expected["proxy"].as_object()["apiKey"] = file.at("proxy").at("apiKey");
  EXPECT_EQ(file, expected);
  // zai before kimi, as the reference writes them.
  EXPECT_LT(text.find("\"zai\""), text.find("\"kimi\""));
}

TEST(SerializeConfig, KeepsKeyOrderOfTheFileAndItsUnknownKeys) {
  const std::string file = R"({"upstream": "https://x", "mine": {"a": 1},
      "scheduler": {"peakDefaultsVersion": 1, "providers": {"kimi": {}, "zai": {}}}})";
  auto loaded = ParseConfig(file, "/cfg/maxpool.json");
  ASSERT_THAT(loaded, IsOk());
  const std::string text = SerializeConfig(loaded->config, loaded->raw);
  EXPECT_LT(text.find("\"kimi\""), text.find("\"zai\""));
  EXPECT_THAT(text, HasSubstr("\n  \"mine\": {\n    \"a\": 1\n  }\n}\n"));  // unknown keys last
}

TEST(SerializeConfig, LoadingTheOutputGivesTheSameConfig) {
  auto loaded = ParseConfig(R"({"accounts": [{"name": "a", "type": "oauth", "accessToken": "t",
                                  "extra": true}], "queue": {"capacityMaxWaitMs": null}})",
                            "/cfg/maxpool.json");
  ASSERT_THAT(loaded, IsOk());
  auto again = ParseConfig(SerializeConfig(loaded->config, loaded->raw), "/cfg/maxpool.json");
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(again->config, loaded->config));
  EXPECT_EQ(again->warnings, loaded->warnings);
}

}  // namespace
}  // namespace maxpool::config
