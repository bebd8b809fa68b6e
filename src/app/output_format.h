#pragma once

// `-o json` and `-o yaml` of the commands that print a result (`status`, `accounts`, `routing`,
// `sessions`, `config check`): the output format, a small JSON document tree that keeps its keys
// in order and its numbers as written, the proto3 JSON mapping of a response message as such a
// tree, and the writers of one JSON or YAML document. Stateless; thread-safe.
//
// The JSON of a message is what google::protobuf::util::MessageToJsonString prints (lowerCamelCase
// JSON names, enums by name, int64 as strings, Timestamp and Duration as strings) with every
// primitive field present, defaults included ("draining": false, "accounts": []), so that a script
// needs no knowledge of proto3 defaults; unset message fields and unset proto3 `optional` fields
// stay absent. Keys come in the proto's field order.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace maxpool::app {

enum class OutputFormat {
  kText,  // for people: the commands' tables (the default)
  kJson,  // one JSON document, 2-space indented
  kYaml,  // one YAML document (block style), the same tree as the JSON
};

// "text", "json" or "yaml". Error: InvalidArgument "<option> needs text, json or yaml; got
// \"<value>\"" (`option` is how the user spelled it: "-o" or "--output").
[[nodiscard]] absl::StatusOr<OutputFormat> ParseOutputFormat(std::string_view option,
                                                             std::string_view value);

// A JSON value. Objects keep their members in order (duplicates are not merged); a number keeps
// the text it was written with, so no double is rounded on the way through.
struct JsonNode {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  // kBool: "true" or "false"; kNumber: the number as written; kString: the decoded UTF-8 text.
  std::string scalar;
  std::vector<JsonNode> items;                            // kArray
  std::vector<std::pair<std::string, JsonNode>> members;  // kObject

  static JsonNode Null() { return JsonNode(); }
  static JsonNode Bool(bool value);
  static JsonNode Number(long long value);
  static JsonNode String(std::string value);
  static JsonNode Array(std::vector<JsonNode> items = {});
  static JsonNode Object(std::vector<std::pair<std::string, JsonNode>> members = {});

  // The member named `key` of an object; null when there is none or this is no object.
  const JsonNode* Find(std::string_view key) const;
  // Removes every member named `key` of an object.
  void Erase(std::string_view key);
};

// Parses one JSON document (RFC 8259; surrounding white space allowed). Error: InvalidArgument
// with the byte offset and what was expected.
[[nodiscard]] absl::StatusOr<JsonNode> ParseJson(std::string_view text);

// The proto3 JSON mapping of `message` (see the top of this file), its object keys in field
// order. Error: Internal when protobuf cannot print it (an invalid Timestamp, say).
[[nodiscard]] absl::StatusOr<JsonNode> MessageToJsonNode(const google::protobuf::Message& message);

// One JSON document: 2-space indentation, "key": value, strings escaped as RFC 8259 requires
// (UTF-8 kept), empty containers as {} and []. Ends with a newline.
std::string WriteJson(const JsonNode& node);

// One YAML document of the same tree, readable by YAML 1.1 and 1.2 parsers as exactly the JSON's
// values: block mappings and sequences, 2-space indentation; strings plain when they cannot be
// read as anything else (accounts/alice, ACCOUNT_STATE_ACTIVE), else double-quoted with JSON's
// escapes; numbers in a form YAML 1.1 also reads as a number (1.0e+20, not 1e+20). Ends with a
// newline.
std::string WriteYaml(const JsonNode& node);

// WriteJson or WriteYaml. REQUIRES: format != kText.
std::string WriteDocument(const JsonNode& node, OutputFormat format);

// MessageToJsonNode, then WriteDocument: what `-o json` and `-o yaml` print for a response.
// REQUIRES: format != kText. Errors: MessageToJsonNode's.
[[nodiscard]] absl::StatusOr<std::string> FormatMessage(const google::protobuf::Message& message,
                                                        OutputFormat format);

// The help lines of -o for the commands' usage texts: the formats, then `shape` (what the
// document holds) wrapped under the option's description. Ends with a newline.
std::string OutputOptionHelp(std::string_view shape);

}  // namespace maxpool::app
