#include "credentials/redact.h"

#include <openssl/evp.h>

#include <array>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/absl_view.h"

namespace maxpool::credentials {
namespace {

// Characters that can continue a token, key or code (base64url, JWT dots excluded on purpose:
// a sentence's final dot ends the token).
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '~' ||
         c == '+' || c == '/' || c == '=';
}

size_t TokenEnd(std::string_view text, size_t from) {
  size_t end = from;
  while (end < text.size() && IsTokenChar(text[end])) ++end;
  return end;
}

// JSON field names whose string values are secrets (compared case-insensitively).
constexpr std::string_view kSecretFields[] = {
    "access_token", "accesstoken",   "refresh_token", "refreshtoken",
    "api_key",      "apikey",        "auth_token",    "authtoken",
    "id_token",     "client_secret", "code_verifier", "codeverifier",
    "code",         "password",      "token",         "secret",
};

bool IsSecretField(std::string_view name) {
  for (std::string_view field : kSecretFields) {
    if (absl::EqualsIgnoreCase(core::AbslView(name), core::AbslView(field))) return true;
  }
  return false;
}

// Header names whose value is a credential, as "name:" (case-insensitive).
constexpr std::string_view kSecretHeaders[] = {
    "x-api-key:", "authorization:", "proxy-authorization:"};

}  // namespace

std::string Fingerprint(std::string_view secret) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(secret.data(), secret.size(), digest.data(), &length, EVP_sha256(), nullptr) !=
          1 ||
      length < 4) {
    std::abort();  // SHA-256 of an in-memory buffer cannot fail short of a broken libcrypto
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 0; i < 4; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0x0f];
  }
  return out;
}

std::string MaskSecret(std::string_view secret) {
  if (secret.empty()) return "[empty]";
  return absl::StrCat("[redacted ", Fingerprint(secret), "]");
}

std::string Redact(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const std::string_view rest = text.substr(i);
    // sk-ant-<kind>-<secret>: keep the kind prefix ("sk-ant-oat01-"), mask the rest.
    if (rest.starts_with("sk-ant-")) {
      const size_t end = TokenEnd(text, i);
      const std::string_view token = text.substr(i, end - i);
      size_t kind_end = token.find('-', 7);
      kind_end = kind_end == std::string_view::npos ? 7 : kind_end + 1;
      absl::StrAppend(&out, core::AbslView(token.substr(0, kind_end)), "…", MaskSecret(token));
      i = end;
      continue;
    }
    // Bearer <token>
    if (absl::StartsWithIgnoreCase(core::AbslView(rest), "bearer ")) {
      size_t start = i + 7;
      while (start < text.size() && text[start] == ' ') ++start;
      const size_t end = TokenEnd(text, start);
      if (end > start) {
        absl::StrAppend(&out, core::AbslView(text.substr(i, start - i)),
                        MaskSecret(text.substr(start, end - start)));
        i = end;
        continue;
      }
    }
    // Credential headers: "x-api-key: value".
    bool header = false;
    for (std::string_view name : kSecretHeaders) {
      if (absl::StartsWithIgnoreCase(core::AbslView(rest), core::AbslView(name)) &&
          (i == 0 || !IsTokenChar(text[i - 1]))) {
        size_t start = i + name.size();
        while (start < text.size() && text[start] == ' ') ++start;
        // "authorization: Bearer x" is handled by the Bearer rule on the next pass.
        if (absl::StartsWithIgnoreCase(core::AbslView(text.substr(start)), "bearer ")) break;
        const size_t end = TokenEnd(text, start);
        if (end > start) {
          absl::StrAppend(&out, core::AbslView(text.substr(i, start - i)),
                          MaskSecret(text.substr(start, end - start)));
          i = end;
          header = true;
        }
        break;
      }
    }
    if (header) continue;
    // JSON "name": "value" with a secret name.
    if (text[i] == '"') {
      const size_t name_end = text.find('"', i + 1);
      if (name_end != std::string_view::npos) {
        const std::string_view name = text.substr(i + 1, name_end - i - 1);
        size_t colon = name_end + 1;
        while (colon < text.size() && text[colon] == ' ') ++colon;
        if (colon < text.size() && text[colon] == ':' && IsSecretField(name)) {
          size_t quote = colon + 1;
          while (quote < text.size() && text[quote] == ' ') ++quote;
          if (quote < text.size() && text[quote] == '"') {
            size_t value_end = quote + 1;
            while (value_end < text.size() && text[value_end] != '"') {
              value_end += text[value_end] == '\\' ? 2 : 1;
            }
            if (value_end < text.size()) {
              absl::StrAppend(&out, core::AbslView(text.substr(i, quote + 1 - i)),
                              MaskSecret(text.substr(quote + 1, value_end - quote - 1)), "\"");
              i = value_end + 1;
              continue;
            }
          }
        }
      }
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

}  // namespace maxpool::credentials
