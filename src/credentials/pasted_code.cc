#include "credentials/pasted_code.h"

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/url/parse.hpp"
#include "core/absl_view.h"

namespace maxpool::credentials {
namespace {

constexpr std::string_view kPasteHint = "paste the code shown after you sign in";

absl::Status EmptyCode() { return absl::InvalidArgumentError(core::AbslView(kPasteHint)); }

absl::Status StateMismatch() {
  return absl::FailedPreconditionError(
      "this code belongs to another login attempt (its state does not match this one); sign in "
      "again with the URL printed above and paste the code it shows");
}

absl::StatusOr<std::string> CheckedCode(std::string_view code,
                                        std::optional<std::string_view> state,
                                        std::string_view expected_state) {
  if (code.empty()) return EmptyCode();
  if (state.has_value() && *state != expected_state) return StateMismatch();
  return std::string(code);
}

// One query component, decoded as a form would be: '+' is a space, "%XX" its byte; a '%' not
// followed by two hex digits stays as it is.
std::string FormDecoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && absl::ascii_isxdigit(text[i + 1]) &&
               absl::ascii_isxdigit(text[i + 2])) {
      auto hex = [](char h) { return absl::ascii_isdigit(h) ? h - '0' : (h | 0x20) - 'a' + 10; };
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool HasWhitespace(std::string_view text) {
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

absl::StatusOr<std::string> CodeFromUrl(std::string_view text, std::string_view expected_state) {
  const auto url = boost::urls::parse_uri(boost::core::string_view(text.data(), text.size()));
  if (!url) {
    return absl::InvalidArgumentError(
        "the pasted text looks like a URL but cannot be parsed; paste the code shown after you "
        "sign in, or the whole address of the page it redirected to");
  }
  std::optional<std::string> code;
  std::optional<std::string> state;
  std::optional<std::string> error;
  // The query is split here rather than through Boost.URL's params(): in Boost 1.81, iterating
  // the parameters of an empty query followed by a fragment ("http://host/?#x") runs past the
  // string and crashes.
  const std::string_view query(url->encoded_query().data(), url->encoded_query().size());
  for (std::string_view rest = query; url->has_query();) {
    const size_t amp = rest.find('&');
    const std::string_view param = rest.substr(0, amp);
    if (const size_t eq = param.find('='); eq != std::string_view::npos) {
      const std::string key = FormDecoded(param.substr(0, eq));
      std::string value = FormDecoded(param.substr(eq + 1));
      if (key == "code" && !code.has_value()) code = value;
      if (key == "state" && !state.has_value()) state = value;
      if (key == "error" && !error.has_value()) error = std::move(value);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  if (!code.has_value()) {
    if (error.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("sign-in failed (", core::AbslView(*error), "); start the login again"));
    }
    return absl::InvalidArgumentError(
        "the pasted URL has no code parameter; paste the code shown after you sign in");
  }
  return CheckedCode(*code, state, expected_state);
}

}  // namespace

absl::StatusOr<std::string> ParsePastedCode(std::string_view text,
                                            std::string_view expected_state) {
  const std::string_view trimmed = core::StdView(absl::StripAsciiWhitespace(core::AbslView(text)));
  if (trimmed.empty()) return EmptyCode();
  if (absl::StartsWithIgnoreCase(core::AbslView(trimmed), "http://") ||
      absl::StartsWithIgnoreCase(core::AbslView(trimmed), "https://")) {
    return CodeFromUrl(trimmed, expected_state);
  }
  if (HasWhitespace(trimmed)) {
    return absl::InvalidArgumentError(
        "the pasted text contains spaces; paste only the code shown after you sign in");
  }
  const size_t hash = trimmed.find('#');
  if (hash != std::string_view::npos) {
    const std::string_view state = trimmed.substr(hash + 1);
    return CheckedCode(trimmed.substr(0, hash),
                       state.empty() ? std::nullopt : std::optional<std::string_view>(state),
                       expected_state);
  }
  return std::string(trimmed);
}

}  // namespace maxpool::credentials
