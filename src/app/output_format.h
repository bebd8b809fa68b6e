#pragma once

// `-o json` and `-o yaml` of the commands that print a result (`status`, `accounts`, `routing`,
// `sessions`, `config check`): the output format, the proto3 JSON mapping of a response message
// as a boost::json::value, and the writers of one JSON or YAML document. Stateless; thread-safe.
//
// The JSON of a message is what google::protobuf::util::MessageToJsonString prints (lowerCamelCase
// JSON names, enums by name, int64 as strings, Timestamp and Duration as strings) with every
// primitive field present, defaults included ("draining": false, "accounts": []), so that a script
// needs no knowledge of proto3 defaults; unset message fields and unset proto3 `optional` fields
// stay absent. Keys come in the proto's field order.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "boost/json/value.hpp"
#include "google/protobuf/message.h"

namespace maxpool::app {

enum class OutputFormat {
  kText,  // for people: the commands' tables (the default)
  kJson,  // one JSON document, 2-space indented
  kYaml,  // one YAML document (block style), the same value as the JSON
};

// The formats, as the help of -o names them.
inline constexpr std::string_view kOutputFormats = "text (the default), json or yaml";

// "text", "json" or "yaml". Error: InvalidArgument "<option> needs text, json or yaml; got
// \"<value>\"" (`option` is how the user spelled it: "-o" or "--output").
[[nodiscard]] absl::StatusOr<OutputFormat> ParseOutputFormat(std::string_view option,
                                                             std::string_view value);

// The proto3 JSON mapping of `message` (see the top of this file), its object keys in field
// order; a double field holds the message's own value. Error: Internal when protobuf cannot
// print it (an invalid Timestamp, say).
[[nodiscard]] absl::StatusOr<boost::json::value> MessageToJsonValue(
    const google::protobuf::Message& message);

// One JSON document: 2-space indentation, "key": value in the object's order, strings escaped as
// RFC 8259 requires (UTF-8 kept), integers as integers, doubles in their shortest round-trip form
// (0.8, 1e+20; null when not finite), empty containers as {} and []. Ends with a newline.
std::string WriteJson(const boost::json::value& value);

// One YAML document of the same value, readable by YAML 1.1 and 1.2 parsers as exactly the JSON's
// values: block mappings and sequences, 2-space indentation; strings plain when they cannot be
// read as anything else (accounts/alice, ACCOUNT_STATE_ACTIVE), else double-quoted with JSON's
// escapes; numbers in a form YAML 1.1 also reads as a number (1.0e+20, not 1e+20). Ends with a
// newline.
std::string WriteYaml(const boost::json::value& value);

// WriteJson or WriteYaml. REQUIRES: format != kText.
std::string WriteDocument(const boost::json::value& value, OutputFormat format);

// MessageToJsonValue, then WriteDocument: what `-o json` and `-o yaml` print for a response.
// REQUIRES: format != kText. Errors: MessageToJsonValue's.
[[nodiscard]] absl::StatusOr<std::string> FormatMessage(const google::protobuf::Message& message,
                                                        OutputFormat format);

}  // namespace maxpool::app
