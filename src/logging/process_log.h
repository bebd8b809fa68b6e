#pragma once

// The server's process log (docs/architecture.md "Observability"): operational lines (drain,
// hot-sync, refreshes, warnings) and one activity line per finished request, through spdlog, as
// text or JSON lines (config `logging.format`), filtered by `logging.level`.
//
//   text: 2026-11-26T11:40:00.123Z info POST /v1/messages → work (200, 3.2s)
//   json: {"time":"…","level":"info","logger":"request","msg":"POST /v1/messages → work (200,
//          3.2s)","method":"POST","path":"/v1/messages","account":"work","status":200,…}
//
// Lines are queued (bounded; when full the oldest is dropped and counted) and written by one
// background thread in the order they were logged, so no request path waits on terminal or disk
// I/O. The destructor writes what is queued. Callers pass text that is already redacted.
//
// Thread safety: every method may be called from any thread.

#include <cstddef>
#include <memory>
#include <ostream>
#include <string_view>

#include "absl/status/statusor.h"
#include "maxpool/v1/config.pb.h"
#include "proxy/proxy_server.h"
#include "spdlog/async_logger.h"

namespace maxpool::logging {

class ProcessLog {
 public:
  // Logs to `out` (the server's stderr). Error: InvalidArgument for an unknown format or level
  // (the config loader rejects those first).
  static absl::StatusOr<std::unique_ptr<ProcessLog>> Create(const v1::LoggingConfig& config,
                                                            std::ostream& out,
                                                            size_t queue_size = 8192);
  ~ProcessLog();
  ProcessLog(const ProcessLog&) = delete;
  ProcessLog& operator=(const ProcessLog&) = delete;

  void Info(std::string_view line);
  void Warn(std::string_view line);
  void Error(std::string_view line);
  // A line from a component that marks its severity with a prefix: "warning: …" is a warning and
  // "error: …" an error (the prefix is dropped); anything else is info.
  void Line(std::string_view line);
  // One finished request: info, or warn when it failed (5xx) or its stream was cut.
  void Request(const proxy::RequestLogLine& line);

  // Lines dropped because the queue was full, since the start.
  size_t dropped() const;

 private:
  ProcessLog(std::shared_ptr<spdlog::details::thread_pool> workers,
             std::shared_ptr<spdlog::logger> server, std::shared_ptr<spdlog::logger> request,
             bool json);

  std::shared_ptr<spdlog::details::thread_pool> workers_;
  std::shared_ptr<spdlog::logger> server_;
  std::shared_ptr<spdlog::logger> request_;
  const bool json_;
};

// The JSON members of a request line (without braces), as ProcessLog writes them in JSON mode.
std::string RequestJsonMembers(const proxy::RequestLogLine& line);

}  // namespace maxpool::logging
