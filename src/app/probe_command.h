#pragma once

// `maxpool probe [URL]`: a health check for a container's HEALTHCHECK, where there is no curl.
// GET URL (default DefaultProbeUrl: the admin listener's /livez) with a limit on the whole
// exchange (2 s); exit 0 on a 200 answer, else 1 with one line on stderr that says why (the
// status and the start of the body, or the connection failure). Plain http:// to a loopback
// address, or https:// anywhere (verified against the system CA store): net::SendJson.
// Stateless.

#include <chrono>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config/config_path.h"

namespace maxpool::app {

struct ProbeArgs {
  std::optional<std::string> url;  // default DefaultProbeUrl(env)
  std::chrono::milliseconds timeout{2000};
};

// The help of `maxpool probe` (ends with a newline).
std::string ProbeUsageText();

// The check that needs no network: the URL starts with http:// or https://. InvalidArgument with
// a one-line reason otherwise.
absl::Status CheckProbeUrl(const std::string& url);

// "http://HOST:PORT/livez": HOST is $MAXPOOL_ADMIN_HOST, except that unset, empty or a wildcard
// address ("0.0.0.0", "::", "*") means 127.0.0.1, and an IPv6 literal is bracketed; PORT is
// $MAXPOOL_ADMIN_PORT, else 3458. Error: InvalidArgument when $MAXPOOL_ADMIN_PORT is not a port
// number from 1 to 65535.
[[nodiscard]] absl::StatusOr<std::string> DefaultProbeUrl(const config::EnvLookup& env);

// Probes; on a 200 answer prints "maxpool probe: 200 from URL" on `out` and returns 0; else one
// "maxpool: " line on `err` and returns 1.
int RunProbe(const ProbeArgs& args, const config::EnvLookup& env, std::ostream& out,
             std::ostream& err);

}  // namespace maxpool::app
