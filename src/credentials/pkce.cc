#include "credentials/pkce.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "boost/url/parse.hpp"
#include "core/absl_view.h"

namespace maxpool::credentials {
namespace {

constexpr size_t kRandomBytes = 32;  // spec §7.2 step 1, for the verifier and for the state

// application/x-www-form-urlencoded byte serializer (WHATWG URL §5.2), as URLSearchParams does.
void AppendFormEncoded(std::string_view value, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '*' || c == '-' || c == '.' || c == '_') {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
}

void AppendParam(std::string_view name, std::string_view value, std::string& out) {
  if (!out.empty()) out.push_back('&');
  AppendFormEncoded(name, out);
  out.push_back('=');
  AppendFormEncoded(value, out);
}

}  // namespace

std::string Base64UrlNoPad(std::string_view bytes) {
  return absl::WebSafeBase64Escape(core::AbslView(bytes));  // web-safe alphabet, no padding
}

std::string S256Challenge(std::string_view verifier) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(verifier.data(), verifier.size(), digest.data(), &length, EVP_sha256(), nullptr) !=
      1) {
    std::abort();  // SHA-256 of an in-memory buffer cannot fail short of a broken libcrypto
  }
  return Base64UrlNoPad(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

PkceSession MakePkce(std::string_view verifier_bytes, std::string_view state_bytes) {
  PkceSession session;
  session.verifier = Base64UrlNoPad(verifier_bytes);
  session.challenge = S256Challenge(session.verifier);
  session.state = Base64UrlNoPad(state_bytes);
  return session;
}

absl::StatusOr<PkceSession> MakePkce() {
  std::array<unsigned char, 2 * kRandomBytes> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return absl::InternalError("cannot start a login: the system random generator failed");
  }
  const std::string_view bytes(reinterpret_cast<const char*>(random.data()), random.size());
  PkceSession session = MakePkce(bytes.substr(0, kRandomBytes), bytes.substr(kRandomBytes));
  OPENSSL_cleanse(random.data(), random.size());
  return session;
}

absl::StatusOr<std::string> AuthorizeUrl(std::string_view authorize_base,
                                         std::string_view client_id, std::string_view redirect_uri,
                                         std::string_view scopes, const PkceSession& pkce) {
  const auto parsed = boost::urls::parse_uri(
      boost::core::string_view(authorize_base.data(), authorize_base.size()));
  if (!parsed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "authorize URL \"", core::AbslView(authorize_base), "\" is not an absolute URL"));
  }
  if (parsed->scheme_id() != boost::urls::scheme::http &&
      parsed->scheme_id() != boost::urls::scheme::https) {
    return absl::InvalidArgumentError(absl::StrCat(
        "authorize URL \"", core::AbslView(authorize_base), "\" must be http or https"));
  }
  if (parsed->has_fragment()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "authorize URL \"", core::AbslView(authorize_base), "\" must not have a #fragment"));
  }
  std::string query;
  AppendParam("code", "true", query);
  AppendParam("client_id", client_id, query);
  AppendParam("response_type", "code", query);
  AppendParam("redirect_uri", redirect_uri, query);
  AppendParam("scope", scopes, query);
  AppendParam("code_challenge", pkce.challenge, query);
  AppendParam("code_challenge_method", "S256", query);
  AppendParam("state", pkce.state, query);

  std::string url(authorize_base);
  if (!parsed->has_query()) {
    url.push_back('?');
  } else if (!parsed->encoded_query().empty() && !url.ends_with('&')) {
    url.push_back('&');
  }
  url += query;
  return url;
}

}  // namespace maxpool::credentials
