#include "credentials/same_secret.h"

#include <openssl/crypto.h>

namespace maxpool::credentials {

bool SameSecret(std::string_view presented, std::string_view expected) {
  if (expected.empty() || presented.size() != expected.size()) return false;
  return CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

}  // namespace maxpool::credentials
