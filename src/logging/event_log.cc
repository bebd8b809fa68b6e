#include "logging/event_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/absl_view.h"
#include "credentials/redact.h"

namespace maxpool::logging {
namespace {

constexpr size_t kMaxBodyBytes = 480;
constexpr std::string_view kEllipsis = "…";  // 3 bytes of UTF-8
constexpr size_t kMinSecretChars = 8;

// Key names whose unquoted `key: value` / `key=value` value is a secret (case-insensitive).
constexpr std::string_view kSecretKeys[] = {
    "access_token", "access-token", "accesstoken",  "refresh_token", "refresh-token",
    "refreshtoken", "api_key",      "api-key",      "apikey",        "auth_token",
    "authtoken",    "id_token",     "client_secret"};

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '~' ||
         c == '+' || c == '/' || c == '=' || c == '.';
}

// The part of §11.2 redaction credentials::Redact leaves to us: `key: value` and `key=value`
// (optionally quoted) with a secret key name and a value of at least 8 token characters. Values
// Redact already masked start with '[' and are left alone.
std::string RedactKeyValues(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const std::string_view rest = text.substr(i);
    bool replaced = false;
    for (std::string_view key : kSecretKeys) {
      if (!absl::StartsWithIgnoreCase(core::AbslView(rest), core::AbslView(key))) continue;
      size_t p = i + key.size();
      if (p < text.size() && (text[p] == '"' || text[p] == '\'')) ++p;
      while (p < text.size() && text[p] == ' ') ++p;
      if (p >= text.size() || (text[p] != ':' && text[p] != '=')) break;
      ++p;
      while (p < text.size() && text[p] == ' ') ++p;
      if (p < text.size() && (text[p] == '"' || text[p] == '\'')) ++p;
      size_t end = p;
      while (end < text.size() && IsTokenChar(text[end])) ++end;
      if (end - p >= kMinSecretChars) {
        absl::StrAppend(&out, core::AbslView(text.substr(i, p - i)), "[redacted]");
        i = end;
        replaced = true;
      }
      break;
    }
    if (replaced) continue;
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

std::string CollapseNewlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      while (i + 1 < text.size() && (text[i + 1] == '\n' || text[i + 1] == '\r')) ++i;
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

absl::Status ErrnoStatus(std::string_view what, const std::filesystem::path& path) {
  return absl::InternalError(
      absl::StrCat(core::AbslView(what), " ", path.string(), ": ", std::strerror(errno)));
}

int OpenForAppend(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  // The mode in open() applies only when creating; an existing file gets 0600 too.
  if (::fchmod(fd, 0600) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::filesystem::path Generation(const std::filesystem::path& path, int n) {
  std::filesystem::path out = path;
  out += absl::StrCat(".", n);
  return out;
}

}  // namespace

int EventLogGenerationsFromEnv(int fallback) {
  const char* value = std::getenv("MAXPOOL_LOG_GENERATIONS");
  int parsed = 0;
  if (value == nullptr || !absl::SimpleAtoi(value, &parsed) || parsed < 1) return fallback;
  return parsed;
}

std::string EventLogTimestamp(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

std::string EventLogBody(std::string_view message, size_t max_bytes) {
  std::string body = RedactKeyValues(credentials::Redact(CollapseNewlines(message)));
  if (body.size() <= max_bytes) return body;
  size_t cut = max_bytes >= kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  // body[cut] is the first byte dropped; step back while it is a continuation byte.
  while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80) --cut;
  body.resize(cut);
  body.append(kEllipsis);
  return body;
}

std::string FormatEventLogLine(absl::Time time, std::string_view message) {
  return absl::StrCat(EventLogTimestamp(time), " ", EventLogBody(message, kMaxBodyBytes), "\n");
}

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Open(std::filesystem::path path,
                                                         EventLogOptions options) {
  const int fd = OpenForAppend(path);
  if (fd < 0) return ErrnoStatus("cannot open event log", path);
  return std::unique_ptr<EventLog>(new EventLog(std::move(path), options, fd));
}

EventLog::EventLog(std::filesystem::path path, EventLogOptions options, int fd)
    : path_(std::move(path)), options_(options), fd_(fd), thread_([this] { Run(); }) {}

EventLog::~EventLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    work_cv_.Signal();
  }
  thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

void EventLog::Append(std::string_view message) noexcept {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  ++appended_;
  bool queued = false;
  if (queue_.size() < options_.max_pending) {
    try {
      queue_.push_back(Pending{now, std::string(message)});
      queued = true;
    } catch (...) {  // allocation failure: count it as dropped rather than throw
    }
  }
  if (!queued) {
    ++dropped_pending_;
    ++dropped_total_;
  }
  work_cv_.Signal();
}

void EventLog::Flush() {
  absl::MutexLock lock(&mu_);
  const uint64_t target = appended_;
  while (written_ < target) flushed_cv_.Wait(&mu_);
}

uint64_t EventLog::dropped_total() const {
  absl::MutexLock lock(&mu_);
  return dropped_total_;
}

void EventLog::Run() {
  if (options_.writer_gate != nullptr) options_.writer_gate->WaitForNotification();
  absl::Time next_check = absl::Now() + options_.rotate_check_interval;
  std::vector<Pending> batch;
  while (true) {
    uint64_t dropped = 0;
    uint64_t upto = 0;
    bool stop = false;
    {
      absl::MutexLock lock(&mu_);
      while (queue_.empty() && dropped_pending_ == 0 && !stopping_ && absl::Now() < next_check) {
        work_cv_.WaitWithDeadline(&mu_, next_check);
      }
      batch.swap(queue_);
      dropped = std::exchange(dropped_pending_, 0);
      upto = appended_;
      stop = stopping_;
    }
    if (!batch.empty() || dropped > 0) {
      std::string data;
      for (const Pending& line : batch) data += FormatEventLogLine(line.time, line.message);
      if (dropped > 0) {
        data += FormatEventLogLine(absl::Now(), absl::StrCat("dropped ", dropped, " line(s)"));
      }
      batch.clear();
      WriteAll(data);
    }
    if (absl::Now() >= next_check) {
      CheckFile();
      next_check = absl::Now() + options_.rotate_check_interval;
    }
    {
      absl::MutexLock lock(&mu_);
      written_ = upto;
      flushed_cv_.SignalAll();
      if (stop && queue_.empty() && dropped_pending_ == 0) return;
    }
  }
}

void EventLog::WriteAll(std::string_view data) {
  if (fd_ < 0 && !Reopen()) return;
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

bool EventLog::Reopen() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = OpenForAppend(path_);
  return fd_ >= 0;
}

void EventLog::CheckFile() {
  struct stat on_path {};
  struct stat open_file {};
  if (fd_ < 0 || ::stat(path_.c_str(), &on_path) != 0 || ::fstat(fd_, &open_file) != 0 ||
      on_path.st_ino != open_file.st_ino || on_path.st_dev != open_file.st_dev) {
    // Deleted, or rotated by another process: write to the file the path names now.
    if (!Reopen()) return;
    if (::fstat(fd_, &on_path) != 0) return;
  }
  if (options_.rotate && on_path.st_size > options_.max_bytes) Rotate();
}

void EventLog::Rotate() {
  const int generations = options_.generations < 1 ? 1 : options_.generations;
  for (int n = generations - 1; n >= 1; --n) {
    // A missing generation is normal (young log); rename() then fails with ENOENT.
    ::rename(Generation(path_, n).c_str(), Generation(path_, n + 1).c_str());
  }
  ::rename(path_.c_str(), Generation(path_, 1).c_str());
  Reopen();
}

}  // namespace maxpool::logging
