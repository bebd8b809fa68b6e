#pragma once

// The config file as the commands that work without a server read it (`env`, `run`, `api`,
// `remove`, `rename`): loading with messages that say what to do, where the proxy listens, and
// keeping a message on one line. Stateless; thread-safe.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "maxpool/v1/config.pb.h"

namespace maxpool::app {

// Loads `path`. A missing file is the defaults (proxy 127.0.0.1:3456, no key, no accounts) when
// `missing_ok`, else NotFound "<path> does not exist; add an account with `maxpool login` (or
// pass --config PATH)". Other errors: the loader's one-line message with "; `maxpool config
// check` shows what is wrong" appended.
[[nodiscard]] absl::StatusOr<v1::Config> LoadLocalConfig(const std::filesystem::path& path,
                                                         bool missing_ok);

// "http://HOST:PORT" of the proxy section: a wildcard host ("", 0.0.0.0, ::, *) becomes
// 127.0.0.1, an IPv6 literal is bracketed; defaults 127.0.0.1 and 3456.
std::string ProxyBaseUrl(const v1::Config& config);

// The index into `config.accounts()` that `which` designates: the first entry named exactly
// `which`, else, when `which` is a number N (or "#N") from 1 to the count, entry N-1.
std::optional<int> FindAccountEntry(const v1::Config& config, std::string_view which);

// The names of `config.accounts()` as `"a", "b"`, or "none" when there are none.
std::string AccountNameList(const v1::Config& config);

}  // namespace maxpool::app
