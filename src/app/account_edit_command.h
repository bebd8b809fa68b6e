#pragma once

// `maxpool remove NAME` and `maxpool rename NAME|# NEW` (spec §0.1): edit `accounts[]` of the
// config file through config::ConfigStore::Update, the path every writer takes (re-read, change,
// validate, save atomically with mode 0600 and _generation bumped; an invalid file is never
// overwritten). A running server applies the file through hot-sync (hot_sync.h): it watches the
// file and re-reads it within a second of the save (at the latest at its next periodic re-read,
// sync.accountsIntervalMs, 15 s by default). Stateless.

#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "maxpool/v1/config.pb.h"

namespace maxpool::app {

// Help texts (each ends with a newline).
std::string RemoveUsageText();
std::string RenameUsageText();

struct AccountRemoval {
  int entries = 0;             // entries removed (more than one only for duplicate names)
  bool was_preferred = false;  // routing.preferredAccount named it; routing is automatic now
};

// Removes every `accounts[]` entry named exactly `name`; when routing.preferredAccount named it,
// clears it and sets routing.mode "automatic". NotFound "no account named "x" in the config; its
// accounts are: "a", "b"" when there is none (the config is then unchanged).
absl::StatusOr<AccountRemoval> RemoveAccountNamed(v1::Config& config, std::string_view name);

struct AccountRename {
  std::string old_name;
  std::string new_name;
  bool unchanged = false;           // it already had that name: nothing to write
  bool has_uuid = false;            // a running server can match it by accountUuid
  bool preferred_followed = false;  // routing.preferredAccount was renamed with it
};

// Renames the account `which` designates — the entry named exactly `which`, else, when `which`
// is a number N (or "#N"), the N-th entry (from 1) — to `new_name` (trimmed), and a
// routing.preferredAccount naming it along with it. Errors (the config then unchanged):
// NotFound naming the accounts; InvalidArgument for an empty new name; AlreadyExists when
// another account or provider entry already has the new name.
absl::StatusOr<AccountRename> RenameAccount(v1::Config& config, std::string_view which,
                                            std::string_view new_name);

// Edit the file at `path` (which must exist); print one line of what changed and how a running
// server takes it. Return 0, or 1 with one line on `err`.
int RunRemove(const std::filesystem::path& path, const std::string& name, std::ostream& out,
              std::ostream& err);
int RunRename(const std::filesystem::path& path, const std::string& which,
              const std::string& new_name, std::ostream& out, std::ostream& err);

}  // namespace maxpool::app
