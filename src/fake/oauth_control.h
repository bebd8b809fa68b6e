#pragma once

// The /_fake/oauth control paths (listed in control_api.h), which drive the fake's OAuth server
// (oauth_registry.h) from tests in other processes:
//   GET  /_fake/oauth           the OAuth state as JSON (OAuthRegistry::ToJson)
//   POST /_fake/oauth/accounts  {"credential":…, any oauth_spec.h field} or an array of them
//   POST /_fake/oauth/codes     {"credential","code_challenge","state"?,"redirect_uri"?}
//                               -> {"code":…}
//   POST /_fake/oauth/script    {"faults":[…], "replace":false}
//   POST /_fake/oauth/default   {"fault":…}
//   POST /_fake/oauth/expire    {"credential":…}
// Errors as the rest of the control API: 400 bad body, 404 unknown credential or path, 405.
// Thread-safe.

#include <string_view>

#include "fake/fake_state.h"
#include "fake/http_request.h"
#include "fake/plan.h"

namespace maxpool::fake {

// REQUIRES: `path` is "/_fake/oauth" or under "/_fake/oauth/" (query stripped).
Plan HandleOAuthControl(FakeState& state, const HttpRequest& request, std::string_view path);

}  // namespace maxpool::fake
