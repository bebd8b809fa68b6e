#pragma once

// Loading the JSON config file (spec §0.3 "Config load rules", §1.1, §14 item 54): parse,
// back-fill the defaults by key presence, apply the schema (proto/maxpool/v1/config.proto) and
// the semantic rules. A broken file is an error, never replaced by defaults. Stateless;
// thread-safe.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/json/object.hpp"
#include "maxpool/v1/config.pb.h"

namespace maxpool::config {

struct LoadedConfig {
  // The effective config: the file's values, then the defaults for every key the file lacks
  // (a present key, even 0 or false, wins; an explicit null stays absent), then normalised
  // (see ValidateConfig).
  v1::Config config;
  // One line per thing the operator should know, each "<key path>: <what>": unknown keys (once
  // each; they are kept on save), a capUtilization read as "no cap", switchThreshold 0 read as
  // 0.90, accounts skipped for lack of a credential, a preferred account that cannot be used.
  std::vector<std::string> warnings;
  // The file as parsed, before any default: what ConfigStore merges unknown keys back from.
  boost::json::object raw;
  // The file's _generation (0 when absent).
  int64_t generation = 0;
};

// Reads and loads `path`. Errors, each one line that starts with the path:
//   NotFound "<path>: no such file" when the file does not exist (the caller may create it);
//   InvalidArgument "<path>:<line>:<column>: <reason>" when it is not JSON;
//   InvalidArgument "<path>: <key path>: <reason>" when a value is wrong, e.g.
//     "/home/u/.config/maxpool.json: scheduler.cooldownMs: expected a number, got a string";
//   other codes "<path>: <step>: <strerror>" when it cannot be read.
// No message ever contains a credential.
[[nodiscard]] absl::StatusOr<LoadedConfig> LoadConfig(const std::filesystem::path& path);

// As LoadConfig, for text already read; `path` is used in messages only.
[[nodiscard]] absl::StatusOr<LoadedConfig> ParseConfig(std::string_view text,
                                                       const std::filesystem::path& path);

// As ParseConfig, for a JSON object already parsed (e.g. several layers merged).
[[nodiscard]] absl::StatusOr<LoadedConfig> ParseConfigObject(boost::json::object object,
                                                             const std::filesystem::path& path);

}  // namespace maxpool::config
