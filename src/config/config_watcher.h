#pragma once

// Watches the config of a running server and reports each new content: the config file, and
// the other paths the config is made of (the layers of config/config_sources.h). A
// ChangeNotifier says when to look (inotify on Linux, or the polling notifier, selectable), and
// a periodic re-read covers file systems where neither sees a change. A report is made only when
// the bytes changed (SHA-256 over every path; a directory's regular files, by name), so periodic
// ticks and rewrites of identical bytes are silent. Bursts of events are debounced.
//
// A file that cannot be read or loaded is reported as an error (once per content; the server
// keeps its last good config); nothing here throws or crashes on a bad file.
//
// Time: every deadline (the periodic re-read, the polling period, the debounce) is on an injected
// core::Clock, and the thread's wait ends when that clock jumps (core::Clock::Subscribe), so a
// test drives the watcher with a fake clock instead of sleeping.
//
// Failures: an exception out of a load or the callback is logged (Options::log) and counted
// (failed_checks()); the watcher carries on.
//
// Threading: the callback runs on the watcher's own thread, one call at a time; it must not call
// Stop() or destroy the watcher. Start() and Stop() are called by the owner (not concurrently
// with each other); ReloadNow() may be called from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "config/change_notifier.h"
#include "config/config_loader.h"
#include "core/clock.h"

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
    // The polling notifier in place of inotify (any system), looking every `polling_period`.
    bool use_polling = false;
    std::chrono::milliseconds polling_period{1000};
    // Other files or directories whose content is part of the config.
    std::vector<std::filesystem::path> extra_paths;
    // How the config is loaded; null: ParseConfig of `path`'s bytes.
    std::function<absl::StatusOr<LoadedConfig>()> load;
    // The time source of every deadline above; null: the system clock. Must outlive the watcher.
    const core::Clock* clock = nullptr;
    // Where a failure of a check is logged ("error: ..."); null: stderr.
    std::function<void(const std::string&)> log;
  };

  ConfigWatcher(Options options, OnChange on_change);
  ~ConfigWatcher();  // Stop()

  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // Takes the file's current content as the baseline (not reported: the caller has loaded it)
  // and starts the thread. inotify that cannot be set up (no inotify, no directory yet) is not
  // an error: the periodic re-read covers it, and the watch is retried at each tick.
  // Error: FailedPrecondition when already started; the errno's code when the thread's wake-up
  // pipe cannot be created.
  absl::Status Start();

  // Stops and joins the thread; returns promptly (no wait for the next tick). Idempotent.
  void Stop();

  // Asks the thread to re-read the file now and report it even when unchanged (e.g. an explicit
  // "reload config"). Returns at once; no-op when not started.
  void ReloadNow();

  // Whether every watched place is currently watched by the notifier (diagnostics and tests).
  bool inotify_active() const { return notifier_active_.load(); }

  // Checks that ended with an exception (a load or the callback threw), logged and skipped.
  uint64_t failed_checks() const { return failed_checks_.load(std::memory_order_relaxed); }

 private:
  // The content fingerprint: a hash of every path's bytes (or read error), and the bytes of
  // `path` itself.
  std::string Fingerprint(absl::StatusOr<std::string>* file_bytes) const;
  void Run();
  // Reads the config; calls on_change_ when forced or its fingerprint changed.
  void Check(bool force);
  void Wake();
  void CloseFds();

  const Options options_;
  const OnChange on_change_;
  const core::SystemClock system_clock_;
  const core::Clock& clock_;  // options_.clock, or system_clock_
  uint64_t clock_subscription_ = 0;
  bool subscribed_ = false;
  std::atomic<uint64_t> failed_checks_{0};

  std::thread thread_;
  absl::Mutex wake_mu_;  // orders ReloadNow()'s write with Stop()'s close of the pipe
  int wake_read_ = -1;   // self-pipe: Stop() and ReloadNow() wake the thread
  int wake_write_ = -1;
  std::unique_ptr<ChangeNotifier> notifier_;  // owned by the thread while it runs
  std::atomic<bool> notifier_active_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> reload_{false};
  std::string last_fingerprint_;  // the thread's (and Start's, before the thread exists)
};

}  // namespace maxpool::config
