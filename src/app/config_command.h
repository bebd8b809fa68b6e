#pragma once

// `maxpool config check`: load and validate the config file without ever writing it (spec §0.3
// load rules, §15 scenario 68). Stateless.

#include <filesystem>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "app/output_format.h"
#include "boost/json/object.hpp"

namespace maxpool::app {

// What a check found.
struct ConfigCheckResult {
  std::filesystem::path path;
  std::string error;  // the one error line without "maxpool: "; empty when the file is valid
  // The key path and the reason of the error, when it names a key (not for a file that is missing,
  // unreadable or not JSON).
  std::vector<std::pair<std::string, std::string>> violations;
  int accounts = 0;                   // valid: the entries of accounts[]
  int providers = 0;                  // valid: the entries of providers[]
  std::vector<std::string> warnings;  // valid: "<key path>: <what>" each
};

// The result as one JSON document (what `config check -o json` prints), its violations in the
// manner of google.rpc.BadRequest's JSON:
//   {"path": "<file>", "valid": true, "fieldViolations": [], "accounts": 2, "providers": 0,
//    "warnings": ["<key path>: <what>", ...]}
//   {"path": "<file>", "valid": false, "error": "<file>: scheduler.cooldownMs: expected a ...",
//    "fieldViolations": [{"field": "scheduler.cooldownMs",
//                         "description": "expected a number, got a string"}],
//    "warnings": []}
boost::json::object ConfigCheckDocument(const ConfigCheckResult& result);

// Loads `path`. Valid: prints "config: <path>", "accounts: <n>" (and "providers: <n>" when the
// file has config providers), then one "warning: <text>" line per warning, to `out`; returns 0.
// Invalid, missing or unreadable: prints exactly one line "maxpool: <error>" to `err` and
// nothing to `out`; returns 2. With `format` json or yaml, `out` gets ConfigCheckDocument in
// both cases (and `err` the same one line when it is invalid). Never writes the file.
int RunConfigCheck(const std::filesystem::path& path, OutputFormat format, std::ostream& out,
                   std::ostream& err);

}  // namespace maxpool::app
