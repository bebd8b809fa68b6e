#include "config/config_watcher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <functional>
#include <string_view>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "config/atomic_file.h"
#include "net/spawn_report.h"

namespace maxpool::config {
namespace {

std::string Sha256(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    return absl::StrCat("len:", bytes.size(), ":", std::hash<std::string_view>()(bytes));
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

// A hash of the bytes, or of the read error (which names the path and the errno, never the
// content).
std::string FingerprintOf(const absl::StatusOr<std::string>& bytes) {
  if (bytes.ok()) return absl::StrCat("ok:", Sha256(*bytes));
  return absl::StrCat("error:", bytes.status().ToString());
}

// A directory's regular files (links followed), by name, skipping names that start with '.';
// a file's bytes.
std::string PathFingerprint(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return FingerprintOf(ReadFileToString(path));
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (std::filesystem::is_regular_file(it->path(), ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  std::string all = absl::StrCat("dir:", ec.value(), ";");
  for (const std::filesystem::path& file : files) {
    absl::StrAppend(&all, file.filename().string(), "=", FingerprintOf(ReadFileToString(file)),
                    ";");
  }
  return all;
}

bool SetNonBlocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 &&
         ::fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

// The wait until `deadline`, at most `longest` (the clock is a wall clock: a step back must not
// stretch a wait).
int TimeoutMs(absl::Time now, absl::Time deadline, absl::Duration longest) {
  if (deadline <= now) return 0;
  // Round up so the wait never ends just before the deadline (which would spin).
  const int64_t ms = absl::ToInt64Milliseconds(
      absl::Ceil(std::min(deadline - now, longest), absl::Milliseconds(1)));
  return static_cast<int>(std::min<int64_t>(ms, INT_MAX));
}

}  // namespace

ConfigWatcher::ConfigWatcher(Options options, OnChange on_change)
    : options_(std::move(options)),
      on_change_(std::move(on_change)),
      clock_(options_.clock != nullptr ? *options_.clock : system_clock_) {}

ConfigWatcher::~ConfigWatcher() { Stop(); }

absl::Status ConfigWatcher::Start() {
  if (thread_.joinable()) return absl::FailedPreconditionError("config watcher already started");
  int fds[2];
  if (::pipe(fds) != 0) return absl::ErrnoToStatus(errno, "config watcher: pipe");
  if (!SetNonBlocking(fds[0]) || !SetNonBlocking(fds[1])) {
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return absl::ErrnoToStatus(error, "config watcher: pipe flags");
  }
  {
    absl::MutexLock lock(&wake_mu_);
    wake_read_ = fds[0];
    wake_write_ = fds[1];
  }
  stop_ = false;
  reload_ = false;
  std::vector<std::filesystem::path> paths = {options_.path};
  paths.insert(paths.end(), options_.extra_paths.begin(), options_.extra_paths.end());
  if (options_.use_polling) {
    notifier_ = MakePollingNotifier(paths, options_.polling_period);
  } else if (options_.use_inotify) {
    notifier_ = MakeInotifyNotifier(paths);
  }
  notifier_active_ = notifier_ != nullptr && notifier_->active();
  // The baseline is read after the watch exists, so no change can fall between the two.
  last_fingerprint_ = Fingerprint(nullptr);
  // A jump of the clock (a test's fake clock) ends the thread's wait, as a reload request does.
  clock_subscription_ = clock_.Subscribe([this] { Wake(); });
  subscribed_ = true;
  try {
    thread_ = std::thread(&ConfigWatcher::Run, this);
  } catch (const std::system_error& e) {  // returned: the caller reports it
    CloseFds();
    return absl::ResourceExhaustedError(absl::StrCat("config watcher: thread: ", e.what()));
  }
  return absl::OkStatus();
}

void ConfigWatcher::Stop() {
  if (thread_.joinable()) {
    stop_ = true;
    Wake();
    thread_.join();
  }
  CloseFds();
}

void ConfigWatcher::CloseFds() {
  if (subscribed_) {
    clock_.Unsubscribe(clock_subscription_);
    subscribed_ = false;
  }
  notifier_.reset();
  notifier_active_ = false;
  absl::MutexLock lock(&wake_mu_);
  if (wake_read_ >= 0) ::close(wake_read_);
  if (wake_write_ >= 0) ::close(wake_write_);
  wake_read_ = -1;
  wake_write_ = -1;
}

void ConfigWatcher::ReloadNow() {
  reload_ = true;
  Wake();
}

void ConfigWatcher::Wake() {
  absl::MutexLock lock(&wake_mu_);
  if (wake_write_ < 0) return;
  const char one = 1;
  // Only EAGAIN (the pipe is full: a wake-up is pending anyway) can fail here.
  [[maybe_unused]] const ssize_t ignored = ::write(wake_write_, &one, 1);
}

std::string ConfigWatcher::Fingerprint(absl::StatusOr<std::string>* file_bytes) const {
  absl::StatusOr<std::string> bytes = ReadFileToString(options_.path);
  std::string all = FingerprintOf(bytes);
  for (const std::filesystem::path& path : options_.extra_paths) {
    absl::StrAppend(&all, "|", PathFingerprint(path));
  }
  if (file_bytes != nullptr) *file_bytes = std::move(bytes);
  return all;
}

void ConfigWatcher::Check(bool force) {
  try {
    absl::StatusOr<std::string> bytes;
    std::string fingerprint = Fingerprint(&bytes);
    if (!force && fingerprint == last_fingerprint_) return;
    last_fingerprint_ = std::move(fingerprint);
    absl::StatusOr<LoadedConfig> loaded = options_.load ? options_.load()
                                          : bytes.ok()
                                              ? ParseConfig(*bytes, options_.path)
                                              : absl::StatusOr<LoadedConfig>(bytes.status());
    on_change_(std::move(loaded));
  } catch (...) {
    // Never let a bad file (or a throwing callback) take the server down; the next change is
    // reported as usual. Logged and counted, never silent.
    failed_checks_.fetch_add(1, std::memory_order_relaxed);
    const std::string line = net::DescribeException(
        absl::StrCat("reading the config ", options_.path.string()), std::current_exception());
    if (options_.log) {
      options_.log(absl::StrCat("error: ", line));
    } else {
      net::ReportToStderr(line);
    }
  }
}

void ConfigWatcher::Run() {
  const absl::Duration debounce = absl::FromChrono(options_.debounce);
  const absl::Duration poll_interval =
      absl::FromChrono(std::max(options_.poll_interval, std::chrono::milliseconds(1)));
  absl::Time next_tick = clock_.Now() + poll_interval;
  // A notifier without a descriptor (polling) is asked every period.
  const bool polled = notifier_ != nullptr && notifier_->fd() < 0;
  const absl::Duration notifier_period =
      polled ? absl::FromChrono(std::max(notifier_->period(), std::chrono::milliseconds(1)))
             : poll_interval;
  absl::Time next_notifier_check = clock_.Now() + notifier_period;
  // No wait is longer than the longest period (a wall clock may step back).
  const absl::Duration longest_wait = std::max(poll_interval, notifier_period);
  // Debounce: read when the events pause (quiet_until) or at the latest at burst_deadline.
  // A flag and plain values, not std::optional: GCC 12 at -O3 warns maybe-uninitialized on it.
  bool debouncing = false;
  absl::Time quiet_until;
  absl::Time burst_deadline;
  while (!stop_) {
    const absl::Time before_wait = clock_.Now();
    // A step back of the clock: the periodic deadlines start again from now.
    next_tick = std::min(next_tick, before_wait + poll_interval);
    next_notifier_check = std::min(next_notifier_check, before_wait + notifier_period);
    absl::Time deadline = next_tick;
    if (polled) deadline = std::min(deadline, next_notifier_check);
    if (debouncing) deadline = std::min({deadline, quiet_until, burst_deadline});
    const int notify_fd = notifier_ != nullptr ? notifier_->fd() : -1;
    struct pollfd fds[2] = {{wake_read_, POLLIN, 0}, {notify_fd, POLLIN, 0}};
    const int ready = ::poll(fds, 2, TimeoutMs(before_wait, deadline, longest_wait));
    if (ready < 0 && errno != EINTR) {
      // Cannot happen with valid fds; never spin on it.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
      char drained[64];
      while (::read(wake_read_, drained, sizeof drained) > 0) {
      }
    }
    if (stop_) break;
    bool changed = false;
    if (ready > 0 && notify_fd >= 0 && fds[1].revents != 0) {
      if ((fds[1].revents & (POLLERR | POLLNVAL | POLLHUP)) != 0) {
        notifier_.reset();  // broken: periodic re-reads only from now on
      } else {
        changed = notifier_->Check();
      }
    }
    if (polled && notifier_ != nullptr && clock_.Now() >= next_notifier_check) {
      changed = notifier_->Check() || changed;
      next_notifier_check = clock_.Now() + notifier_period;
    }
    notifier_active_ = notifier_ != nullptr && notifier_->active();
    if (changed) {
      const absl::Time now = clock_.Now();
      if (!debouncing) burst_deadline = now + 10 * debounce;
      debouncing = true;
      quiet_until = now + debounce;
    }
    if (reload_.exchange(false)) {
      debouncing = false;
      Check(/*force=*/true);
      next_tick = clock_.Now() + poll_interval;
      continue;
    }
    const absl::Time now = clock_.Now();
    if (debouncing && (now >= quiet_until || now >= burst_deadline)) {
      debouncing = false;
      Check(/*force=*/false);
    }
    if (now >= next_tick) {
      if (notifier_ != nullptr) notifier_->Rearm();
      notifier_active_ = notifier_ != nullptr && notifier_->active();
      Check(/*force=*/false);
      next_tick = clock_.Now() + poll_interval;
    }
  }
}

}  // namespace maxpool::config
