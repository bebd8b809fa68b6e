#include "app/config_command.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "app/cli.h"
#include "app/request_file_log.h"
#include "config/config_loader.h"

namespace maxpool::app {
namespace {

// Keeps a message on one line whatever it quotes (a file name may hold a newline).
std::string OneLine(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\r", "\\r"}, {"\n", "\\n"}});
}

}  // namespace

int RunConfigCheck(const std::filesystem::path& path, std::ostream& out, std::ostream& err) {
  absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfig(path);
  if (!loaded.ok()) {
    err << "maxpool: " << OneLine(loaded.status().message()) << "\n";
    return kExitUsage;
  }
  if (loaded->config.has_log_dir() && !loaded->config.log_dir().empty()) {
    if (absl::Status dir = CheckRequestLogDir(loaded->config.log_dir()); !dir.ok()) {
      err << "maxpool: " << OneLine(path.string()) << ": " << OneLine(dir.message()) << "\n";
      return kExitUsage;
    }
  }
  out << "config: " << OneLine(path.string()) << "\n";
  out << "accounts: " << loaded->config.accounts_size() << "\n";
  if (loaded->config.providers_size() > 0) {
    out << "providers: " << loaded->config.providers_size() << "\n";
  }
  for (const std::string& warning : loaded->warnings)
    out << "warning: " << OneLine(warning) << "\n";
  return kExitOk;
}

}  // namespace maxpool::app
