#pragma once

// `maxpool config check`: load and validate the config file without ever writing it (spec §0.3
// load rules, §15 scenario 68). Stateless.

#include <filesystem>
#include <ostream>

namespace maxpool::app {

// Loads `path`. Valid: prints "config: <path>", "accounts: <n>" (and "providers: <n>" when the
// file has config providers), then one "warning: <text>" line per warning, to `out`; returns 0.
// Invalid, missing or unreadable: prints exactly one line "maxpool: <error>" to `err` and
// nothing to `out`; returns 2. Never writes the file.
int RunConfigCheck(const std::filesystem::path& path, std::ostream& out, std::ostream& err);

}  // namespace maxpool::app
