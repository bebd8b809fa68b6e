#pragma once

// Whole-file reads and crash-safe whole-file replacement for files that hold credentials (spec
// §12.1, §14 item 55). Stateless; thread-safe, but two concurrent writers of one path race (the
// last rename wins), so callers serialise writes (ConfigStore does).

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace maxpool::config {

// The file's bytes. Errors: NotFound "<path>: no such file" when it does not exist; otherwise
// the errno's canonical code with "<path>: <strerror>".
[[nodiscard]] absl::StatusOr<std::string> ReadFileToString(const std::filesystem::path& path);

// Replaces `path` with `contents` atomically: missing parent directories are created with mode
// 0700; a sibling temp file "<path>.<pid>.<12 hex>.tmp" is created with O_CREAT|O_EXCL and mode
// 0600, fchmod-ed 0600 again, written, fsync-ed and renamed over `path`; then the directory is
// fsync-ed. On any error before the rename the temp file is removed and `path` is untouched;
// the errno's canonical code is returned with "<path>: <step>: <strerror>". (A failed fsync of
// the directory after the rename is reported too; the new contents are then in place.) When
// `path` is a symbolic link, the file it points to is replaced and the link stays.
[[nodiscard]] absl::Status WriteFileAtomically(const std::filesystem::path& path,
                                               std::string_view contents);

}  // namespace maxpool::config
