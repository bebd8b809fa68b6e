// End to end: a restarted `maxpool server` routes as the one before it did (spec §12.1). The
// real server learns from the real fake upstream that one account has used its week and another
// has quota about to reset; it is restarted (SIGTERM, drain); the new one spends no request on
// the exhausted account and sends its first request to the account whose week resets soonest,
// as the old one would have: without the state file it would start blind and try them in turn.

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "support/child_process.h"
#include "support/curl.h"
#include "support/eventually.h"
#include "support/fake_stats.h"
#include "support/temp_dir.h"

#ifndef MAXPOOL_BIN
#error "MAXPOOL_BIN must name the built maxpool binary"
#endif
#ifndef MAXPOOL_FAKE_BIN
#error "MAXPOOL_FAKE_BIN must name the built maxpool-fake-upstream binary"
#endif

namespace maxpool::testing {
namespace {

constexpr char kSpent[] = "sk-ant-oat01-restart-spent";
constexpr char kSoon[] = "sk-ant-oat01-restart-soon";
constexpr char kFresh[] = "sk-ant-oat01-restart-fresh";

// One account has used its week, one has a week that resets in 3 hours, one is fresh.
std::string Scenario() {
  return absl::StrCat(
      R"({"accounts":[)", R"({"credential":")", kSpent,
      R"(","type":"oauth","name":"spent","utilization_7d":0.9995,)", R"("reset_7d_in":259200},)",
      R"({"credential":")", kSoon,
      R"(","type":"oauth","name":"soon","utilization_7d":0.4,"reset_7d_in":10800},)",
      R"({"credential":")", kFresh, R"(","type":"oauth","name":"fresh","utilization_7d":0.3,)",
      R"("reset_7d_in":518400}]})");
}

// The prober is off: what the restarted server knows comes from the state file alone.
std::string Config(const std::string& base, uint16_t proxy_port) {
  return absl::StrCat(R"({"proxy":{"host":"127.0.0.1","port":)", proxy_port, R"(},"upstream":")",
                      base, R"(","eventLog":false,"quotaProbeSeconds":0,"accounts":[)",
                      R"({"name":"spent","type":"oauth","accessToken":")", kSpent, R"("},)",
                      R"({"name":"soon","type":"oauth","accessToken":")", kSoon, R"("},)",
                      R"({"name":"fresh","type":"oauth","accessToken":")", kFresh, R"("}]})");
}

std::vector<std::string> ServerCommand(const std::string& config) {
  return {MAXPOOL_BIN, "server",   "--no-tui", "--control-port", "0", "--admin-port",
          "0",         "--config", config};
}

// The real fake upstream with the three accounts, and the server's config, command and log.
class RestartMemoryE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    const uint16_t fake_port = FreePort();
    fake_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{MAXPOOL_FAKE_BIN, "--port", std::to_string(fake_port),
                                 "--scenario", dir_.Write("scenario.json", Scenario())},
        (dir_.path() / "fake.log").string());
    ASSERT_TRUE(WaitForPort(fake_port));
    base_ = absl::StrCat("http://127.0.0.1:", fake_port);
    command_ = ServerCommand(dir_.Write("maxpool.json", Config(base_, proxy_port_)));
  }

  TempDir dir_;
  std::unique_ptr<ChildProcess> fake_;
  std::string base_;
  const uint16_t proxy_port_ = FreePort();
  const std::string server_log_ = (dir_.path() / "server.log").string();
  std::vector<std::string> command_;
};

TEST_F(RestartMemoryE2E, TheRestartedServerSkipsTheExhaustedAccountAndPrefersTheOneAboutToReset) {
  const std::string request = MessagesCurlArgs(proxy_port_);

  // The first run meets every account once and learns their weeks.
  {
    ChildProcess server(command_, server_log_);
    ASSERT_TRUE(WaitForPort(proxy_port_)) << ReadFile(server_log_);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(Curl(dir_, request), "200") << ReadFile(server_log_);
    std::map<std::string, int64_t> served = FakeRequestsPerCredential(dir_, base_);
    ASSERT_GE(served[kSpent], 1) << "the first run never met the exhausted account";
    ASSERT_GE(served[kSoon], 1);
    EXPECT_EQ(server.Stop(SIGTERM), 0) << ReadFile(server_log_);
  }
  ASSERT_TRUE(std::filesystem::exists(dir_.path() / "maxpool.state.json")) << ReadFile(server_log_);
  std::map<std::string, int64_t> before = FakeRequestsPerCredential(dir_, base_);

  ChildProcess server(command_, server_log_);
  ASSERT_TRUE(WaitForPort(proxy_port_)) << ReadFile(server_log_);
  EXPECT_NE(ReadFile(server_log_).find("restored what the last run learned"), std::string::npos)
      << ReadFile(server_log_);
  ASSERT_EQ(Curl(dir_, request), "200") << ReadFile(server_log_);
  std::map<std::string, int64_t> after = FakeRequestsPerCredential(dir_, base_);
  EXPECT_EQ(after[kSoon], before[kSoon] + 1) << "the first request after the restart did not "
                                                "go to the account whose week resets soonest";
  for (int i = 0; i < 9; ++i) EXPECT_EQ(Curl(dir_, request), "200") << ReadFile(server_log_);
  after = FakeRequestsPerCredential(dir_, base_);
  EXPECT_EQ(after[kSpent], before[kSpent]) << "a request was spent on the exhausted account";
  EXPECT_GT(after[kSoon] - before[kSoon], after[kFresh] - before[kFresh]);
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

// The same restart with clients sending all the while: requests in flight at the SIGTERM finish,
// the new server takes over on the same port, and from its first request on it still skips the
// exhausted account and prefers the one whose week resets soonest.
TEST_F(RestartMemoryE2E, UnderContinuousTrafficTheRestartKeepsWhatItLearned) {
  auto server = std::make_unique<ChildProcess>(command_, server_log_);
  ASSERT_TRUE(WaitForPort(proxy_port_)) << ReadFile(server_log_);
  // One client, one request after another, for the whole test.
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::atomic<int> refused{0};
  std::thread client([&] {
    while (!stop.load()) {
      if (Curl(dir_, MessagesCurlArgs(proxy_port_), "traffic.out") == "200") {
        ++ok;
      } else {
        ++refused;  // the moment between the old server's exit and the new one's listen
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
  // The first run meets every account under the traffic, then is told to stop mid-traffic.
  ASSERT_TRUE(Eventually(
      [&] { return FakeRequestsPerCredential(dir_, base_)[kSpent] >= 1 && ok.load() >= 8; },
      std::chrono::seconds(30)))
      << ReadFile(server_log_);
  EXPECT_EQ(server->Stop(SIGTERM), 0) << ReadFile(server_log_);
  const std::map<std::string, int64_t> before = FakeRequestsPerCredential(dir_, base_);
  const int ok_before = ok.load();
  server = std::make_unique<ChildProcess>(command_, server_log_);
  ASSERT_TRUE(WaitForPort(proxy_port_)) << ReadFile(server_log_);
  ASSERT_TRUE(Eventually([&] { return ok.load() >= ok_before + 10; }, std::chrono::seconds(30)))
      << ReadFile(server_log_);
  stop = true;
  client.join();
  const std::map<std::string, int64_t> after = FakeRequestsPerCredential(dir_, base_);
  EXPECT_EQ(after.at(kSpent), before.at(kSpent)) << "a request was spent on the exhausted account";
  EXPECT_GT(after.at(kSoon) - before.at(kSoon), after.at(kFresh) - before.at(kFresh))
      << "after the restart the account about to reset is no longer preferred";
  EXPECT_EQ(server->Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace maxpool::testing
