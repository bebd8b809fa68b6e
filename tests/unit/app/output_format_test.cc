// `-o json` and `-o yaml`: the proto3 JSON mapping of a response with the proto's field order,
// every primitive field and its exact doubles, the JSON writer's numbers, and YAML that a YAML
// 1.1 parser (PyYAML) reads back as exactly the JSON's values.

#include "app/output_format.h"

#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/json/parse.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "maxpool/v1/accounts.pb.h"
#include "maxpool/v1/lifecycle.pb.h"
#include "support/temp_dir.h"

namespace maxpool::app {
namespace {

namespace json = boost::json;
using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Keys(const json::value& value) {
  std::vector<std::string> keys;
  for (const json::key_value_pair& member : value.as_object()) keys.emplace_back(member.key());
  return keys;
}

TEST(OutputFormatTest, ParsesTheThreeFormatsAndRefusesOthers) {
  EXPECT_EQ(ParseOutputFormat("-o", "text").value(), OutputFormat::kText);
  EXPECT_EQ(ParseOutputFormat("-o", "json").value(), OutputFormat::kJson);
  EXPECT_EQ(ParseOutputFormat("--output", "yaml").value(), OutputFormat::kYaml);
  const absl::StatusOr<OutputFormat> bad = ParseOutputFormat("--output", "xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--output needs text, json or yaml; got \"xml\"");
  EXPECT_FALSE(ParseOutputFormat("-o", "JSON").ok());
}

TEST(WriteJsonTest, KeepsKeyOrderAndWritesNumbersInShortestForm) {
  json::value value =
      json::parse(R"( {"z": 1, "a": [0.30000000000000004, -0.0, 1e+20, 2E-3, 0.8, -7,
                                     18446744073709551615], "m": {}} )");
  value.at("a").as_array().emplace_back(std::numeric_limits<double>::infinity());
  EXPECT_THAT(Keys(value), ElementsAre("z", "a", "m"));
  EXPECT_EQ(WriteJson(value),
            "{\n"
            "  \"z\": 1,\n"
            "  \"a\": [\n"
            "    0.30000000000000004,\n"
            "    -0,\n"
            "    1e+20,\n"
            "    0.002,\n"
            "    0.8,\n"
            "    -7,\n"
            "    18446744073709551615,\n"
            "    null\n"
            "  ],\n"
            "  \"m\": {}\n"
            "}\n");
}

TEST(WriteJsonTest, StringsRoundTripThroughEscapes) {
  const json::value value = json::parse(
      R"(["tab\there", "quote\" back\\slash", "\u00e9\ud83d\ude00", "\u0001", "a\/b"])");
  const std::string written = WriteJson(value);
  EXPECT_THAT(written, HasSubstr(R"("tab\there")"));
  EXPECT_THAT(written, HasSubstr(R"("quote\" back\\slash")"));
  EXPECT_THAT(written, HasSubstr(R"("\u0001")"));
  EXPECT_THAT(written, HasSubstr(R"("a/b")"));
  EXPECT_EQ(json::parse(written), value);
}

// The proto3 JSON mapping: lowerCamelCase names, enums by name, every primitive field (defaults
// too), unset messages and unset `optional` fields absent, keys in field order.
TEST(MessageToJsonValueTest, ProtoJsonNamesDefaultsAndFieldOrder) {
  v1::GetStatusResponse status;
  status.set_version("1.2.3");
  status.mutable_uptime()->set_seconds(75);
  v1::Listener* listener = status.add_listeners();
  listener->set_kind(v1::LISTENER_KIND_CONTROL_PLANE);
  listener->set_address("127.0.0.1:3457");
  const absl::StatusOr<json::value> value = MessageToJsonValue(status);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_THAT(Keys(*value), ElementsAre("version", "uptime", "listeners", "draining", "inFlight",
                                        "held", "accounts", "configPath"));
  EXPECT_EQ(WriteJson(*value),
            "{\n"
            "  \"version\": \"1.2.3\",\n"
            "  \"uptime\": \"75s\",\n"
            "  \"listeners\": [\n"
            "    {\n"
            "      \"kind\": \"LISTENER_KIND_CONTROL_PLANE\",\n"
            "      \"address\": \"127.0.0.1:3457\",\n"
            "      \"tls\": false\n"
            "    }\n"
            "  ],\n"
            "  \"draining\": false,\n"
            "  \"inFlight\": 0,\n"
            "  \"held\": 0,\n"
            "  \"accounts\": 0,\n"
            "  \"configPath\": \"\"\n"
            "}\n");
}

TEST(MessageToJsonValueTest, OptionalFieldsOnlyWhenSet) {
  v1::ListAccountsResponse response;
  v1::Account* account = response.add_accounts();
  account->set_name("accounts/alice");
  account->set_enabled(false);
  account->mutable_credential()->set_kind(v1::CREDENTIAL_KIND_API_KEY);
  absl::StatusOr<json::value> value = MessageToJsonValue(response);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_THAT(Keys(*value), ElementsAre("accounts", "nextPageToken", "totalSize"));
  const json::object& alice = value->at("accounts").at(0).as_object();
  EXPECT_THAT(Keys(alice),
              ElementsAre("name", "displayName", "type", "provider", "enabled", "priority",
                          "profiles", "upstream", "state", "credential", "email", "organization",
                          "accountUuid", "inFlight", "stateReason"));
  EXPECT_EQ(alice.at("enabled"), false);
  EXPECT_FALSE(alice.contains("usageCap"));  // optional, unset: no cap
  EXPECT_FALSE(alice.contains("stateUntil"));
  EXPECT_EQ(alice.at("credential").at("kind"), "CREDENTIAL_KIND_API_KEY");

  account->set_usage_cap(0.8);
  value = MessageToJsonValue(response);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(WriteJson(value->at("accounts").at(0).at("usageCap")), "0.8\n");
}

// Protobuf prints 2/13 as 0.15384615384615385, which Boost 1.81 reads as 0.15384615384615383.
TEST(MessageToJsonValueTest, DoublesAreTheMessagesOwn) {
  v1::ListAccountsResponse response;
  v1::Account* account = response.add_accounts();
  account->set_usage_cap(2.0 / 13);
  account->set_priority(-0.0);
  const absl::StatusOr<json::value> value = MessageToJsonValue(response);
  ASSERT_TRUE(value.ok()) << value.status();
  const json::value& written = value->at("accounts").at(0);
  EXPECT_EQ(written.at("usageCap"), 2.0 / 13);
  EXPECT_EQ(WriteJson(written.at("usageCap")), "0.15384615384615385\n");
  EXPECT_EQ(WriteJson(written.at("priority")), "-0\n");
}

TEST(YamlTest, BlockStyle) {
  const json::value value = json::parse(
      R"({"name": "accounts/alice", "enabled": true, "cap": 1e+20, "none": null,
          "profiles": ["claude", "all"], "empty": [], "obj": {},
          "listeners": [{"kind": "LISTENER_KIND_ADMIN", "tls": false}, [1, [2]]],
          "nested": {"a": {"b": "yes"}}})");
  EXPECT_EQ(WriteYaml(value),
            "name: accounts/alice\n"
            "enabled: true\n"
            "cap: 1.0e+20\n"
            "none: null\n"
            "profiles:\n"
            "  - claude\n"
            "  - all\n"
            "empty: []\n"
            "obj: {}\n"
            "listeners:\n"
            "  - kind: LISTENER_KIND_ADMIN\n"
            "    tls: false\n"
            "  - - 1\n"
            "    - - 2\n"
            "nested:\n"
            "  a:\n"
            "    b: \"yes\"\n");
  EXPECT_EQ(WriteYaml(json::object()), "{}\n");
  EXPECT_EQ(WriteYaml("x y"), "\"x y\"\n");
}

// Strings that YAML would read as something else are quoted; PyYAML (YAML 1.1, the strictest
// reader about booleans and numbers) reads the document back as exactly the JSON's values.
TEST(YamlTest, PyYamlReadsTheSameValuesAsTheJson) {
  if (std::system("python3 -c 'import yaml, json' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 with PyYAML (Debian package python3-yaml) is not installed";
  }
  const json::value value = json::parse(R"({
    "strings": ["yes", "No", "on", "off", "y", "null", "~", "", " lead", "trail ", "a: b", "#c",
                "2024-01-01", "2026-01-01T00:00:05Z", "1e3", "0x1F", "012", ".inf", "1:20",
                "- dash", "[x]", "{x}", "!tag", "&a", "*a", "|", ">", "%", "@at", "`tick",
                "it's", "say \"hi\"", "line\nbreak", "tab\t", "\u0085\u2028\ufeff\u007f",
                "caf\u00e9", "accounts/alice", "ACCOUNT_STATE_ACTIVE", "a-b.c_d@e/f", "3457s",
                "=", "<<"],
    "numbers": [0, -1, 0.85, 1e+20, 1.5e-7, 123456789012, 0.30000000000000004],
    "bools": [true, false], "null": null, "empty": [{}, []],
    "yes": {"on": "off"}, "deep": [[{"a": [{"b": []}]}]]
  })");
  TempDir dir;
  const auto json_file = dir.Write("doc.json", WriteJson(value));
  const auto yaml_file = dir.Write("doc.yaml", WriteYaml(value));
  const std::string command = absl::StrCat(
      "python3 -c 'import json, sys, yaml\n"
      "j = json.load(open(sys.argv[1], encoding=\"utf-8\"))\n"
      "y = yaml.safe_load(open(sys.argv[2], encoding=\"utf-8\"))\n"
      "sys.exit(0 if j == y and json.dumps(j) == json.dumps(y) else 1)' ",
      json_file.string(), " ", yaml_file.string());
  EXPECT_EQ(std::system(command.c_str()), 0) << ReadFile(yaml_file);
}

}  // namespace
}  // namespace maxpool::app
