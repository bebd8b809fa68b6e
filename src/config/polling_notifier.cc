#include <sys/stat.h>

#include <map>
#include <string>
#include <system_error>
#include <utility>

#include "config/change_notifier.h"

namespace maxpool::config {
namespace {

struct Stamp {
  bool exists = false;
  mode_t mode = 0;
  off_t size = 0;
  ino_t inode = 0;
  int64_t mtime_ns = 0;
  bool operator==(const Stamp&) const = default;
};

Stamp StampOf(const std::filesystem::path& path) {
  struct stat info {};
  Stamp stamp;
  if (::stat(path.c_str(), &info) != 0) return stamp;  // follows links, as reads do
  stamp.exists = true;
  stamp.mode = info.st_mode;
  stamp.size = info.st_size;
  stamp.inode = info.st_ino;
  stamp.mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  return stamp;
}

class PollingNotifier final : public ChangeNotifier {
 public:
  PollingNotifier(std::vector<std::filesystem::path> paths, std::chrono::milliseconds period)
      : paths_(std::move(paths)), period_(period), last_(Snapshot()) {}

  int fd() const override { return -1; }
  std::chrono::milliseconds period() const override { return period_; }
  bool Check() override {
    std::map<std::string, Stamp> now = Snapshot();
    const bool changed = now != last_;
    last_ = std::move(now);
    return changed;
  }
  void Rearm() override {}
  bool active() const override { return true; }

 private:
  std::map<std::string, Stamp> Snapshot() const {
    std::map<std::string, Stamp> stamps;
    for (const std::filesystem::path& path : paths_) {
      const Stamp stamp = StampOf(path);
      stamps[path.string()] = stamp;
      if (!stamp.exists || !S_ISDIR(stamp.mode)) continue;
      std::error_code ec;
      for (std::filesystem::directory_iterator it(path, ec), end; !ec && it != end;
           it.increment(ec)) {
        stamps[it->path().string()] = StampOf(it->path());
      }
    }
    return stamps;
  }

  const std::vector<std::filesystem::path> paths_;
  const std::chrono::milliseconds period_;
  std::map<std::string, Stamp> last_;
};

}  // namespace

std::unique_ptr<ChangeNotifier> MakePollingNotifier(std::vector<std::filesystem::path> paths,
                                                    std::chrono::milliseconds period) {
  return std::make_unique<PollingNotifier>(std::move(paths), period);
}

}  // namespace maxpool::config
