#include "config/config_watcher.h"

#include <openssl/evp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "config/atomic_file.h"

namespace maxpool::config {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kDirectoryEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                      IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

std::string Sha256(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    return absl::StrCat("len:", bytes.size(), ":", std::hash<std::string_view>()(bytes));
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

int TimeoutMs(Clock::time_point now, Clock::time_point deadline) {
  if (deadline <= now) return 0;
  // Round up so the wait never ends just before the deadline (which would spin).
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
  return static_cast<int>(std::min<int64_t>(ms, INT_MAX));
}

}  // namespace

ConfigWatcher::ConfigWatcher(Options options, OnChange on_change)
    : options_(std::move(options)),
      on_change_(std::move(on_change)),
      file_name_(options_.path.filename().string()) {}

ConfigWatcher::~ConfigWatcher() { Stop(); }

absl::Status ConfigWatcher::Start() {
  if (thread_.joinable()) return absl::FailedPreconditionError("config watcher already started");
  const int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    return absl::ErrnoToStatus(errno, "config watcher: eventfd");
  }
  {
    absl::MutexLock lock(&wake_mu_);
    wake_fd_ = wake;
  }
  stop_ = false;
  reload_ = false;
  if (options_.use_inotify) {
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ >= 0) TryAddWatch();
  }
  // The baseline is read after the watch exists, so no change can fall between the two.
  last_fingerprint_ = Fingerprint(ReadFileToString(options_.path));
  try {
    thread_ = std::thread(&ConfigWatcher::Run, this);
  } catch (const std::system_error& e) {
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
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  inotify_fd_ = -1;
  watch_ = -1;
  inotify_active_ = false;
  absl::MutexLock lock(&wake_mu_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  wake_fd_ = -1;
}

void ConfigWatcher::ReloadNow() {
  reload_ = true;
  Wake();
}

void ConfigWatcher::Wake() {
  absl::MutexLock lock(&wake_mu_);
  if (wake_fd_ < 0) return;
  const uint64_t one = 1;
  // Only EAGAIN (counter saturated: a wake-up is pending anyway) can fail here.
  [[maybe_unused]] const ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
}

void ConfigWatcher::TryAddWatch() {
  std::filesystem::path directory = options_.path.parent_path();
  if (directory.empty()) directory = ".";
  watch_ = ::inotify_add_watch(inotify_fd_, directory.c_str(), kDirectoryEvents);
  inotify_active_ = watch_ >= 0;
}

std::string ConfigWatcher::Fingerprint(const absl::StatusOr<std::string>& bytes) const {
  if (bytes.ok()) return absl::StrCat("ok:", Sha256(*bytes));
  // Read errors name the path and the errno, never the content.
  return absl::StrCat("error:", bytes.status().ToString());
}

bool ConfigWatcher::DrainInotify() {
  bool relevant = false;
  alignas(struct inotify_event) char buffer[16 * 1024];
  while (true) {
    const ssize_t size = ::read(inotify_fd_, buffer, sizeof buffer);
    if (size <= 0) break;  // EAGAIN: drained (errors: the next poll reports them)
    for (ssize_t offset = 0; offset < size;) {
      struct inotify_event event;
      std::memcpy(&event, buffer + offset, sizeof event);
      const char* name = buffer + offset + sizeof event;
      offset += static_cast<ssize_t>(sizeof event + event.len);
      if ((event.mask & IN_Q_OVERFLOW) != 0) {
        relevant = true;
      } else if ((event.mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) != 0) {
        // The directory went away (or moved): the watch is lost or wrong. Fall back to the
        // periodic re-read, which also retries the watch.
        if (watch_ >= 0 && (event.mask & IN_IGNORED) == 0) ::inotify_rm_watch(inotify_fd_, watch_);
        watch_ = -1;
        inotify_active_ = false;
        relevant = true;
      } else if (event.len > 0 &&
                 std::string_view(name, ::strnlen(name, event.len)) == file_name_) {
        relevant = true;
      }
    }
  }
  return relevant;
}

void ConfigWatcher::Check(bool force) {
  try {
    absl::StatusOr<std::string> bytes = ReadFileToString(options_.path);
    std::string fingerprint = Fingerprint(bytes);
    if (!force && fingerprint == last_fingerprint_) return;
    last_fingerprint_ = std::move(fingerprint);
    absl::StatusOr<LoadedConfig> loaded = bytes.ok() ? ParseConfig(*bytes, options_.path)
                                                     : absl::StatusOr<LoadedConfig>(bytes.status());
    on_change_(std::move(loaded));
  } catch (...) {
    // Never let a bad file (or a throwing callback) take the server down; the next change is
    // reported as usual.
  }
}

void ConfigWatcher::Run() {
  const auto debounce = options_.debounce;
  const auto poll_interval = std::max(options_.poll_interval, std::chrono::milliseconds(1));
  Clock::time_point next_tick = Clock::now() + poll_interval;
  // Debounce: read when the events pause (quiet_until) or at the latest at burst_deadline.
  // A flag and plain values, not std::optional: GCC 12 at -O3 warns maybe-uninitialized on it.
  bool debouncing = false;
  Clock::time_point quiet_until{};
  Clock::time_point burst_deadline{};
  while (!stop_) {
    Clock::time_point deadline = next_tick;
    if (debouncing) deadline = std::min({deadline, quiet_until, burst_deadline});
    struct pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    const int ready = ::poll(fds, 2, TimeoutMs(Clock::now(), deadline));
    if (ready < 0 && errno != EINTR) {
      // Cannot happen with valid fds; never spin on it.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
      uint64_t count = 0;
      [[maybe_unused]] const ssize_t ignored = ::read(wake_fd_, &count, sizeof count);
    }
    if (stop_) break;
    if (ready > 0 && fds[1].revents != 0) {
      if ((fds[1].revents & (POLLERR | POLLNVAL | POLLHUP)) != 0) {
        ::close(inotify_fd_);  // broken: periodic re-reads only from now on
        inotify_fd_ = -1;
        watch_ = -1;
        inotify_active_ = false;
      } else if (DrainInotify()) {
        const Clock::time_point now = Clock::now();
        if (!debouncing) burst_deadline = now + 10 * debounce;
        debouncing = true;
        quiet_until = now + debounce;
      }
    }
    if (reload_.exchange(false)) {
      debouncing = false;
      Check(/*force=*/true);
      next_tick = Clock::now() + poll_interval;
      continue;
    }
    const Clock::time_point now = Clock::now();
    if (debouncing && (now >= quiet_until || now >= burst_deadline)) {
      debouncing = false;
      Check(/*force=*/false);
    }
    if (now >= next_tick) {
      if (inotify_fd_ >= 0 && watch_ < 0) TryAddWatch();
      Check(/*force=*/false);
      next_tick = Clock::now() + poll_interval;
    }
  }
}

}  // namespace maxpool::config
