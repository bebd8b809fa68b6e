#pragma once

// Watches the config file of a running server (spec §1.4) and reports each new content. inotify
// on the file's directory (atomic saves replace the file by rename, which a watch on the file
// itself would lose) and, as a fallback that also covers file systems without inotify, a
// periodic re-read. A report is made only when the file's bytes changed (SHA-256), so periodic
// ticks and rewrites of identical bytes are silent. Bursts of events are debounced.
//
// A file that cannot be read or loaded is reported as an error (once per content; the server
// keeps its last good config); nothing here throws or crashes on a bad file.
//
// Threading: the callback runs on the watcher's own thread, one call at a time; it must not call
// Stop() or destroy the watcher. Start() and Stop() are called by the owner (not concurrently
// with each other); ReloadNow() may be called from any thread.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "config/config_loader.h"

namespace maxpool::config {

class ConfigWatcher {
 public:
  using OnChange = std::function<void(absl::StatusOr<LoadedConfig>)>;

  struct Options {
    std::filesystem::path path;
    // Fallback re-read (spec §1.4: sync.accountsIntervalMs, 15 s).
    std::chrono::milliseconds poll_interval{15000};
    // Quiet time after the last inotify event before the file is read (bounded: a continuous
    // stream of events is read at the latest 10 debounce periods after its first event).
    std::chrono::milliseconds debounce{50};
    // false: periodic re-reads only (also the behaviour when inotify is unavailable).
    bool use_inotify = true;
  };

  ConfigWatcher(Options options, OnChange on_change);
  ~ConfigWatcher();  // Stop()

  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // Takes the file's current content as the baseline (not reported: the caller has loaded it)
  // and starts the thread. inotify that cannot be set up (no inotify, no directory yet) is not
  // an error: the periodic re-read covers it, and the watch is retried at each tick.
  // Error: FailedPrecondition when already started; the errno's code when the thread's wake-up
  // eventfd cannot be created.
  absl::Status Start();

  // Stops and joins the thread; returns promptly (no wait for the next tick). Idempotent.
  void Stop();

  // Asks the thread to re-read the file now and report it even when unchanged (e.g. an explicit
  // "reload config"). Returns at once; no-op when not started.
  void ReloadNow();

  // Whether the directory is currently watched by inotify (for diagnostics and tests).
  bool inotify_active() const { return inotify_active_.load(); }

 private:
  // The file's content fingerprint: a hash of its bytes, or of the read error.
  std::string Fingerprint(const absl::StatusOr<std::string>& bytes) const;
  void Run();
  void TryAddWatch();
  // Reads the file; calls on_change_ when forced or its fingerprint changed.
  void Check(bool force);
  // Drains the inotify fd; true when an event concerns the config file (or the queue overflowed).
  bool DrainInotify();
  void Wake();
  void CloseFds();

  const Options options_;
  const OnChange on_change_;
  const std::string file_name_;

  std::thread thread_;
  absl::Mutex wake_mu_;  // orders ReloadNow()'s write with Stop()'s close of wake_fd_
  int wake_fd_ = -1;     // eventfd: Stop() and ReloadNow() wake the thread; set while stopped
  int inotify_fd_ = -1;  // owned by the thread while it runs
  int watch_ = -1;
  std::atomic<bool> inotify_active_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> reload_{false};
  std::string last_fingerprint_;  // the thread's (and Start's, before the thread exists)
};

}  // namespace maxpool::config
