#pragma once

// Header rewriting between the client and the upstream (spec §6.3, §4.8, §13 items 8 and 19):
// what the client sent minus hop-by-hop headers, maxpool's own control headers and the client's
// credentials, plus the account's credential; and what the upstream answered minus the headers
// that describe the upstream hop.

#include <string_view>

#include "boost/beast/http/fields.hpp"
#include "pool/credential.h"

namespace maxpool::proxy {

inline constexpr std::string_view kOAuthBeta = "oauth-2025-04-20";

// Fills `out` with the headers to send upstream for one attempt. Drops hop-by-hop headers (and
// any named in `Connection`), every `x-maxpool-*` and legacy `x-teamclaude-*` header,
// `x-api-key`, `authorization`, `content-length`, `accept-encoding` (bodies are relayed as they
// come, so they must not be compressed), and `anthropic-beta` when `strip_beta`. Then injects
// the credential: OAuth adds `Authorization: Bearer` and merges `oauth-2025-04-20` into
// `anthropic-beta`; API keys add `x-api-key`; provider tokens add `Authorization: Bearer`.
// Sets `host` to `upstream_host`.
void BuildUpstreamHeaders(const boost::beast::http::fields& client,
                          const pool::Credential& credential, bool strip_beta,
                          std::string_view upstream_host, boost::beast::http::fields& out);

// Copies upstream response headers for the client, minus transfer-encoding, connection,
// keep-alive, content-encoding and content-length (the proxy frames the body itself).
void CopyResponseHeaders(const boost::beast::http::fields& upstream,
                         boost::beast::http::fields& out);

// True for headers that must never cross the proxy (hop-by-hop, RFC 9110 §7.6.1). Any case.
bool IsHopByHop(std::string_view name);

}  // namespace maxpool::proxy
