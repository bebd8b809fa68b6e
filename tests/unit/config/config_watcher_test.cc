#include "config/config_watcher.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "config/atomic_file.h"
#include "config/config_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace maxpool::config {
namespace {

namespace fs = std::filesystem;
using ::maxpool::testing::Eventually;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::maxpool::testing::TempDir;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

// How long a test waits to be sure that no (further) callback comes.
constexpr milliseconds kQuiet(300);

std::string ConfigWithPort(int port) {
  return R"({"proxy": {"port": )" + std::to_string(port) +
         R"(}, "accounts": [{"name": "a", "type": "oauth", "accessToken": "at-secret"}]})";
}

// Collects the callbacks.
class Recorder {
 public:
  ConfigWatcher::OnChange Callback() {
    return [this](absl::StatusOr<LoadedConfig> loaded) {
      absl::MutexLock lock(&mu_);
      results_.push_back(std::move(loaded));
    };
  }
  size_t count() {
    absl::MutexLock lock(&mu_);
    return results_.size();
  }
  absl::StatusOr<LoadedConfig> last() {
    absl::MutexLock lock(&mu_);
    return results_.back();
  }
  bool WaitFor(size_t n, milliseconds limit = milliseconds(3000)) {
    return Eventually([&] { return count() >= n; }, limit);
  }

 private:
  absl::Mutex mu_;
  std::vector<absl::StatusOr<LoadedConfig>> results_;
};

ConfigWatcher::Options InotifyOptions(const fs::path& path) {
  ConfigWatcher::Options options;
  options.path = path;
  options.poll_interval = milliseconds(60'000);  // the periodic fallback never fires in the test
  options.debounce = milliseconds(20);
  return options;
}

class ConfigWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = dir_.Write("maxpool.json", ConfigWithPort(4000)); }

  TempDir dir_;
  fs::path path_;
  Recorder recorder_;
};

// Atomic saves replace the file by rename: the watch on the directory must see it, once.
TEST_F(ConfigWatcherTest, FiresOnceAfterARenameSave) {
  ConfigWatcher watcher(InotifyOptions(path_), recorder_.Callback());
  ASSERT_THAT(watcher.Start(), IsOk());
  ASSERT_TRUE(watcher.inotify_active());
  auto store = ConfigStore::Create(path_);
  ASSERT_THAT(store, IsOk());
  ASSERT_THAT((*store)->Update(
                  [](v1::Config& config) {
                    config.mutable_proxy()->set_port(4001);
                    return absl::OkStatus();
                  },
                  std::nullopt),
              IsOk());
  ASSERT_TRUE(recorder_.WaitFor(1));
  std::this_thread::sleep_for(kQuiet);
  EXPECT_EQ(recorder_.count(), 1u);
  auto loaded = recorder_.last();
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->config.proxy().port(), 4001);
  watcher.Stop();
}

TEST_F(ConfigWatcherTest, FiresOnceAfterAPlainOverwrite) {
  ConfigWatcher watcher(InotifyOptions(path_), recorder_.Callback());
  ASSERT_THAT(watcher.Start(), IsOk());
  dir_.Write("maxpool.json", ConfigWithPort(4002));
  ASSERT_TRUE(recorder_.WaitFor(1));
  std::this_thread::sleep_for(kQuiet);
  EXPECT_EQ(recorder_.count(), 1u);
  ASSERT_THAT(recorder_.last(), IsOk());
  EXPECT_EQ(recorder_.last()->config.proxy().port(), 4002);
  // A second change is reported too.
  dir_.Write("maxpool.json", ConfigWithPort(4003));
  ASSERT_TRUE(recorder_.WaitFor(2));
  EXPECT_EQ(recorder_.last()->config.proxy().port(), 4003);
}

// inotify reports the write, but the bytes are the same: nothing to report.
TEST_F(ConfigWatcherTest, RewritingIdenticalBytesIsSilent) {
  ConfigWatcher watcher(InotifyOptions(path_), recorder_.Callback());
  ASSERT_THAT(watcher.Start(), IsOk());
  dir_.Write("maxpool.json", ConfigWithPort(4000));
  dir_.Write("other.json", "{}");  // another file in the directory
  std::this_thread::sleep_for(kQuiet);
  EXPECT_EQ(recorder_.count(), 0u);
}

// Tests with short periodic ticks write atomically: a tick must not read a half-written file.

// The periodic fallback alone (as without inotify): silent while unchanged, then reports a change.
TEST_F(ConfigWatcherTest, PeriodicReReadReportsOnlyChanges) {
  ConfigWatcher::Options options = InotifyOptions(path_);
  options.use_inotify = false;
  options.poll_interval = milliseconds(20);
  ConfigWatcher watcher(options, recorder_.Callback());
  ASSERT_THAT(watcher.Start(), IsOk());
  EXPECT_FALSE(watcher.inotify_active());
  std::this_thread::sleep_for(kQuiet);  // ~15 ticks
  EXPECT_EQ(recorder_.count(), 0u);
  ASSERT_THAT(WriteFileAtomically(path_, ConfigWithPort(4005)), IsOk());
  ASSERT_TRUE(recorder_.WaitFor(1));
  ASSERT_THAT(recorder_.last(), IsOk());
  EXPECT_EQ(recorder_.last()->config.proxy().port(), 4005);
  std::this_thread::sleep_for(kQuiet);
  EXPECT_EQ(recorder_.count(), 1u);
}

// The server keeps its last good config: an invalid file is reported as an error (once, without
// quoting a secret), and the fixed file is reported as the new config.
TEST_F(ConfigWatcherTest, InvalidFileReportsAnErrorThenTheFix) {
  ConfigWatcher::Options options = InotifyOptions(path_);
  options.poll_interval = milliseconds(50);  // periodic ticks must not repeat the error
  ConfigWatcher watcher(options, recorder_.Callback());
  ASSERT_THAT(watcher.Start(), IsOk());
  ASSERT_THAT(WriteFileAtomically(
                  path_, R"({"accounts": [{"name": "a", "type": "oauth", "accessToken": "at-secret",
                 "priority": "high"}]})"),
              IsOk());
  ASSERT_TRUE(recorder_.WaitFor(1));
  const absl::StatusOr<LoadedConfig> error = recorder_.last();
  EXPECT_THAT(error, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("priority")));
  EXPECT_THAT(error.status().message(), Not(HasSubstr("at-secret")));
  std::this_thread::sleep_for(kQuiet);
  EXPECT_EQ(recorder_.count(), 1u);

  ASSERT_THAT(WriteFileAtomically(path_, ConfigWithPort(4006)), IsOk());
  ASSERT_TRUE(recorder_.WaitFor(2));
  ASSERT_THAT(recorder_.last(), IsOk());
  EXPECT_EQ(recorder_.last()->config.proxy().port(), 4006);
}

TEST_F(ConfigWatcherTest, DeletedFileIsReportedAndItsReturnToo) {
  ConfigWatcher watcher(InotifyOptions(path_), recorder_.Callback());
  ASSERT_THAT(watcher.Start(), IsOk());
  fs::remove(path_);
  ASSERT_TRUE(recorder_.WaitFor(1));
  EXPECT_THAT(recorder_.last(), StatusIs(absl::StatusCode::kNotFound));
  dir_.Write("maxpool.json", ConfigWithPort(4007));
  ASSERT_TRUE(recorder_.WaitFor(2));
  ASSERT_THAT(recorder_.last(), IsOk());
  EXPECT_EQ(recorder_.last()->config.proxy().port(), 4007);
}

TEST_F(ConfigWatcherTest, ReloadNowReportsEvenAnUnchangedFile) {
  ConfigWatcher watcher(InotifyOptions(path_), recorder_.Callback());
  ASSERT_THAT(watcher.Start(), IsOk());
  watcher.ReloadNow();
  ASSERT_TRUE(recorder_.WaitFor(1));
  ASSERT_THAT(recorder_.last(), IsOk());
  EXPECT_EQ(recorder_.last()->config.proxy().port(), 4000);
}

TEST_F(ConfigWatcherTest, StopReturnsPromptlyAndIsIdempotent) {
  ConfigWatcher::Options options = InotifyOptions(path_);
  options.poll_interval = milliseconds(3'600'000);
  ConfigWatcher watcher(options, recorder_.Callback());
  ASSERT_THAT(watcher.Start(), IsOk());
  EXPECT_THAT(watcher.Start(), StatusIs(absl::StatusCode::kFailedPrecondition));
  std::this_thread::sleep_for(milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  watcher.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));
  watcher.Stop();
  watcher.ReloadNow();  // no-op when stopped
  // No callback after Stop.
  dir_.Write("maxpool.json", ConfigWithPort(4008));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(recorder_.count(), 0u);
  // It can be started again.
  ASSERT_THAT(watcher.Start(), IsOk());
  dir_.Write("maxpool.json", ConfigWithPort(4009));
  ASSERT_TRUE(recorder_.WaitFor(1));
  EXPECT_EQ(recorder_.last()->config.proxy().port(), 4009);
}

// Without a directory to watch (yet), the periodic re-read still reports the file once it
// appears.
TEST(ConfigWatcher, MissingDirectoryFallsBackToPeriodicReads) {
  TempDir dir;
  const fs::path path = dir.path() / "later" / "maxpool.json";
  Recorder recorder;
  ConfigWatcher::Options options = InotifyOptions(path);
  options.poll_interval = milliseconds(30);
  ConfigWatcher watcher(options, recorder.Callback());
  ASSERT_THAT(watcher.Start(), IsOk());
  EXPECT_FALSE(watcher.inotify_active());
  fs::create_directory(dir.path() / "later");
  ASSERT_THAT(WriteFileAtomically(path, ConfigWithPort(4010)), IsOk());
  ASSERT_TRUE(recorder.WaitFor(1));
  ASSERT_THAT(recorder.last(), IsOk());
  EXPECT_EQ(recorder.last()->config.proxy().port(), 4010);
  EXPECT_TRUE(Eventually([&] { return watcher.inotify_active(); }));
}

}  // namespace
}  // namespace maxpool::config
