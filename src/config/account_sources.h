#pragma once

// Accounts from a read-only source, apart from the config file: a Secret-style directory (one
// file per account, as a Kubernetes Secret volume lays it out) or one accounts file. maxpool
// never writes to either. Thread-safe; reads the file system only.
//
// Directory (MAXPOOL_ACCOUNTS_DIR): each regular file is one account, named after the file
// (a trailing ".json" dropped). Names that start with '.' are skipped (a Secret volume's
// "..data" links). A file holds either a JSON account object, as in the config's accounts[]
// (its "name", if any, must match the file name), or a bare credential: an API key
// (sk-ant-api…) or a long-lived OAuth token (sk-ant-oat…).
// File (MAXPOOL_ACCOUNTS_FILE): a JSON array of account objects, or {"accounts": [...]}.

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/json/array.hpp"

namespace maxpool::config {

// The accounts of the directory, sorted by name, as config JSON objects. Errors
// (InvalidArgument "<file>: <reason>", never the content): the directory cannot be read, a
// file is over 64 KiB (the accounts file: 1 MiB), not JSON and not a bare credential, or names
// another account.
[[nodiscard]] absl::StatusOr<boost::json::array> ReadAccountsDir(const std::filesystem::path& dir);

// The accounts of the file. Errors as ReadAccountsDir, and "<file>: expected ...".
[[nodiscard]] absl::StatusOr<boost::json::array> ReadAccountsFile(
    const std::filesystem::path& file);

}  // namespace maxpool::config
