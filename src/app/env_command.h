#pragma once

// `maxpool env [--with-key]` (spec §0.1): the shell lines that point Anthropic clients at the
// proxy, for `eval "$(maxpool env)"`. Stateless.

#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>

#include "maxpool/v1/config.pb.h"

namespace maxpool::app {

// The help of `maxpool env` (ends with a newline).
std::string EnvUsageText();

// `value` as one POSIX shell word: unchanged when it holds only [A-Za-z0-9@%+=:,./_-] (and is not
// empty), else in single quotes (a ' becomes '\'').
std::string ShellQuote(std::string_view value);

// "export ANTHROPIC_BASE_URL=<ProxyBaseUrl>\n", and with `with_key`
// "export ANTHROPIC_API_KEY=<proxy.apiKey>\n" (values shell-quoted).
std::string FormatEnv(const v1::Config& config, bool with_key);

// Reads the config at `path` (a missing file means the defaults) and prints FormatEnv. The key is
// printed only because the user asked for it (--with-key). Returns 0; 1 with one line on `err`
// when the file cannot be loaded, or --with-key finds no proxy.apiKey.
int RunEnv(const std::filesystem::path& path, bool with_key, std::ostream& out, std::ostream& err);

}  // namespace maxpool::app
