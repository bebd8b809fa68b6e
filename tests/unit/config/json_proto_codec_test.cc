#include "config/json_proto_codec.h"

#include <string>
#include <vector>

#include "boost/json/parse.hpp"
#include "boost/json/serialize.hpp"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "maxpool/v1/config.pb.h"
#include "support/status_matchers.h"

namespace maxpool::config {
namespace {

using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

boost::json::object Obj(std::string_view text) { return boost::json::parse(text).as_object(); }

absl::Status Decode(std::string_view text, v1::Config& config,
                    std::vector<std::string>* unknown = nullptr) {
  return DecodeJson(boost::json::parse(text), config, unknown);
}

TEST(DecodeJson, ReadsCamelCaseKeysIntoNestedMessages) {
  v1::Config config;
  ASSERT_THAT(Decode(R"({"proxy": {"port": 4000, "apiKey": "k"}, "switchThreshold": 0.8,
                         "scheduler": {"cooldownMs": 1234, "weeklyAwareScoring": false},
                         "_generation": 3})",
                     config),
              IsOk());
  EXPECT_EQ(config.proxy().port(), 4000);
  EXPECT_EQ(config.proxy().api_key(), "k");
  EXPECT_DOUBLE_EQ(config.switch_threshold(), 0.8);
  EXPECT_EQ(config.scheduler().cooldown_ms(), 1234);
  EXPECT_EQ(config.generation(), 3);
}

// A present key, even 0 or false, is known to be present (spec §0.3).
TEST(DecodeJson, PresentZeroAndFalseArePresent) {
  v1::Config config;
  ASSERT_THAT(Decode(R"({"quotaProbeSeconds": 0, "preventSleep": false})", config), IsOk());
  EXPECT_TRUE(config.has_quota_probe_seconds());
  EXPECT_TRUE(config.has_prevent_sleep());
  EXPECT_FALSE(config.prevent_sleep());
  EXPECT_FALSE(config.has_update_check());
}

TEST(DecodeJson, NullReadsAsAbsent) {
  v1::Config config;
  ASSERT_THAT(Decode(R"({"routing": {"preferredAccount": null}, "queue": null})", config), IsOk());
  EXPECT_TRUE(config.has_routing());
  EXPECT_FALSE(config.routing().has_preferred_account());
  EXPECT_FALSE(config.has_queue());
}

TEST(DecodeJson, WrongTypeNamesTheKeyPathWithIndex) {
  v1::Config config;
  EXPECT_THAT(Decode(R"({"accounts": [{}, {}, {"capUtilization": "high"}]})", config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "accounts[2].capUtilization: expected a number, got a string"));
  EXPECT_THAT(
      Decode(R"({"proxy": []})", config),
      StatusIs(absl::StatusCode::kInvalidArgument, "proxy: expected an object, got an array"));
  EXPECT_THAT(Decode(R"({"preventSleep": "yes"})", config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "preventSleep: expected true or false, got a string"));
  EXPECT_THAT(
      Decode(R"({"accounts": {}})", config),
      StatusIs(absl::StatusCode::kInvalidArgument, "accounts: expected an array, got an object"));
  EXPECT_THAT(Decode("[]", config),
              StatusIs(absl::StatusCode::kInvalidArgument, "expected an object, got an array"));
}

TEST(DecodeJson, IntegerFieldsTakeIntegralNumbersOnly) {
  v1::Config config;
  ASSERT_THAT(Decode(R"({"queue": {"pollMs": 250.0}})", config), IsOk());
  EXPECT_EQ(config.queue().poll_ms(), 250);
  EXPECT_THAT(Decode(R"({"queue": {"pollMs": 250.5}})", config),
              StatusIs(absl::StatusCode::kInvalidArgument, "queue.pollMs: must be an integer"));
  EXPECT_THAT(Decode(R"({"proxy": {"port": 4294967296}})", config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "proxy.port: must be between -2147483648 and 2147483647"));
  EXPECT_THAT(Decode(R"({"queue": {"maxQueuedBytes": 1e300}})", config),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("queue.maxQueuedBytes")));
}

TEST(DecodeJson, DoubleFieldsTakeIntegers) {
  v1::Config config;
  ASSERT_THAT(Decode(R"({"switchThreshold": 1})", config), IsOk());
  EXPECT_DOUBLE_EQ(config.switch_threshold(), 1.0);
}

TEST(DecodeJson, NullArrayElementIsAnError) {
  v1::Config config;
  EXPECT_THAT(Decode(R"({"accounts": [{"profiles": ["all", null]}]})", config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "accounts[0].profiles[1]: expected a value, got null"));
}

TEST(DecodeJson, MapsReadObjectKeys) {
  v1::Config config;
  ASSERT_THAT(Decode(R"({"scheduler": {"providers": {
                         "zai": {"peakCap": 0.3, "peakWindows": [{"days": [1, 2], "startMin": 60}]},
                         "my.vendor": {"peakDepreference": false}}}})",
                     config),
              IsOk());
  const auto& providers = config.scheduler().providers();
  ASSERT_EQ(providers.size(), 2u);
  EXPECT_DOUBLE_EQ(providers.at("zai").peak_cap(), 0.3);
  EXPECT_THAT(providers.at("zai").peak_windows(0).days(), ElementsAre(1, 2));
  EXPECT_FALSE(providers.at("my.vendor").peak_depreference());
  EXPECT_THAT(Decode(R"({"scheduler": {"providers": {"my.vendor": {"peakCap": "x"}}}})", config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "scheduler.providers[\"my.vendor\"].peakCap: expected a number, got a "
                       "string"));
}

TEST(DecodeJson, UnknownKeysAreCollectedWithTheirKeyPaths) {
  v1::Config config;
  std::vector<std::string> unknown;
  ASSERT_THAT(Decode(R"({"future": 1, "proxy": {"tls": true},
                         "accounts": [{"name": "a"}, {"name": "b", "plan": "max"}],
                         "scheduler": {"providers": {"zai": {"color": "red"}}},
                         "api_key": "snake case is not a key"})",
                     config, &unknown),
              IsOk());
  EXPECT_THAT(unknown, UnorderedElementsAre("future", "proxy.tls", "accounts[1].plan",
                                            "scheduler.providers.zai.color", "api_key"));
}

// No value ever appears in an error: a credential in the wrong place must not leak.
TEST(DecodeJson, ErrorsNeverQuoteTheValue) {
  v1::Config config;
  for (std::string_view text : {R"({"proxy": {"port": "sk-ant-oat01-SECRET"}})",
                                R"({"accounts": [{"expiresAt": "sk-ant-oat01-SECRET"}]})",
                                R"({"accounts": [{"enabled": "sk-ant-oat01-SECRET"}]})",
                                R"({"accounts": [{"profiles": "sk-ant-oat01-SECRET"}]})"}) {
    absl::Status status = Decode(text, config);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr("SECRET"))) << text;
  }
}

TEST(EncodeJson, WritesPresentFieldsInFieldOrder) {
  v1::Config config;
  config.set_switch_threshold(0.5);
  config.mutable_proxy()->set_host("::1");
  config.set_upstream("https://u");
  config.set_prevent_sleep(false);
  EXPECT_EQ(boost::json::serialize(EncodeJson(config)),
            R"({"proxy":{"host":"::1"},"upstream":"https://u","preventSleep":false,)"
            R"("switchThreshold":5E-1})");
}

TEST(EncodeJson, MergesUnknownKeysBackAtEveryDepth) {
  const boost::json::object original = Obj(R"({
      "top": {"keep": [1, 2]}, "proxy": {"port": 1, "extra": "p"},
      "accounts": [{"name": "a", "x": 1}, {"name": "b", "y": 2}],
      "scheduler": {"providers": {"zai": {"peakCap": 0.5, "z": 3,
                                          "peakWindows": [{"startMin": 1, "w": 4}]}}}})");
  v1::Config config;
  ASSERT_THAT(DecodeJson(original, config, nullptr), IsOk());
  const boost::json::object out = EncodeJson(config, &original);
  EXPECT_EQ(out.at("top"), original.at("top"));
  EXPECT_EQ(out.at("proxy").at("extra"), "p");
  EXPECT_EQ(out.at("accounts").at(0).at("x"), 1);
  EXPECT_EQ(out.at("accounts").at(1).at("y"), 2);
  EXPECT_EQ(out.at("scheduler").at("providers").at("zai").at("z"), 3);
  EXPECT_EQ(out.at("scheduler").at("providers").at("zai").at("peakWindows").at(0).at("w"), 4);
}

// A removed account must not hand its unknown keys to its successor (spec §14 item 10).
TEST(EncodeJson, MatchesAccountsByNameNotIndex) {
  const boost::json::object original =
      Obj(R"({"accounts": [{"name": "a", "onlyA": 1}, {"name": "b", "onlyB": 2}]})");
  v1::Config config;
  ASSERT_THAT(DecodeJson(original, config, nullptr), IsOk());
  config.mutable_accounts()->DeleteSubrange(0, 1);
  v1::AccountConfig* added = config.add_accounts();
  added->set_name("c");
  const boost::json::object out = EncodeJson(config, &original);
  ASSERT_EQ(out.at("accounts").as_array().size(), 2u);
  EXPECT_EQ(out.at("accounts").at(0), Obj(R"({"name": "b", "onlyB": 2})"));
  EXPECT_EQ(out.at("accounts").at(1), Obj(R"({"name": "c"})"));
}

TEST(EncodeJson, KeepsExplicitNullAndEmptyContainers) {
  const boost::json::object original = Obj(R"({"routing": {"preferredAccount": null},
      "accounts": [], "scheduler": {"providers": {}, "cooldownMs": null}})");
  v1::Config config;
  ASSERT_THAT(DecodeJson(original, config, nullptr), IsOk());
  EXPECT_EQ(EncodeJson(config, &original), original);
}

TEST(EncodeJson, DropsAKnownKeyThatWasCleared) {
  const boost::json::object original = Obj(R"({"upstream": "https://x", "logDir": "/l"})");
  v1::Config config;
  ASSERT_THAT(DecodeJson(original, config, nullptr), IsOk());
  config.clear_log_dir();
  EXPECT_EQ(EncodeJson(config, &original), Obj(R"({"upstream": "https://x"})"));
}

TEST(EncodeJson, RoundTripIsLossless) {
  const boost::json::object original = Obj(R"({
      "proxy": {"port": 3456, "host": "127.0.0.1", "apiKey": "k"}, "quotaProbeSeconds": 0,
      "accounts": [{"name": "a", "type": "oauth", "expiresAt": 1767225600000,
                    "profiles": ["claude"], "modelMap": {"default": "m"}, "priority": -1.5}],
      "scheduler": {"providers": {"kimi": {"peakWindows": []}}}, "_generation": 9})");
  v1::Config first;
  ASSERT_THAT(DecodeJson(original, first, nullptr), IsOk());
  const boost::json::object encoded = EncodeJson(first, &original);
  EXPECT_EQ(encoded, original);
  v1::Config second;
  ASSERT_THAT(DecodeJson(encoded, second, nullptr), IsOk());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(first, second));
}

TEST(AppendKeyPath, QuotesKeysThatAreNotIdentifiers) {
  EXPECT_EQ(AppendKeyPath("", "a"), "a");
  EXPECT_EQ(AppendKeyPath("a", "b-c"), "a.b-c");
  EXPECT_EQ(AppendKeyPath("a", "b.c"), "a[\"b.c\"]");
  EXPECT_EQ(AppendKeyPath("a", ""), "a[\"\"]");
}

}  // namespace
}  // namespace maxpool::config
