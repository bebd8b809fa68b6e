#pragma once

// The per-request files of `maxpool server --log-to DIR` (spec §11.1): one file per finished
// request, `YYYYMMDD_HHMMSS.mmm_<id, 5 digits>.log` (local time of the request's start), with its
// upstream-bound request (credentials masked), its body, and the final hop's response and body.
// Bodies (prompts and answers) are written in full: the feature is for short debugging sessions.
//
// Threads: Submit() runs on the proxy's I/O threads and only queues (no I/O, no formatting); one
// background thread formats and writes. The queue is bounded by count and by bytes; records that
// do not fit are dropped, counted, and reported through `log` (at most every 10 s, and at the
// end). A file that cannot be written is reported once and skipped. Files are created 0600, and
// the directories this creates 0700.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "proxy/exchange_capture.h"

namespace maxpool::logging {

// --- Formatting (pure) -----------------------------------------------------------------------

// A header value as the file shows it: `x-api-key` keeps its first 15 characters, `authorization`
// and `proxy-authorization` their first 20, then `...` (at most half of a value that short, so
// a short secret is never shown whole). Other headers are returned as they are. Names in any case.
std::string MaskHeaderValue(std::string_view name, std::string_view value);

// `YYYYMMDD_HHMMSS.mmm_<id zero-padded to 5>.log`, in local time.
std::string RequestLogFileName(std::chrono::system_clock::time_point started, uint64_t id);

// `text` re-indented with two spaces (JSON.stringify(v, null, 2)), scalars kept as written; empty
// when `text` is not JSON.
std::string PrettyJson(std::string_view text);

// The whole file for one request (ends with a newline).
std::string FormatRequestLog(const proxy::ExchangeRecord& record);

// --- The writer --------------------------------------------------------------------------------

struct RequestFileLogOptions {
  std::filesystem::path dir;
  size_t max_body_bytes = size_t{4} << 20;  // per captured response body
  size_t max_queued = 1024;                 // records waiting for the writer
  size_t max_queued_bytes = size_t{256} << 20;
  // Problems (write failures, drops), one line per call. May be called from the writer thread.
  std::function<void(const std::string&)> log;
};

// Whether `dir` can be the request log directory (`--log-to`, `logDir`): a directory, or a path
// that does not exist yet (it is made at start, mode 0700). Error: FailedPrecondition naming the
// path when something else (a file) is there. `maxpool config check` and the server both use it,
// so they agree.
absl::Status CheckRequestLogDir(const std::filesystem::path& dir);

class RequestFileLog final : public proxy::ExchangeSink {
 public:
  // Creates `dir` (and its missing parents, mode 0700) and starts the writer. Error: the
  // directory cannot be created, or is not a directory.
  static absl::StatusOr<std::shared_ptr<RequestFileLog>> Open(RequestFileLogOptions options);
  // Writes what is queued, then stops; reports drops and failures not yet reported.
  ~RequestFileLog() override;

  RequestFileLog(const RequestFileLog&) = delete;
  RequestFileLog& operator=(const RequestFileLog&) = delete;

  void Submit(std::unique_ptr<proxy::ExchangeRecord> record) override;
  // Blocks until every record submitted before the call is written or has failed (tests).
  void Flush();

  struct Stats {
    uint64_t written = 0;
    uint64_t failed = 0;
    uint64_t dropped = 0;
  };
  Stats stats() const;

 private:
  explicit RequestFileLog(RequestFileLogOptions options);
  void Run();
  // Formats and writes one record; false when the file could not be written.
  bool Write(const proxy::ExchangeRecord& record);
  void Report(const std::string& line) const;

  const RequestFileLogOptions options_;
  mutable absl::Mutex mu_;
  std::deque<std::unique_ptr<proxy::ExchangeRecord>> queue_ ABSL_GUARDED_BY(mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t submitted_ ABSL_GUARDED_BY(mu_) = 0;  // accepted into the queue
  uint64_t done_ ABSL_GUARDED_BY(mu_) = 0;       // written or failed
  Stats stats_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Writer thread only.
  uint64_t dropped_reported_ = 0;
  std::chrono::steady_clock::time_point last_drop_report_{};
  bool failure_reported_ = false;
  std::thread thread_;
};

}  // namespace maxpool::logging
