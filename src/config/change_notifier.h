#pragma once

// Tells a watcher thread when something at a set of paths may have changed: files (watched
// through their directory, since atomic saves replace them by rename) and directories (any
// entry, as a Secret volume swaps its "..data" link). Two implementations behind one interface:
// inotify on Linux (inotify_notifier.cc, the only file that knows inotify) and a portable
// polling one that compares stat() results. A notification may be spurious; the watcher
// compares the content itself. Used by one thread at a time; not thread-safe.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

namespace maxpool::config {

class ChangeNotifier {
 public:
  virtual ~ChangeNotifier() = default;

  // A descriptor that turns readable when a change may be pending, or -1 when there is none
  // (the caller then calls Check() every period()).
  virtual int fd() const = 0;
  // How often Check() must be called when fd() is -1.
  virtual std::chrono::milliseconds period() const = 0;
  // Consumes what is pending; true when it may concern a watched path.
  virtual bool Check() = 0;
  // Called now and then: re-establishes watches lost when a directory went away.
  virtual void Rearm() = 0;
  // Whether every watched place is being watched right now.
  virtual bool active() const = 0;
};

// inotify on the directories of `paths` (and on the paths that are directories). Null when
// inotify is not available (not Linux, or no inotify instance could be made).
std::unique_ptr<ChangeNotifier> MakeInotifyNotifier(std::vector<std::filesystem::path> paths);

// stat() of each path (and of each entry of the paths that are directories) every `period`;
// a difference in type, size, modification time, inode or entries is a change. Works on any
// system and file system.
std::unique_ptr<ChangeNotifier> MakePollingNotifier(std::vector<std::filesystem::path> paths,
                                                    std::chrono::milliseconds period);

}  // namespace maxpool::config
