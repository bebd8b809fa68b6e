#pragma once

// The text written for a config (spec §12.1): JSON.stringify(config, null, 2) + "\n" in the
// schema's field order, keeping what the file it was read from had that the schema does not
// know. Pure; thread-safe.

#include <string>

#include "boost/json/object.hpp"
#include "maxpool/v1/config.pb.h"

namespace maxpool::config {

// The file text for `config`, which was read from `raw` (the parsed file; empty for a new one):
//   * keys of `raw` that the schema does not know are kept, at any depth (EncodeJson);
//   * an explicit null or empty list of `raw`, or of the defaults it was back-filled with, is
//     written as such;
//   * code-only defaults (CodeDefaultsJson) that `raw` did not set and that still equal their
//     default are left out, so they are not pinned into the file.
std::string SerializeConfig(const v1::Config& config, const boost::json::object& raw);

}  // namespace maxpool::config
