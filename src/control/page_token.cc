#include "control/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/absl_view.h"

namespace maxpool::control {

std::string EncodePageToken(std::string_view list, std::string_view after) {
  return absl::WebSafeBase64Escape(absl::StrCat(core::AbslView(list), "\n", core::AbslView(after)));
}

absl::StatusOr<std::string> DecodePageToken(std::string_view list, std::string_view token) {
  if (token.empty()) return std::string();
  std::string raw;
  const std::string prefix = absl::StrCat(core::AbslView(list), "\n");
  if (!absl::WebSafeBase64Unescape(core::AbslView(token), &raw) || !absl::StartsWith(raw, prefix) ||
      raw.size() == prefix.size()) {
    return absl::InvalidArgumentError(
        "not a page token of this list: pass back next_page_token unchanged, or leave it empty "
        "for the first page");
  }
  return raw.substr(prefix.size());
}

absl::StatusOr<int> EffectivePageSize(int32_t page_size, int default_size, int max_size) {
  if (page_size < 0) return absl::InvalidArgumentError("must not be negative");
  if (page_size == 0) return default_size;
  return page_size > max_size ? max_size : static_cast<int>(page_size);
}

}  // namespace maxpool::control
