// `-o json` and `-o yaml`: the JSON tree, its parser and writers, the proto3 JSON mapping of a
// response with the proto's field order and every primitive field, and YAML that a YAML 1.1
// parser (PyYAML) reads back as exactly the JSON's values.

#include "app/output_format.h"

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "boost/json/parse.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "maxpool/v1/accounts.pb.h"
#include "maxpool/v1/lifecycle.pb.h"
#include "support/temp_dir.h"

namespace maxpool::app {
namespace {

using ::maxpool::testing::ReadFile;
using ::maxpool::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Keys(const JsonNode& node) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : node.members) keys.push_back(key);
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

TEST(JsonTreeTest, KeepsKeyOrderAndNumberText) {
  const absl::StatusOr<JsonNode> node =
      ParseJson(R"( {"z": 1, "a": [0.30000000000000004, -0, 1e+20, 2E-3], "m": {}} )");
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_THAT(Keys(*node), ElementsAre("z", "a", "m"));
  EXPECT_EQ(WriteJson(*node),
            "{\n"
            "  \"z\": 1,\n"
            "  \"a\": [\n"
            "    0.30000000000000004,\n"
            "    -0,\n"
            "    1e+20,\n"
            "    2E-3\n"
            "  ],\n"
            "  \"m\": {}\n"
            "}\n");
}

TEST(JsonTreeTest, StringsRoundTripThroughEscapes) {
  const absl::StatusOr<JsonNode> node =
      ParseJson(R"(["tab\there", "quote\" back\\slash", "\u00e9\ud83d\ude00", "\u0001", "a\/b"])");
  ASSERT_TRUE(node.ok()) << node.status();
  ASSERT_EQ(node->items.size(), 5u);
  EXPECT_EQ(node->items[2].scalar, "\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(node->items[4].scalar, "a/b");
  const std::string written = WriteJson(*node);
  EXPECT_THAT(written, HasSubstr(R"("tab\there")"));
  EXPECT_THAT(written, HasSubstr(R"("quote\" back\\slash")"));
  EXPECT_THAT(written, HasSubstr(R"("\u0001")"));
  // Another parser reads what we write.
  const boost::json::value parsed = boost::json::parse(written);
  EXPECT_EQ(parsed.as_array()[1].as_string(), "quote\" back\\slash");
  EXPECT_EQ(parsed.as_array()[2].as_string(), "\xC3\xA9\xF0\x9F\x98\x80");
}

TEST(JsonTreeTest, RefusesMalformedDocuments) {
  for (const char* text : {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "\"\\ud800\"",
                           "[1] 2", "tru", "\"a\nb\""}) {
    EXPECT_FALSE(ParseJson(text).ok()) << text;
  }
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  EXPECT_FALSE(ParseJson(deep).ok());
}

// The proto3 JSON mapping: lowerCamelCase names, enums by name, every primitive field (defaults
// too), unset messages and unset `optional` fields absent, keys in field order.
TEST(MessageToJsonNodeTest, ProtoJsonNamesDefaultsAndFieldOrder) {
  v1::GetStatusResponse status;
  status.set_version("1.2.3");
  status.mutable_uptime()->set_seconds(75);
  v1::Listener* listener = status.add_listeners();
  listener->set_kind(v1::LISTENER_KIND_CONTROL_PLANE);
  listener->set_address("127.0.0.1:3457");
  const absl::StatusOr<JsonNode> node = MessageToJsonNode(status);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_THAT(Keys(*node), ElementsAre("version", "uptime", "listeners", "draining", "inFlight",
                                       "held", "accounts", "configPath"));
  EXPECT_EQ(WriteJson(*node),
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

TEST(MessageToJsonNodeTest, OptionalFieldsOnlyWhenSet) {
  v1::ListAccountsResponse response;
  v1::Account* account = response.add_accounts();
  account->set_name("accounts/alice");
  account->set_enabled(false);
  account->mutable_credential()->set_kind(v1::CREDENTIAL_KIND_API_KEY);
  absl::StatusOr<JsonNode> node = MessageToJsonNode(response);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_THAT(Keys(*node), ElementsAre("accounts", "nextPageToken", "totalSize"));
  const JsonNode& alice = node->Find("accounts")->items[0];
  EXPECT_THAT(Keys(alice),
              ElementsAre("name", "displayName", "type", "provider", "enabled", "priority",
                          "profiles", "upstream", "state", "credential", "email", "organization",
                          "accountUuid", "inFlight", "stateReason"));
  EXPECT_EQ(alice.Find("enabled")->scalar, "false");
  EXPECT_EQ(alice.Find("usageCap"), nullptr);  // optional, unset: no cap
  EXPECT_EQ(alice.Find("stateUntil"), nullptr);
  EXPECT_EQ(alice.Find("credential")->Find("kind")->scalar, "CREDENTIAL_KIND_API_KEY");

  account->set_usage_cap(0.8);
  node = MessageToJsonNode(response);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->Find("accounts")->items[0].Find("usageCap")->scalar, "0.8");
}

TEST(YamlTest, BlockStyle) {
  const absl::StatusOr<JsonNode> node = ParseJson(
      R"({"name": "accounts/alice", "enabled": true, "cap": 1e+20, "none": null,
          "profiles": ["claude", "all"], "empty": [], "obj": {},
          "listeners": [{"kind": "LISTENER_KIND_ADMIN", "tls": false}, [1, [2]]],
          "nested": {"a": {"b": "yes"}}})");
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(WriteYaml(*node),
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
  EXPECT_EQ(WriteYaml(JsonNode::Object()), "{}\n");
  EXPECT_EQ(WriteYaml(JsonNode::String("x y")), "\"x y\"\n");
}

// Strings that YAML would read as something else are quoted; PyYAML (YAML 1.1, the strictest
// reader about booleans and numbers) reads the document back as exactly the JSON's values.
TEST(YamlTest, PyYamlReadsTheSameValuesAsTheJson) {
  if (std::system("python3 -c 'import yaml, json' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 with PyYAML (Debian package python3-yaml) is not installed";
  }
  const absl::StatusOr<JsonNode> node = ParseJson(R"({
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
  ASSERT_TRUE(node.ok()) << node.status();
  TempDir dir;
  const auto json = dir.Write("doc.json", WriteJson(*node));
  const auto yaml = dir.Write("doc.yaml", WriteYaml(*node));
  const std::string command = absl::StrCat(
      "python3 -c 'import json, sys, yaml\n"
      "j = json.load(open(sys.argv[1], encoding=\"utf-8\"))\n"
      "y = yaml.safe_load(open(sys.argv[2], encoding=\"utf-8\"))\n"
      "sys.exit(0 if j == y and json.dumps(j) == json.dumps(y) else 1)' ",
      json.string(), " ", yaml.string());
  EXPECT_EQ(std::system(command.c_str()), 0) << ReadFile(yaml);
}

}  // namespace
}  // namespace maxpool::app
