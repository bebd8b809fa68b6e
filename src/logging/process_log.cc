#include "logging/process_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "logging/json_log_formatter.h"
#include "logging/request_log.h"
#include "spdlog/details/thread_pool.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/ostream_sink.h"

namespace maxpool::logging {
namespace {

constexpr char kServerLogger[] = "server";
constexpr char kRequestLogger[] = "request";
// Text lines: ISO-8601 UTC time with milliseconds, the level, the message.
constexpr char kTextPattern[] = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";

absl::StatusOr<spdlog::level::level_enum> LevelOf(const v1::LoggingConfig& config) {
  const std::string name = config.has_level() ? config.level() : "info";
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "critical") return spdlog::level::critical;
  if (name == "off") return spdlog::level::off;
  return absl::InvalidArgumentError(
      absl::StrCat("logging.level: \"", name,
                   "\" is not one of trace, debug, info, warn, error, critical, off"));
}

void AppendMember(std::string& out, std::string_view name, std::string_view value) {
  out.append(",\"").append(name).append("\":");
  AppendJsonString(value, out);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProcessLog>> ProcessLog::Create(const v1::LoggingConfig& config,
                                                               std::ostream& out,
                                                               size_t queue_size) {
  const std::string format = config.has_format() ? config.format() : "text";
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat("logging.format: \"", format, "\" is not one of text, json"));
  }
  absl::StatusOr<spdlog::level::level_enum> level = LevelOf(config);
  if (!level.ok()) return level.status();
  const bool json = format == "json";

  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out, /*force_flush=*/true);
  if (json) {
    sink->set_formatter(std::make_unique<JsonLogFormatter>(kRequestLogger));
  } else {
    sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        kTextPattern, spdlog::pattern_time_type::utc, std::string("\n")));
  }
  auto workers = std::make_shared<spdlog::details::thread_pool>(queue_size, 1);
  auto make_logger = [&](const char* name) {
    auto logger = std::make_shared<spdlog::async_logger>(
        name, sink, workers, spdlog::async_overflow_policy::overrun_oldest);
    logger->set_level(*level);
    return logger;
  };
  return std::unique_ptr<ProcessLog>(new ProcessLog(std::move(workers), make_logger(kServerLogger),
                                                    make_logger(kRequestLogger), json));
}

ProcessLog::ProcessLog(std::shared_ptr<spdlog::details::thread_pool> workers,
                       std::shared_ptr<spdlog::logger> server,
                       std::shared_ptr<spdlog::logger> request, bool json)
    : workers_(std::move(workers)),
      server_(std::move(server)),
      request_(std::move(request)),
      json_(json) {}

ProcessLog::~ProcessLog() {
  // The loggers only hold the workers weakly: drop them first, then the workers write what is
  // queued and join.
  server_.reset();
  request_.reset();
  workers_.reset();
}

void ProcessLog::Info(std::string_view line) { server_->info(line); }
void ProcessLog::Warn(std::string_view line) { server_->warn(line); }
void ProcessLog::Error(std::string_view line) { server_->error(line); }

void ProcessLog::Line(std::string_view line) {
  constexpr std::string_view kWarning = "warning: ";
  constexpr std::string_view kError = "error: ";
  if (line.starts_with(kWarning)) return Warn(line.substr(kWarning.size()));
  if (line.starts_with(kError)) return Error(line.substr(kError.size()));
  Info(line);
}

void ProcessLog::Request(const proxy::RequestLogLine& line) {
  const spdlog::level::level_enum level = (line.status >= 500 || line.truncated || line.aborted)
                                              ? spdlog::level::warn
                                              : spdlog::level::info;
  if (!request_->should_log(level)) return;
  if (json_) {
    request_->log(level, RequestJsonMembers(line));
  } else {
    request_->log(level, FormatRequestLine(line));
  }
}

size_t ProcessLog::dropped() const { return workers_->overrun_counter(); }

std::string RequestJsonMembers(const proxy::RequestLogLine& line) {
  std::string out = "\"msg\":";
  AppendJsonString(FormatRequestLine(line), out);
  std::string_view path = line.target;
  if (const size_t q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  AppendMember(out, "method", line.method);
  AppendMember(out, "path", path);
  AppendMember(out, "account", line.account);
  absl::StrAppendFormat(&out, ",\"status\":%u,\"duration_ms\":%.1f,\"attempts\":%d", line.status,
                        line.seconds * 1000, line.attempts);
  absl::StrAppend(&out, ",\"held\":", line.held ? "true" : "false",
                  ",\"truncated\":", line.truncated ? "true" : "false",
                  ",\"client_gone\":", line.client_gone ? "true" : "false",
                  ",\"aborted\":", line.aborted ? "true" : "false");
  if (line.input_tokens >= 0) absl::StrAppend(&out, ",\"input_tokens\":", line.input_tokens);
  if (line.output_tokens >= 0) absl::StrAppend(&out, ",\"output_tokens\":", line.output_tokens);
  if (line.upstream_ttfb_seconds >= 0) {
    absl::StrAppendFormat(&out, ",\"upstream_ttfb_ms\":%.1f", line.upstream_ttfb_seconds * 1000);
  }
  if (line.before_upstream_seconds >= 0) {
    absl::StrAppendFormat(&out, ",\"proxy_overhead_ms\":%.3f", line.before_upstream_seconds * 1000);
  }
  return out;
}

}  // namespace maxpool::logging
