#include "pool/credential.h"

#include "credentials/redact.h"

namespace maxpool::pool {

std::string Fingerprint(const std::string& secret) { return credentials::Fingerprint(secret); }

}  // namespace maxpool::pool
