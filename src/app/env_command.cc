#include "app/env_command.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "app/cli.h"
#include "app/local_config.h"
#include "app/option_help.h"
#include "core/one_line.h"

namespace maxpool::app {

std::string EnvUsageText() {
  return R"text(usage: maxpool env [--with-key] [--config PATH]

Prints the shell lines that point Claude Code and other Anthropic clients at the proxy of the
config file (proxy.host and proxy.port; a wildcard host such as 0.0.0.0 becomes 127.0.0.1):

  export ANTHROPIC_BASE_URL=http://127.0.0.1:3456

Use it as  eval "$(maxpool env)".  Clients on the loopback interface need no key.
)text" + OptionsHelp("env");
}

std::string ShellQuote(std::string_view value) {
  bool plain = !value.empty();
  for (char c : value) {
    const bool safe = absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '@' || c == '%' ||
                      c == '+' || c == '=' || c == ':' || c == ',' || c == '.' || c == '/' ||
                      c == '_' || c == '-';
    if (!safe) {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(value);
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += "'";
  return quoted;
}

std::string FormatEnv(const v1::Config& config, bool with_key) {
  std::string text =
      absl::StrCat("export ANTHROPIC_BASE_URL=", ShellQuote(ProxyBaseUrl(config)), "\n");
  if (with_key) {
    absl::StrAppend(&text, "export ANTHROPIC_API_KEY=", ShellQuote(config.proxy().api_key()), "\n");
  }
  return text;
}

int RunEnv(const std::filesystem::path& path, bool with_key, std::ostream& out, std::ostream& err) {
  absl::StatusOr<v1::Config> config = LoadLocalConfig(path, /*missing_ok=*/!with_key);
  if (!config.ok()) {
    err << "maxpool: " << config.status().message() << "\n";
    return kExitFailure;
  }
  if (with_key && config->proxy().api_key().empty()) {
    err << "maxpool: " << core::OneLine(path.string())
        << " has no proxy.apiKey; set one there (clients on the loopback interface need no key, "
           "so plain `maxpool env` may be all you need)\n";
    return kExitFailure;
  }
  out << FormatEnv(*config, with_key);
  return kExitOk;
}

}  // namespace maxpool::app
