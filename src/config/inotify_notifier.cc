// The only file that knows inotify (Linux). Elsewhere MakeInotifyNotifier returns null and the
// watcher polls.

#include "config/change_notifier.h"

#ifdef __linux__

#include <sys/inotify.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace maxpool::config {
namespace {

constexpr uint32_t kDirectoryEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                      IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

// One watched directory: the names in it that matter, or all of them.
struct Place {
  std::filesystem::path directory;
  bool any_name = false;
  std::set<std::string> names;
  int watch = -1;
};

class InotifyNotifier final : public ChangeNotifier {
 public:
  InotifyNotifier(int fd, std::vector<std::filesystem::path> paths) : fd_(fd) {
    std::map<std::string, Place> by_directory;
    for (const std::filesystem::path& path : paths) {
      std::error_code ec;
      if (std::filesystem::is_directory(path, ec)) {
        Place& place = by_directory[path.string()];
        place.directory = path;
        place.any_name = true;
        continue;
      }
      std::filesystem::path directory = path.parent_path();
      if (directory.empty()) directory = ".";
      Place& place = by_directory[directory.string()];
      place.directory = directory;
      place.names.insert(path.filename().string());
    }
    for (auto& [key, place] : by_directory) places_.push_back(std::move(place));
    Rearm();
  }
  ~InotifyNotifier() override { ::close(fd_); }

  int fd() const override { return fd_; }
  std::chrono::milliseconds period() const override { return std::chrono::hours(1); }

  bool Check() override {
    bool relevant = false;
    alignas(struct inotify_event) char buffer[16 * 1024];
    while (true) {
      const ssize_t size = ::read(fd_, buffer, sizeof buffer);
      if (size <= 0) break;  // EAGAIN: drained
      for (ssize_t offset = 0; offset < size;) {
        struct inotify_event event;
        std::memcpy(&event, buffer + offset, sizeof event);
        const char* name = buffer + offset + sizeof event;
        offset += static_cast<ssize_t>(sizeof event + event.len);
        if ((event.mask & IN_Q_OVERFLOW) != 0) {
          relevant = true;
          continue;
        }
        Place* place = Find(event.wd);
        if (place == nullptr) continue;
        if ((event.mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) != 0) {
          // The directory went away or moved: the watch is lost; Rearm() retries it.
          if ((event.mask & IN_IGNORED) == 0) ::inotify_rm_watch(fd_, place->watch);
          place->watch = -1;
          relevant = true;
        } else if (place->any_name) {
          relevant = true;
        } else if (event.len > 0 &&
                   place->names.count(std::string(name, ::strnlen(name, event.len))) > 0) {
          relevant = true;
        }
      }
    }
    return relevant;
  }

  void Rearm() override {
    for (Place& place : places_) {
      if (place.watch >= 0) continue;
      place.watch = ::inotify_add_watch(fd_, place.directory.c_str(), kDirectoryEvents);
    }
  }

  bool active() const override {
    for (const Place& place : places_) {
      if (place.watch < 0) return false;
    }
    return true;
  }

 private:
  Place* Find(int watch) {
    for (Place& place : places_) {
      if (place.watch == watch) return &place;
    }
    return nullptr;
  }

  const int fd_;
  std::vector<Place> places_;
};

}  // namespace

std::unique_ptr<ChangeNotifier> MakeInotifyNotifier(std::vector<std::filesystem::path> paths) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return nullptr;
  return std::make_unique<InotifyNotifier>(fd, std::move(paths));
}

}  // namespace maxpool::config

#else

namespace maxpool::config {

std::unique_ptr<ChangeNotifier> MakeInotifyNotifier(std::vector<std::filesystem::path>) {
  return nullptr;
}

}  // namespace maxpool::config

#endif
