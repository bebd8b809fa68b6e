#pragma once

// When the server is not ready to serve (/readyz): readiness is about configuration, not quota.
// An account at its limit still counts (it comes back by itself, and a pod whose sidecar turned
// unready on a busy afternoon would be taken out of service for nothing); a pool with no
// account, only disabled accounts, or only accounts whose login is gone does not. Pure.

#include <optional>
#include <string>
#include <vector>

#include "core/account.h"

namespace maxpool::server {

// Why no request can be served until an operator acts, or nullopt when one can. E.g.
// "no account is configured; add one with `maxpool login` or the control plane".
std::optional<std::string> NotReadyReason(const std::vector<core::Account>& accounts);

}  // namespace maxpool::server
