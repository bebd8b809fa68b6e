#pragma once

// `maxpool sessions`: the sessions the running server keeps on accounts (session affinity, from
// `x-maxpool-session` or Claude Code's session id), from RoutingService.ListSessions (every page):
// the session id, its home account and the account serving it now. Stateless.

#include <ostream>
#include <string>

#include "app/output_format.h"
#include "config/config_path.h"
#include "control_client/control_client.h"
#include "maxpool/v1/routing.pb.h"

namespace maxpool::app {

// The help of `maxpool sessions` (ends with a newline).
std::string SessionsUsageText();

// The sessions as a table (SESSION, HOME, CURRENT); "no sessions" when there are none. Ends with a
// newline.
std::string FormatSessions(const v1::ListSessionsResponse& sessions);

// Connects, lists every page, prints them as `format`: for json and yaml, one
// ListSessionsResponse with the sessions of all pages (nextPageToken empty). Returns kExitOk, or
// kExitFailure with one line on `err`.
int RunSessions(const control_client::ControlOptions& options, OutputFormat format,
                const config::EnvLookup& env, std::ostream& out, std::ostream& err);

}  // namespace maxpool::app
