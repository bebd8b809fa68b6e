#include "config/account_sources.h"

#include <algorithm>
#include <optional>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "config/atomic_file.h"
#include "config/json_text.h"

namespace maxpool::config {
namespace {

constexpr uintmax_t kMaxAccountFileBytes = 64 * 1024;
constexpr uintmax_t kMaxAccountsFileBytes = 1024 * 1024;

absl::Status Problem(const std::filesystem::path& path, const std::string& reason) {
  return absl::InvalidArgumentError(absl::StrCat(path.string(), ": ", reason));
}

absl::StatusOr<std::string> ReadSmall(const std::filesystem::path& path, uintmax_t limit) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > limit) {
    return Problem(path, absl::StrCat(size, " bytes; at most ", limit / 1024, " KiB is read"));
  }
  return ReadFileToString(path);
}

// A bare credential as an account object; nullopt when `text` is not one.
std::optional<boost::json::object> BareCredential(std::string_view text) {
  const bool token_chars = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  if (!token_chars) return std::nullopt;
  boost::json::object account;
  if (text.rfind("sk-ant-oat", 0) == 0) {
    account["type"] = "oauth";
    account["accessToken"] = text;
  } else if (text.rfind("sk-ant-", 0) == 0) {
    account["type"] = "apikey";
    account["apiKey"] = text;
  } else {
    return std::nullopt;
  }
  return account;
}

absl::StatusOr<boost::json::object> AccountFromFile(const std::filesystem::path& path,
                                                    const std::string& name) {
  absl::StatusOr<std::string> text = ReadSmall(path, kMaxAccountFileBytes);
  if (!text.ok()) return text.status();
  const absl::string_view stripped = absl::StripAsciiWhitespace(*text);
  const std::string_view trimmed(stripped.data(), stripped.size());
  if (std::optional<boost::json::object> bare = BareCredential(trimmed)) {
    (*bare)["name"] = name;
    return *std::move(bare);
  }
  absl::StatusOr<boost::json::value> parsed = ParseJsonText(trimmed);
  if (!parsed.ok() || !parsed->is_object()) {
    // The parser's message may quote the content: it is never shown.
    return Problem(path,
                   "neither a JSON account object nor a bare credential (sk-ant-api… or "
                   "sk-ant-oat…)");
  }
  boost::json::object account = std::move(parsed->get_object());
  if (const boost::json::value* given = account.if_contains("name")) {
    if (!given->is_string() || given->get_string() != name) {
      return Problem(path, absl::StrCat("its \"name\" differs from the file name \"", name,
                                        "\"; the file name is the account's name"));
    }
  }
  account["name"] = name;
  return account;
}

}  // namespace

absl::StatusOr<boost::json::array> ReadAccountsDir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return Problem(dir, absl::StrCat("cannot read the accounts directory: ", ec.message()));
  std::vector<std::pair<std::string, std::filesystem::path>> files;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::string file_name = it->path().filename().string();
    if (file_name.empty() || file_name[0] == '.') continue;
    // A Secret volume's entries are symlinks into its ..data directory: follow them.
    if (!std::filesystem::is_regular_file(it->path(), ec)) continue;
    std::string name = file_name;
    if (absl::EndsWith(name, ".json") && name.size() > 5) name.resize(name.size() - 5);
    files.emplace_back(std::move(name), it->path());
  }
  if (ec) return Problem(dir, absl::StrCat("cannot read the accounts directory: ", ec.message()));
  std::sort(files.begin(), files.end());
  boost::json::array accounts;
  for (size_t i = 0; i < files.size(); ++i) {
    if (i > 0 && files[i].first == files[i - 1].first) {
      return Problem(files[i].second,
                     absl::StrCat("a second file for the account \"", files[i].first, "\""));
    }
    absl::StatusOr<boost::json::object> account = AccountFromFile(files[i].second, files[i].first);
    if (!account.ok()) return account.status();
    accounts.emplace_back(std::move(*account));
  }
  return accounts;
}

absl::StatusOr<boost::json::array> ReadAccountsFile(const std::filesystem::path& file) {
  absl::StatusOr<std::string> text = ReadSmall(file, kMaxAccountsFileBytes);
  if (!text.ok()) return text.status();
  absl::StatusOr<boost::json::value> parsed = ParseJsonText(*text);
  if (!parsed.ok()) return Problem(file, "not JSON (the content is not shown)");
  boost::json::array* accounts = parsed->if_array();
  if (accounts == nullptr && parsed->is_object()) {
    if (boost::json::value* inner = parsed->get_object().if_contains("accounts")) {
      accounts = inner->if_array();
    }
  }
  if (accounts == nullptr) {
    return Problem(file, "expected a JSON array of accounts, or {\"accounts\": [...]}");
  }
  for (size_t i = 0; i < accounts->size(); ++i) {
    if (!(*accounts)[i].is_object()) {
      return Problem(file, absl::StrCat("accounts[", i, "]: expected an account object"));
    }
  }
  return std::move(*accounts);
}

}  // namespace maxpool::config
