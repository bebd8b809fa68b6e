#pragma once

// The persistent event log (spec §11.2): every console log/error line is appended to
// `<config>.log` as "<ISO-8601 UTC timestamp with milliseconds> <message>\n".
//
// Before a line is written:
//   - runs of '\r'/'\n' in the message collapse to one space;
//   - secrets are masked by credentials::Redact, plus one extra pass for the unquoted
//     `access_token=…` / `refreshToken: …` / `api-key=…` forms Redact does not cover (the value,
//     when at least 8 token characters long, becomes "[redacted]");
//   - the body (the message part) is capped at 480 bytes, never cut inside a UTF-8 character,
//     with a "…" suffix when cut, so each line stays one small atomic O_APPEND write.
//
// Append() never blocks on I/O and never throws: lines are queued (at most 10000 pending);
// overflow lines are dropped and counted, and a "dropped N line(s)" line is written after the
// lines that were queued before them. A background thread writes the queue, and at most every
// 2 s checks the file: when it is larger than 5 MB it shifts `.N` -> `.N+1` for
// N = generations-1..1 and renames the live file to `.1` (the old `.generations` is replaced,
// i.e. dropped), then opens a fresh live file. If another process rotated the file, the writer
// notices the path names a different file and reopens it. The file mode is 0600, re-applied to
// an existing file.
//
// Thread safety: Append() and Flush() may be called from any thread.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace maxpool::logging {

struct EventLogOptions {
  // Rotate when the live file is larger than this.
  int64_t max_bytes = 5 * 1024 * 1024;
  // Rotated files kept (`.1` .. `.generations`); values below 1 count as 1. See
  // EventLogGenerationsFromEnv().
  int generations = 5;
  // How often the writer thread checks the file for rotation.
  absl::Duration rotate_check_interval = absl::Seconds(2);
  // False for a process that is not the rotation owner: it still reopens the file when the
  // owner has rotated it, but never rotates itself.
  bool rotate = true;
  // Lines queued and not yet written; further lines are dropped and counted.
  size_t max_pending = 10000;
  // Tests only: the writer thread waits for this before writing anything (must be notified
  // before the EventLog is destroyed).
  absl::Notification* writer_gate = nullptr;
};

// The generation count from the environment variable MAXPOOL_LOG_GENERATIONS (a positive
// integer), else `fallback`.
int EventLogGenerationsFromEnv(int fallback = 5);

// "2024-05-01T12:34:56.789Z" (UTC, milliseconds).
std::string EventLogTimestamp(absl::Time time);

// The body as written: newlines collapsed, secrets redacted, capped at `max_bytes` (UTF-8 safe,
// "…" suffix when cut).
std::string EventLogBody(std::string_view message, size_t max_bytes = 480);

// One whole line, "<timestamp> <body>\n".
std::string FormatEventLogLine(absl::Time time, std::string_view message);

class EventLog {
 public:
  // Opens (creating if needed, mode 0600) `path` for appending and starts the writer thread.
  // The directory must exist.
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(std::filesystem::path path,
                                                        EventLogOptions options = {});

  // Writes everything appended so far, then stops the writer thread.
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Queues `message`, stamped with the current time. Never blocks on I/O, never throws.
  void Append(std::string_view message) noexcept;

  // Waits until every line appended before the call (and any "dropped" line they caused) has
  // been handed to the file.
  void Flush();

  const std::filesystem::path& path() const { return path_; }
  // Lines dropped because the queue was full, since Open.
  uint64_t dropped_total() const;

 private:
  struct Pending {
    absl::Time time;
    std::string message;
  };

  EventLog(std::filesystem::path path, EventLogOptions options, int fd);

  void Run();
  // Writes all of `data`, retrying short writes; errors are ignored (the log must not fail the
  // proxy) and the file is reopened at the next check.
  void WriteAll(std::string_view data);
  // Reopens the path if it no longer names the open file, rotates when due.
  void CheckFile();
  void Rotate();
  bool Reopen();

  const std::filesystem::path path_;
  const EventLogOptions options_;
  int fd_;  // writer thread only (and the constructor/destructor)

  mutable absl::Mutex mu_;
  absl::CondVar work_cv_;     // the writer waits for lines or stop
  absl::CondVar flushed_cv_;  // Flush() waits for written_
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t dropped_pending_ ABSL_GUARDED_BY(mu_) = 0;  // not yet reported by a sentinel
  uint64_t dropped_total_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t appended_ ABSL_GUARDED_BY(mu_) = 0;  // Append() calls, queued or dropped
  uint64_t written_ ABSL_GUARDED_BY(mu_) = 0;   // of those, written (or reported dropped)
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;  // last: started once the rest is initialised
};

}  // namespace maxpool::logging
