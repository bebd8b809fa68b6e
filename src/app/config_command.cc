#include "app/config_command.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "app/cli.h"
#include "config/config_loader.h"
#include "core/one_line.h"
#include "logging/request_file_log.h"

namespace maxpool::app {
namespace {

// Keeps a message on one line whatever it quotes (a file name may hold a newline).
// The key path and the reason of a loader error "<path>: <key path>: <reason>"; nothing for the
// errors that name no key (not JSON: "<path>:<line>:<column>: ...", missing, unreadable).
std::vector<std::pair<std::string, std::string>> Violations(const std::filesystem::path& path,
                                                            const absl::Status& error) {
  const std::string message(error.message());
  const std::string prefix = absl::StrCat(path.string(), ": ");
  if (!absl::IsInvalidArgument(error) || !absl::StartsWith(message, prefix)) return {};
  const std::string rest = message.substr(prefix.size());
  const size_t colon = rest.find(": ");
  if (colon == std::string::npos || colon == 0) return {};
  return {{rest.substr(0, colon), rest.substr(colon + 2)}};
}

ConfigCheckResult Check(const std::filesystem::path& path) {
  ConfigCheckResult result;
  result.path = path;
  absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfig(path);
  if (!loaded.ok()) {
    result.error = core::OneLine(loaded.status());
    result.violations = Violations(path, loaded.status());
    return result;
  }
  if (loaded->config.has_log_dir() && !loaded->config.log_dir().empty()) {
    if (absl::Status dir = logging::CheckRequestLogDir(loaded->config.log_dir()); !dir.ok()) {
      result.error = absl::StrCat(core::OneLine(path.string()), ": ", core::OneLine(dir));
      result.violations = {{"logDir", std::string(dir.message())}};
      return result;
    }
  }
  result.accounts = loaded->config.accounts_size();
  result.providers = loaded->config.providers_size();
  result.warnings = std::move(loaded->warnings);
  return result;
}

}  // namespace

boost::json::object ConfigCheckDocument(const ConfigCheckResult& result) {
  const bool valid = result.error.empty();
  boost::json::object document;
  document["path"] = result.path.string();
  document["valid"] = valid;
  if (!valid) document["error"] = result.error;
  boost::json::array& violations = document["fieldViolations"].emplace_array();
  for (const auto& [field, description] : result.violations) {
    violations.push_back(boost::json::object{{"field", field}, {"description", description}});
  }
  if (valid) {
    document["accounts"] = result.accounts;
    document["providers"] = result.providers;
  }
  boost::json::array& warnings = document["warnings"].emplace_array();
  for (const std::string& warning : result.warnings) warnings.emplace_back(warning);
  return document;
}

int RunConfigCheck(const std::filesystem::path& path, OutputFormat format, std::ostream& out,
                   std::ostream& err) {
  const ConfigCheckResult result = Check(path);
  if (!result.error.empty()) err << "maxpool: " << result.error << "\n";
  if (format != OutputFormat::kText) {
    out << WriteDocument(ConfigCheckDocument(result), format);
  } else if (result.error.empty()) {
    out << "config: " << core::OneLine(path.string()) << "\n";
    out << "accounts: " << result.accounts << "\n";
    if (result.providers > 0) out << "providers: " << result.providers << "\n";
    for (const std::string& warning : result.warnings) {
      out << "warning: " << core::OneLine(warning) << "\n";
    }
  }
  return result.error.empty() ? kExitOk : kExitUsage;
}

}  // namespace maxpool::app
