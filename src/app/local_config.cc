#include "app/local_config.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "config/config_loader.h"
#include "core/absl_view.h"
#include "core/one_line.h"

namespace maxpool::app {

absl::StatusOr<v1::Config> LoadLocalConfig(const std::filesystem::path& path, bool missing_ok) {
  absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfig(path);
  if (loaded.ok()) return std::move(loaded->config);
  if (absl::IsNotFound(loaded.status())) {
    if (missing_ok) {
      absl::StatusOr<config::LoadedConfig> defaults = config::ParseConfig("{}", path);
      if (!defaults.ok()) return defaults.status();
      return std::move(defaults->config);
    }
    return absl::NotFoundError(absl::StrCat(core::OneLine(path.string()),
                                            " does not exist; add an account with `maxpool "
                                            "login` (or pass --config PATH)"));
  }
  return absl::Status(
      loaded.status().code(),
      absl::StrCat(core::OneLine(loaded.status()), "; `maxpool config check` shows what is wrong"));
}

std::string ProxyBaseUrl(const v1::Config& config) {
  std::string host = config.proxy().has_host() ? config.proxy().host() : "127.0.0.1";
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]" || host == "*") {
    host = "127.0.0.1";
  }
  if (host.find(':') != std::string::npos && host.front() != '[')
    host = absl::StrCat("[", host, "]");
  const int port = config.proxy().has_port() ? config.proxy().port() : 3456;
  return absl::StrCat("http://", host, ":", port);
}

std::optional<int> FindAccountEntry(const v1::Config& config, std::string_view which) {
  for (int i = 0; i < config.accounts_size(); ++i) {
    if (config.accounts(i).name() == which) return i;
  }
  std::string_view digits = which;
  if (!digits.empty() && digits.front() == '#') digits.remove_prefix(1);
  int number = 0;
  if (!digits.empty() && absl::ascii_isdigit(static_cast<unsigned char>(digits.front())) &&
      absl::SimpleAtoi(core::AbslView(digits), &number) && number >= 1 &&
      number <= config.accounts_size()) {
    return number - 1;
  }
  return std::nullopt;
}

std::string AccountNameList(const v1::Config& config) {
  std::string names;
  for (const v1::AccountConfig& account : config.accounts()) {
    absl::StrAppend(&names, names.empty() ? "" : ", ", "\"", core::OneLine(account.name()), "\"");
  }
  return names.empty() ? "none" : names;
}

}  // namespace maxpool::app
