#include "logging/request_file_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "boost/json/parse.hpp"
#include "core/absl_view.h"

namespace maxpool::logging {
namespace {

using proxy::ExchangeRecord;
using proxy::HeaderList;

constexpr size_t kRequestBodyChars = 4096;   // a request body that is not JSON
constexpr size_t kResponseBodyBytes = 8192;  // a response body that is not JSON
constexpr auto kDropReportEvery = std::chrono::seconds(10);

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The first `n` UTF-8 characters of `s`.
std::string_view PrefixChars(std::string_view s, size_t n) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsContinuation(s[i]) && chars++ == n) return s.substr(0, i);
  }
  return s;
}

// At most `n` bytes of `s`, not cutting a UTF-8 character.
std::string_view PrefixBytes(std::string_view s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && IsContinuation(s[n])) --n;
  return s.substr(0, n);
}

// One `  name: value` line per header, names in lower case (as HTTP/2 and Node show them).
void AppendHeaders(std::string& out, const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    absl::StrAppend(&out, "  ", absl::AsciiStrToLower(name), ": ", MaskHeaderValue(name, value),
                    "\n");
  }
}

// A body as JSON re-indented, else its start under a title that gives its size.
void AppendBody(std::string& out, std::string_view title, std::string_view body,
                uint64_t total_bytes, size_t limit, bool limit_in_chars) {
  if (body.empty()) {
    absl::StrAppend(&out, "=== ", core::AbslView(title), " ===\n(empty)\n");
    return;
  }
  if (std::string pretty = PrettyJson(body); !pretty.empty()) {
    absl::StrAppend(&out, "=== ", core::AbslView(title), " ===\n", pretty, "\n");
    return;
  }
  absl::StrAppend(&out, "=== ", core::AbslView(title), " (", total_bytes, " bytes) ===\n");
  const std::string_view shown =
      limit_in_chars ? PrefixChars(body, limit) : PrefixBytes(body, limit);
  absl::StrAppend(&out, core::AbslView(shown), "\n");
  if (shown.size() < total_bytes) absl::StrAppend(&out, "(first ", shown.size(), " bytes)\n");
}

absl::Status ErrnoStatus(std::string_view what, const std::filesystem::path& path) {
  return absl::UnavailableError(
      absl::StrCat(core::AbslView(what), " ", path.string(), ": ", std::strerror(errno)));
}

// Creates `dir` and its missing parents, each with mode 0700. Existing ones are left as they are.
absl::Status MakeDirectories(const std::filesystem::path& dir) {
  std::filesystem::path prefix;
  for (const std::filesystem::path& part : dir) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoStatus("cannot create the request log directory", prefix);
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return ErrnoStatus("cannot use the request log directory", dir);
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the request log path ", dir.string(), " is not a directory"));
  }
  return absl::OkStatus();
}

// Writes `text` to a new file `path` (mode 0600; an existing file or a symlink is refused).
absl::Status WriteNewFile(const std::filesystem::path& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return ErrnoStatus("cannot create", path);
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      absl::Status status = ErrnoStatus("cannot write", path);
      ::close(fd);
      return status;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  if (::close(fd) != 0) return ErrnoStatus("cannot write", path);
  return absl::OkStatus();
}

}  // namespace

std::string MaskHeaderValue(std::string_view name, std::string_view value) {
  size_t keep = 0;
  if (absl::EqualsIgnoreCase(core::AbslView(name), "x-api-key")) {
    keep = 15;
  } else if (absl::EqualsIgnoreCase(core::AbslView(name), "authorization") ||
             absl::EqualsIgnoreCase(core::AbslView(name), "proxy-authorization")) {
    keep = 20;
  } else {
    return std::string(value);
  }
  if (value.size() <= keep) keep = value.size() / 2;
  return absl::StrCat(core::AbslView(PrefixBytes(value, keep)), "...");
}

std::string RequestLogFileName(std::chrono::system_clock::time_point started, uint64_t id) {
  const time_t seconds = std::chrono::system_clock::to_time_t(started);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(started.time_since_epoch()).count() %
      1000;
  struct tm local {};
  localtime_r(&seconds, &local);
  return absl::StrFormat("%04d%02d%02d_%02d%02d%02d.%03d_%05d.log", local.tm_year + 1900,
                         local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec,
                         static_cast<int>(millis < 0 ? millis + 1000 : millis), id);
}

std::string PrettyJson(std::string_view text) {
  boost::system::error_code ec;
  boost::json::parse_options parse_options;
  parse_options.max_depth = 10000;  // tool schemas nest deeper than the default 32
  boost::json::parse(boost::json::string_view(text.data(), text.size()), ec, {}, parse_options);
  if (ec) return "";
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  int depth = 0;
  auto newline = [&] {
    out += '\n';
    out.append(static_cast<size_t>(2 * depth), ' ');
  };
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '"': {  // a string, copied as it is
        const size_t start = i++;
        while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
        out.append(text.substr(start, i - start + 1));
        break;
      }
      case '{':
      case '[': {
        size_t next = i + 1;
        while (next < text.size() && is_space(text[next])) ++next;
        if (next < text.size() && (text[next] == '}' || text[next] == ']')) {
          out += c;
          out += text[next];
          i = next;
          break;
        }
        out += c;
        ++depth;
        newline();
        break;
      }
      case '}':
      case ']':
        --depth;
        newline();
        out += c;
        break;
      case ',':
        out += ',';
        newline();
        break;
      case ':':
        out += ": ";
        break;
      default:
        if (!is_space(c)) out += c;
    }
  }
  return out;
}

std::string FormatRequestLog(const ExchangeRecord& r) {
  std::string out;
  absl::StrAppend(&out, "=== REQUEST (account: ", r.account, ", retry: ", r.retry, ") ===\n");
  absl::StrAppend(&out, r.method, " ", r.url, "\n");
  if (!r.upstream_request) out += "  (not sent upstream; the client's headers)\n";
  AppendHeaders(out, r.request_headers);
  out += "\n";
  AppendBody(out, "REQUEST BODY", r.request_body, r.request_body.size(), kRequestBodyChars,
             /*limit_in_chars=*/true);

  if (r.status != 0) {
    out += "\n";
    absl::StrAppend(&out, "=== RESPONSE ", r.status,
                    r.note.empty() ? std::string() : absl::StrCat(" — ", r.note), " ===\n");
    AppendHeaders(out, r.response_headers);
    out += "\n";
    const bool truncated = r.response_body.size() < r.response_body_bytes;
    switch (r.body_kind) {
      case ExchangeRecord::BodyKind::kError:
        AppendBody(out, "ERROR BODY", r.response_body, r.response_body_bytes, kResponseBodyBytes,
                   false);
        break;
      case ExchangeRecord::BodyKind::kStreamed:
        out += "=== RESPONSE BODY (streamed) ===\n";
        if (r.response_body.empty()) {
          out += "(empty)\n";
        } else {
          out += r.response_body;
          if (r.response_body.back() != '\n') out += "\n";
        }
        break;
      case ExchangeRecord::BodyKind::kBody:
      case ExchangeRecord::BodyKind::kNone:
        if (truncated) {
          absl::StrAppend(&out, "=== RESPONSE BODY (", r.response_body_bytes, " bytes) ===\n",
                          core::AbslView(PrefixBytes(r.response_body, kResponseBodyBytes)), "\n");
        } else {
          AppendBody(out, "RESPONSE BODY", r.response_body, r.response_body_bytes,
                     kResponseBodyBytes, false);
        }
        break;
    }
    if (truncated) {
      absl::StrAppend(&out, "(truncated after ", r.response_body.size(), " bytes; ",
                      r.response_body_bytes, " received)\n");
    }
  }
  if (!r.error.empty()) absl::StrAppend(&out, "\n=== ERROR ===\n", r.error, "\n");
  if (r.client_status != 0) {
    out += "\n";
    AppendBody(out, absl::StrCat("MAXPOOL RESPONSE ", r.client_status), r.client_body,
               r.client_body.size(), kResponseBodyBytes, false);
  }
  return out;
}

absl::Status CheckRequestLogDir(const std::filesystem::path& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("the request log directory is empty");
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return absl::FailedPreconditionError(
        absl::StrCat("logDir ", dir.string(), ": cannot be checked: ", ec.message()));
  }
  if (std::filesystem::exists(status) && !std::filesystem::is_directory(status)) {
    return absl::FailedPreconditionError(
        absl::StrCat("logDir ", dir.string(), ": is not a directory"));
  }
  return absl::OkStatus();
}

// --- RequestFileLog ----------------------------------------------------------------------------

RequestFileLog::RequestFileLog(RequestFileLogOptions options)
    : proxy::ExchangeSink(options.max_body_bytes), options_(std::move(options)) {}

absl::StatusOr<std::shared_ptr<RequestFileLog>> RequestFileLog::Open(
    RequestFileLogOptions options) {
  if (absl::Status status = CheckRequestLogDir(options.dir); !status.ok()) return status;
  if (absl::Status status = MakeDirectories(options.dir); !status.ok()) return status;
  std::shared_ptr<RequestFileLog> log(new RequestFileLog(std::move(options)));
  log->thread_ = std::thread([raw = log.get()] { raw->Run(); });
  return log;
}

RequestFileLog::~RequestFileLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void RequestFileLog::Submit(std::unique_ptr<ExchangeRecord> record) {
  const size_t bytes = record->ApproxBytes();
  absl::MutexLock lock(&mu_);
  if (stopping_ || queue_.size() >= options_.max_queued ||
      (!queue_.empty() && queued_bytes_ + bytes > options_.max_queued_bytes)) {
    ++stats_.dropped;
    return;
  }
  queued_bytes_ += bytes;
  ++submitted_;
  queue_.push_back(std::move(record));
}

void RequestFileLog::Flush() {
  absl::MutexLock lock(&mu_);
  const uint64_t target = submitted_;
  auto done = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done_ >= target; };
  mu_.Await(absl::Condition(&done));
}

RequestFileLog::Stats RequestFileLog::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void RequestFileLog::Report(const std::string& line) const {
  if (options_.log) options_.log(line);
}

void RequestFileLog::Run() {
  while (true) {
    std::unique_ptr<ExchangeRecord> record;
    uint64_t dropped = 0;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || stopping_; };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) {
        dropped = stats_.dropped;
      } else {
        record = std::move(queue_.front());
        queue_.pop_front();
      }
    }
    if (!record) {  // stopping, and everything is written
      if (dropped > dropped_reported_) {
        Report(absl::StrCat("request log: dropped ", dropped - dropped_reported_,
                            " request(s): the writer could not keep up"));
      }
      return;
    }
    const size_t bytes = record->ApproxBytes();
    const bool ok = Write(*record);
    record.reset();
    {
      absl::MutexLock lock(&mu_);
      queued_bytes_ -= bytes;
      ++done_;
      ++(ok ? stats_.written : stats_.failed);
      dropped = stats_.dropped;
    }
    const auto now = std::chrono::steady_clock::now();
    if (dropped > dropped_reported_ && now - last_drop_report_ >= kDropReportEvery) {
      Report(absl::StrCat("request log: dropped ", dropped - dropped_reported_,
                          " request(s): the writer could not keep up"));
      dropped_reported_ = dropped;
      last_drop_report_ = now;
    }
  }
}

bool RequestFileLog::Write(const ExchangeRecord& record) {
  const std::filesystem::path path = options_.dir / RequestLogFileName(record.started, record.id);
  absl::Status status = WriteNewFile(path, FormatRequestLog(record));
  if (status.ok()) return true;
  if (!failure_reported_) {
    failure_reported_ = true;
    Report(absl::StrCat("request log: ", status.message(),
                        " (further write failures are not reported)"));
  }
  return false;
}

}  // namespace maxpool::logging
