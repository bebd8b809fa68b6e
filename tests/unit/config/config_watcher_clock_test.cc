// config::ConfigWatcher on an injected fake clock: the periodic re-read, the polling notifier's
// period and the debounce wait for the clock, not for real time (each period here is an hour, so
// only the fake clock can end it), and a check that throws is logged and counted.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "config/config_watcher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace maxpool::config {
namespace {

namespace fs = std::filesystem;
using ::maxpool::testing::Eventually;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::TempDir;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr milliseconds kHour(3'600'000);

std::string ConfigWithPort(int port) {
  return R"({"proxy": {"port": )" + std::to_string(port) +
         R"(}, "accounts": [{"name": "a", "type": "oauth", "accessToken": "at-secret"}]})";
}

class ConfigWatcherClockTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = dir_.Write("maxpool.json", ConfigWithPort(4000)); }

  ConfigWatcher::OnChange Record() {
    return [this](absl::StatusOr<LoadedConfig> loaded) {
      absl::MutexLock lock(&mu_);
      ports_.push_back(loaded.ok() ? loaded->config.proxy().port() : -1);
    };
  }
  std::vector<int> ports() {
    absl::MutexLock lock(&mu_);
    return ports_;
  }
  // Moves the clock by `step` until a report arrives (the watcher's thread may not have reached
  // its wait when the clock first moves).
  bool AdvanceUntilReported(absl::Duration step) {
    return Eventually([&] {
      clock_.Advance(step);
      return !ports().empty();
    });
  }

  FakeClock clock_;
  TempDir dir_;
  fs::path path_;
  absl::Mutex mu_;
  std::vector<int> ports_;
};

TEST_F(ConfigWatcherClockTest, ThePeriodicReReadWaitsForTheInjectedClock) {
  ConfigWatcher::Options options;
  options.path = path_;
  options.use_inotify = false;
  options.poll_interval = kHour;
  options.clock = &clock_;
  ConfigWatcher watcher(options, Record());
  ASSERT_THAT(watcher.Start(), IsOk());
  dir_.Write("maxpool.json", ConfigWithPort(4001));
  ASSERT_TRUE(AdvanceUntilReported(absl::Hours(1)));
  EXPECT_EQ(ports(), std::vector<int>{4001});
  watcher.Stop();
}

TEST_F(ConfigWatcherClockTest, ThePollingNotifierAndTheDebounceRunOnTheInjectedClock) {
  ConfigWatcher::Options options;
  options.path = path_;
  options.use_polling = true;
  options.polling_period = kHour;
  options.debounce = kHour;
  options.poll_interval = 1000 * kHour;  // the periodic re-read stays out of the way
  options.clock = &clock_;
  ConfigWatcher watcher(options, Record());
  ASSERT_THAT(watcher.Start(), IsOk());
  // A longer file: the polling notifier sees its size change even within one mtime tick.
  dir_.Write("maxpool.json", ConfigWithPort(40002));
  // One hour for the notifier to look, one more for the debounce to end.
  ASSERT_TRUE(AdvanceUntilReported(absl::Hours(1)));
  EXPECT_EQ(ports(), std::vector<int>{40002});
  watcher.Stop();
}

TEST_F(ConfigWatcherClockTest, ACheckThatThrowsIsLoggedCountedAndTheWatcherCarriesOn) {
  std::atomic<int> calls{0};
  absl::Mutex log_mu;
  std::vector<std::string> log;
  ConfigWatcher::Options options;
  options.path = path_;
  options.use_inotify = false;
  options.poll_interval = kHour;
  options.clock = &clock_;
  options.log = [&](const std::string& line) {
    absl::MutexLock lock(&log_mu);
    log.push_back(line);
  };
  ConfigWatcher watcher(options, [&](absl::StatusOr<LoadedConfig>) {
    if (calls.fetch_add(1) == 0) throw std::runtime_error("the callback broke");
  });
  ASSERT_THAT(watcher.Start(), IsOk());
  watcher.ReloadNow();
  ASSERT_TRUE(Eventually([&] { return watcher.failed_checks() == 1; }));
  {
    absl::MutexLock lock(&log_mu);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_THAT(log[0], HasSubstr("error: reading the config "));
    EXPECT_THAT(log[0], HasSubstr("ended with an exception: the callback broke"));
  }
  watcher.ReloadNow();
  ASSERT_TRUE(Eventually([&] { return calls.load() == 2; }));
  EXPECT_EQ(watcher.failed_checks(), 1u);
  watcher.Stop();
}

}  // namespace
}  // namespace maxpool::config
