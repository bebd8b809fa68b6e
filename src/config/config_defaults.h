#pragma once

// The config's defaults (spec §0.3, §12.3), kept as JSON because they are applied by key
// presence to the parsed file, exactly as the reference back-fills them. Thread-safe: the
// objects are built once and never change.

#include "boost/json/object.hpp"
#include "maxpool/v1/config.pb.h"

namespace maxpool::config {

// The reference's first-run file (spec §0.3), without proxy.apiKey (made fresh per file).
// scheduler.providers holds the peak defaults.
const boost::json::object& FileDefaultsJson();

// Defaults that live in code only (spec §0.3 "Additional scheduler defaults", the other
// recognised keys, and our control/admin/logging sections). They are back-filled at load but
// written to the file only when the file set them or a change made them differ.
const boost::json::object& CodeDefaultsJson();

// Peak settings per provider key (spec §12.3): zai Mon-Fri 14:00-18:00 Asia/Singapore, cap
// 0.5; kimi no windows.
const boost::json::object& PeakDefaultsJson();

// "mp-" + base64url(24 random bytes) from OpenSSL's RAND_bytes (spec §0.3). Aborts the process
// with a message if the random generator fails (it never does once seeded).
std::string NewProxyApiKey();

// The reference's first-run config (spec §0.3): FileDefaultsJson() with a fresh proxy.apiKey.
v1::Config DefaultConfig();

}  // namespace maxpool::config
