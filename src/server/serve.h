#pragma once

// Running a started ServerRuntime as this process's server until it has drained: its warnings
// and where it listens (the process log and `out`), then the first SIGINT or SIGTERM drains it
// (shutdown.drainTimeoutMs) and a second one stops it at once; SIGHUP reloads the configuration
// as the control plane's ReloadConfig does. Once drained, those signals are ignored (a SIGTERM
// right after a preStop drain must not turn a clean exit into death by signal) and the runtime
// is stopped. One call per process; blocks.

#include <functional>
#include <ostream>

#include "logging/process_log.h"
#include "server/server_runtime.h"

namespace maxpool::server {

// How the server ended.
enum class ServeEnd {
  kDrained,  // the drain finished
  kForced,   // a second signal stopped it before the drain finished
};

// `foreground` runs on the calling thread once the signals are handled (the attached live view),
// before the wait for the drain; null for none.
ServeEnd ServeUntilDrained(ServerRuntime& runtime, logging::ProcessLog& log, std::ostream& out,
                           const std::function<void()>& foreground);

}  // namespace maxpool::server
