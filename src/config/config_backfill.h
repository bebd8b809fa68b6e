#pragma once

// Applies the config defaults to a parsed file by key presence, as the reference does (spec
// §0.3, §12.3), and sets aside the values that the reference tolerates with a warning. Operates
// on JSON, before the schema is applied, because presence ("a present key, even 0/false/null,
// always wins") is a property of the text. Pure functions; thread-safe.

#include <string>
#include <vector>

#include "boost/json/object.hpp"

namespace maxpool::config {

// Fills every key absent from `file`, at any depth of nested objects, from FileDefaultsJson()
// and then CodeDefaultsJson(). A present key is never replaced, whatever its value or type.
// Arrays are never merged element-wise. scheduler.providers follows the peak migration of spec
// §12.3: when scheduler.peakDefaultsVersion is absent, null or below 1, the peak defaults are
// merged into it per provider and per key, and the version becomes 1; otherwise it is left as is.
void BackFillDefaults(boost::json::object& file);

// Removes the values that the reference reads as "not set" with a warning instead of failing
// (spec §1.1 capUtilization; §12.3 and §14 item 30 peakCap): a capUtilization or peakCap that
// is present but not a number. Appends one warning per value removed.
void RemoveTolerated(boost::json::object& file, std::vector<std::string>& warnings);

// Removes from `out` (a config about to be written) the code-only defaults (CodeDefaultsJson())
// that `file` (the object read from disk) did not have and that still equal their default, so
// that writing a config does not pin code defaults into the file.
void StripUnsetCodeDefaults(boost::json::object& out, const boost::json::object& file);

}  // namespace maxpool::config
