#include "fake/http_request.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "core/absl_view.h"

namespace maxpool::fake {
namespace {

std::string_view View(boost::beast::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace

bool HasBeta(const HttpRequest& request, std::string_view flag) {
  auto range = request.equal_range("anthropic-beta");
  for (auto it = range.first; it != range.second; ++it) {
    for (absl::string_view part : absl::StrSplit(core::AbslView(View(it->value())), ',')) {
      if (absl::StripAsciiWhitespace(part) == core::AbslView(flag)) return true;
    }
  }
  return false;
}

std::string BearerToken(const HttpRequest& request) {
  auto it = request.find(boost::beast::http::field::authorization);
  if (it == request.end()) return {};
  const absl::string_view value = absl::StripAsciiWhitespace(core::AbslView(View(it->value())));
  if (value.size() < 7 || !absl::EqualsIgnoreCase(value.substr(0, 7), "bearer ")) return {};
  return std::string(absl::StripAsciiWhitespace(value.substr(7)));
}

}  // namespace maxpool::fake
