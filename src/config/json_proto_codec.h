#pragma once

// Converts between Boost.JSON values and protobuf messages through the message descriptor
// (reflection), with the config file's rules: keys are the fields' json_names; JSON null reads as
// "absent"; keys that name no field are collected, not rejected, and a write merges them back so
// a read-modify-write keeps them. Errors name the key path and never quote a value, so a secret
// can never leak into one. Stateless; thread-safe.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "boost/json/object.hpp"
#include "boost/json/value.hpp"
#include "google/protobuf/message.h"

namespace maxpool::config {

// Reads `json`, which must be an object, into `message` (cleared first).
// Numbers: an integer field takes an integral number in range ("must be an integer"); a double
// field takes any number. Enum fields take the value's name. Repeated fields take arrays, map
// fields objects; null elements are errors. Keys naming no field are skipped, and their key paths
// (e.g. "accounts[2].nickname") appended to `*unknown_keys` when it is not null.
// Error: InvalidArgument "<key path>: <reason>", e.g. "accounts[2].capUtilization: expected a
// number, got a string", for the first error in field order; `message` is then partly filled.
[[nodiscard]] absl::Status DecodeJson(const boost::json::value& json,
                                      google::protobuf::Message& message,
                                      std::vector<std::string>* unknown_keys);

// Writes `message` as an object: the fields that are present, in field order. When `original`
// is given (the object the message was read from), then at every depth
//   * its keys that name no field are appended after the fields, with their original values;
//   * a field absent from `message` whose key `original` has with null, [] or {} is written as
//     that (so an explicit null or empty list survives a round trip);
//   * array elements are matched by their "name" string when the element message has a `name`
//     field, else by index; map values by map key;
//   * map keys keep their order in `original`; other map keys follow in sorted order.
boost::json::object EncodeJson(const google::protobuf::Message& message,
                               const boost::json::object* original = nullptr);

// `path` extended by one object key: "a.b", or a["x.y"] when the key is not identifier-like.
std::string AppendKeyPath(const std::string& path, std::string_view key);

}  // namespace maxpool::config
