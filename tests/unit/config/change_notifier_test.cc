// Both change notifiers behind one interface (inotify on Linux, and the polling one that any
// system can use), and the config watcher driven by the polling one over several layers.

#include "config/change_notifier.h"

#include <poll.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "config/atomic_file.h"
#include "config/config_watcher.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/temp_dir.h"

namespace maxpool::config {
namespace {

namespace fs = std::filesystem;
using ::maxpool::testing::Eventually;
using ::maxpool::testing::TempDir;
using std::chrono::milliseconds;

enum class Kind { kInotify, kPolling };

std::unique_ptr<ChangeNotifier> Make(Kind kind, std::vector<fs::path> paths) {
  return kind == Kind::kInotify ? MakeInotifyNotifier(std::move(paths))
                                : MakePollingNotifier(std::move(paths), milliseconds(10));
}

// Whether the notifier reports a change within a second (waits on its descriptor, or polls).
bool Reports(ChangeNotifier& notifier) {
  return Eventually(
      [&] {
        if (notifier.fd() >= 0) {
          struct pollfd fd = {notifier.fd(), POLLIN, 0};
          if (::poll(&fd, 1, 20) <= 0) return false;
        } else {
          std::this_thread::sleep_for(notifier.period());
        }
        return notifier.Check();
      },
      milliseconds(1000));
}

class ChangeNotifierTest : public ::testing::TestWithParam<Kind> {
 protected:
  TempDir dir_;
};

TEST_P(ChangeNotifierTest, SeesAFileReplacedByRenameAndADirectoryEntry) {
  const fs::path file = dir_.Write("maxpool.json", "{}");
  fs::create_directories(dir_.path() / "accounts");
  std::unique_ptr<ChangeNotifier> notifier = Make(GetParam(), {file, dir_.path() / "accounts"});
  ASSERT_NE(notifier, nullptr);
  EXPECT_TRUE(notifier->active());
  EXPECT_FALSE(notifier->Check());

  ASSERT_TRUE(WriteFileAtomically(file, R"({"proxy": {"port": 1}})").ok());
  EXPECT_TRUE(Reports(*notifier));
  EXPECT_FALSE(notifier->Check());  // consumed

  dir_.Write("accounts/alpha", "sk-ant-api03-x");
  EXPECT_TRUE(Reports(*notifier));
}

TEST_P(ChangeNotifierTest, IgnoresOtherFilesBesideTheConfig) {
  const fs::path file = dir_.Write("maxpool.json", "{}");
  std::unique_ptr<ChangeNotifier> notifier = Make(GetParam(), {file});
  ASSERT_NE(notifier, nullptr);
  dir_.Write("unrelated.txt", "x");
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(notifier->Check());
}

INSTANTIATE_TEST_SUITE_P(BothNotifiers, ChangeNotifierTest,
                         ::testing::Values(Kind::kInotify, Kind::kPolling),
                         [](const ::testing::TestParamInfo<Kind>& param) {
                           return param.param == Kind::kInotify ? "Inotify" : "Polling";
                         });

// The watcher on the polling notifier, over the config file and a Secret-style directory,
// with its own loader: a new account file is reported without the periodic re-read.
TEST(ConfigWatcherPollingTest, ReportsAChangeInAnyLayer) {
  TempDir dir;
  const fs::path file = dir.Write("maxpool.json", "{}");
  fs::create_directories(dir.path() / "accounts");
  absl::Mutex mu;
  int reports = 0;
  ConfigWatcher::Options options;
  options.path = file;
  options.poll_interval = milliseconds(60'000);
  options.debounce = milliseconds(10);
  options.use_polling = true;
  options.polling_period = milliseconds(20);
  options.extra_paths = {dir.path() / "accounts"};
  options.load = [] { return ParseConfig("{}", "layers"); };
  ConfigWatcher watcher(options, [&](absl::StatusOr<LoadedConfig> loaded) {
    absl::MutexLock lock(&mu);
    if (loaded.ok()) ++reports;
  });
  ASSERT_TRUE(watcher.Start().ok());
  EXPECT_TRUE(watcher.inotify_active());
  dir.Write("accounts/alpha", "sk-ant-api03-x");
  EXPECT_TRUE(Eventually([&] {
    absl::MutexLock lock(&mu);
    return reports == 1;
  }));
  dir.Write("accounts/alpha", "sk-ant-api03-y");
  EXPECT_TRUE(Eventually([&] {
    absl::MutexLock lock(&mu);
    return reports == 2;
  }));
  watcher.Stop();
}

}  // namespace
}  // namespace maxpool::config
