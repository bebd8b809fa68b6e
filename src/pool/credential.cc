#include "pool/credential.h"

#include <openssl/evp.h>

#include <array>
#include <cstdlib>

namespace maxpool::pool {

std::string Fingerprint(const std::string& secret) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(secret.data(), secret.size(), digest.data(), &length, EVP_sha256(), nullptr) !=
          1 ||
      length < 4) {
    // SHA-256 of an in-memory buffer cannot fail short of a broken libcrypto.
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 0; i < 4; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace maxpool::pool
