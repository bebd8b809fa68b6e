#include "app/account_edit_command.h"

#include <functional>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "app/cli.h"
#include "app/local_config.h"
#include "config/config_store.h"
#include "core/absl_view.h"
#include "core/one_line.h"

namespace maxpool::app {
namespace {

constexpr char kPickedUp[] = "a running server picks this up within a second";

std::string Quoted(std::string_view name) { return absl::StrCat("\"", core::OneLine(name), "\""); }

absl::Status UnknownAccount(const v1::Config& config, std::string_view which) {
  return absl::NotFoundError(absl::StrCat(
      "no account ", Quoted(which), " in the config; its accounts are: ", AccountNameList(config)));
}

// Runs `change` as one ConfigStore::Update of the existing file at `path`. Error: the one-line
// message to print (`change`'s own error as it is).
absl::Status Edit(const std::filesystem::path& path,
                  const std::function<absl::Status(v1::Config&)>& change) {
  if (absl::StatusOr<v1::Config> loaded = LoadLocalConfig(path, /*missing_ok=*/false);
      !loaded.ok()) {
    return loaded.status();
  }
  absl::StatusOr<std::unique_ptr<config::ConfigStore>> store = config::ConfigStore::Create(path);
  if (!store.ok()) return store.status();
  absl::Status edit_error;
  absl::StatusOr<config::LoadedConfig> written = (*store)->Update(
      [&](v1::Config& config) {
        edit_error = change(config);
        return edit_error;
      },
      std::nullopt);
  if (!edit_error.ok()) return edit_error;
  if (!written.ok()) {
    return absl::Status(
        written.status().code(),
        absl::StrCat("could not save ", core::OneLine(path.string()), ": ",
                     core::OneLine(written.status()), " (nothing was changed; try again)"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string RemoveUsageText() {
  return R"(usage: maxpool remove NAME [--config PATH]

Deletes the account named exactly NAME from the config file (an unknown NAME prints the names
there are). If routing.preferredAccount named it, routing goes back to automatic. The file is saved
atomically; a running server picks the change up within a second: it stops routing to the
account at once and drops it when its requests in flight have finished. To log in again later,
use `maxpool login`.
)";
}

std::string RenameUsageText() {
  return R"(usage: maxpool rename NAME|NUMBER NEW-NAME [--config PATH]

Renames an account in the config file: the one named NAME, or the NUMBER-th of accounts[]
(from 1). The new name must not be used by another account; routing.preferredAccount follows
the account. A running server picks the change up within a second: an account with an
accountUuid (signed in with `maxpool login` or `import`) is renamed in place; one without is
replaced by a new account of the new name.
)";
}

absl::StatusOr<AccountRemoval> RemoveAccountNamed(v1::Config& config, std::string_view name) {
  AccountRemoval removal;
  auto* accounts = config.mutable_accounts();
  for (int i = accounts->size() - 1; i >= 0; --i) {
    if (accounts->Get(i).name() != name) continue;
    accounts->DeleteSubrange(i, 1);
    ++removal.entries;
  }
  if (removal.entries == 0) return UnknownAccount(config, name);
  if (config.routing().has_preferred_account() && config.routing().preferred_account() == name) {
    config.mutable_routing()->clear_preferred_account();
    config.mutable_routing()->set_mode("automatic");
    removal.was_preferred = true;
  }
  return removal;
}

absl::StatusOr<AccountRename> RenameAccount(v1::Config& config, std::string_view which,
                                            std::string_view new_name) {
  const std::optional<int> index = FindAccountEntry(config, which);
  if (!index.has_value()) return UnknownAccount(config, which);
  const std::string name(absl::StripAsciiWhitespace(core::AbslView(new_name)));
  if (name.empty())
    return absl::InvalidArgumentError(
        "the new name is empty; give one: maxpool rename NAME|N NEW-NAME");
  v1::AccountConfig& account = *config.mutable_accounts(*index);
  AccountRename rename;
  rename.old_name = account.name();
  rename.new_name = name;
  rename.has_uuid = !account.account_uuid().empty();
  if (rename.old_name == name) {
    rename.unchanged = true;
    return rename;
  }
  for (int i = 0; i < config.accounts_size(); ++i) {
    if (i != *index && config.accounts(i).name() == name) {
      return absl::AlreadyExistsError(
          absl::StrCat("an account named ", Quoted(name), " already exists; choose another name"));
    }
  }
  for (const v1::ProviderAccount& provider : config.providers()) {
    if (provider.name() == name) {
      return absl::AlreadyExistsError(absl::StrCat("a provider (providers[]) is named ",
                                                   Quoted(name), "; choose another name"));
    }
  }
  account.set_name(name);
  if (!rename.old_name.empty() && config.routing().preferred_account() == rename.old_name) {
    config.mutable_routing()->set_preferred_account(name);
    rename.preferred_followed = true;
  }
  return rename;
}

int RunRemove(const std::filesystem::path& path, const std::string& name, std::ostream& out,
              std::ostream& err) {
  AccountRemoval removal;
  const absl::Status saved = Edit(path, [&](v1::Config& config) -> absl::Status {
    absl::StatusOr<AccountRemoval> result = RemoveAccountNamed(config, name);
    if (!result.ok()) return result.status();
    removal = *result;
    return absl::OkStatus();
  });
  if (!saved.ok()) {
    err << "maxpool: " << core::OneLine(saved) << "\n";
    return kExitFailure;
  }
  out << "removed account " << Quoted(name) << " from " << core::OneLine(path.string())
      << (removal.entries > 1 ? absl::StrCat(" (", removal.entries, " entries)") : "")
      << (removal.was_preferred ? "; it was the preferred account, routing is automatic now" : "")
      << "; " << kPickedUp
      << ": it stops routing there at once and drops it when its requests in flight finish\n";
  return kExitOk;
}

int RunRename(const std::filesystem::path& path, const std::string& which,
              const std::string& new_name, std::ostream& out, std::ostream& err) {
  AccountRename rename;
  const absl::Status saved = Edit(path, [&](v1::Config& config) -> absl::Status {
    absl::StatusOr<AccountRename> result = RenameAccount(config, which, new_name);
    if (!result.ok()) return result.status();
    rename = *std::move(result);
    // Nothing to write: an error that stops the write, and is not reported as one.
    if (rename.unchanged) return absl::CancelledError("unchanged");
    return absl::OkStatus();
  });
  if (rename.unchanged) {
    out << "account " << Quoted(rename.new_name) << " already has that name; nothing changed\n";
    return kExitOk;
  }
  if (!saved.ok()) {
    err << "maxpool: " << core::OneLine(saved) << "\n";
    return kExitFailure;
  }
  out << "renamed account " << Quoted(rename.old_name) << " to " << Quoted(rename.new_name)
      << " in " << core::OneLine(path.string()) << "; " << kPickedUp
      << (rename.has_uuid ? " and renames the account in place (same accountUuid)"
                          : ", as a new account replacing the old one (it has no accountUuid "
                            "to match it by, so its learned quota starts over)")
      << (rename.preferred_followed
              ? absl::StrCat("; routing.preferredAccount follows it in the file (for the running "
                             "server: maxpool routing prefer ",
                             core::OneLine(rename.new_name), ")")
              : "")
      << "\n";
  return kExitOk;
}

}  // namespace maxpool::app
