// End to end: two replicas of one pool share what they learn through a real redis-server
// (`state.backend: redis`). Replica A meets the accounts and learns that one has used its week and
// another's week resets soonest; replica B, started while A still runs, spends no request on the
// exhausted account and prefers the one about to reset, from its first request.

#include <csignal>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "support/child_process.h"
#include "support/curl.h"
#include "support/eventually.h"
#include "support/fake_stats.h"
#include "support/redis_server.h"
#include "support/shell.h"
#include "support/temp_dir.h"

#ifndef MAXPOOL_BIN
#error "MAXPOOL_BIN must name the built maxpool binary"
#endif
#ifndef MAXPOOL_FAKE_BIN
#error "MAXPOOL_FAKE_BIN must name the built maxpool-fake-upstream binary"
#endif

namespace maxpool::testing {
namespace {

constexpr char kSpent[] = "sk-ant-oat01-shared-spent";
constexpr char kSoon[] = "sk-ant-oat01-shared-soon";
constexpr char kFresh[] = "sk-ant-oat01-shared-fresh";

// What `redis-cli` prints for `args` against the test's server.
std::string RedisCli(uint16_t port, const std::string& args) {
  return ShellOutput(absl::StrCat("redis-cli -p ", port, " ", args, " 2>/dev/null"));
}

TEST(SharedStateE2E, AReplicaStartsFromWhatAnotherLearned) {
  TempDir dir;
  RedisServer redis;
  const uint16_t fake_port = FreePort();
  ChildProcess fake(
      {MAXPOOL_FAKE_BIN, "--port", std::to_string(fake_port), "--scenario",
       dir.Write("scenario.json",
                 absl::StrCat(R"({"accounts":[{"credential":")", kSpent,
                              R"(","type":"oauth","utilization_7d":0.9995,"reset_7d_in":259200},)",
                              R"({"credential":")", kSoon,
                              R"(","type":"oauth","utilization_7d":0.4,"reset_7d_in":10800},)",
                              R"({"credential":")", kFresh,
                              R"(","type":"oauth","utilization_7d":0.3,"reset_7d_in":518400}]})"))},
      (dir.path() / "fake.log").string());
  ASSERT_TRUE(WaitForPort(fake_port));
  const std::string base = absl::StrCat("http://127.0.0.1:", fake_port);
  // Each replica has its own config file and state directory; only Redis is shared.
  auto replica = [&](const std::string& name, uint16_t port) {
    std::filesystem::create_directories(dir.path() / name);
    const std::string config = dir.Write(
        name + "/maxpool.json",
        absl::StrCat(R"({"proxy":{"host":"127.0.0.1","port":)", port, R"(},"upstream":")", base,
                     R"(","eventLog":false,"quotaProbeSeconds":0,)",
                     R"("state":{"backend":"redis","pool":"e2e","redis":{"url":")", redis.url(),
                     R"("}},"accounts":[)", R"({"name":"spent","type":"oauth","accessToken":")",
                     kSpent, R"("},)", R"({"name":"soon","type":"oauth","accessToken":")", kSoon,
                     R"("},)", R"({"name":"fresh","type":"oauth","accessToken":")", kFresh,
                     R"("}]})"));
    return std::vector<std::string>{MAXPOOL_BIN, "server",       "--no-tui", "--control-port",
                                    "0",         "--admin-port", "0",        "--config",
                                    config};
  };

  const uint16_t port_a = FreePort();
  const std::string log_a = (dir.path() / "a.log").string();
  ChildProcess a(replica("a", port_a), log_a);
  ASSERT_TRUE(WaitForPort(port_a)) << ReadFile(log_a);
  EXPECT_NE(ReadFile(log_a).find("shared in redis://127.0.0.1:"), std::string::npos)
      << ReadFile(log_a);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(Curl(dir, MessagesCurlArgs(port_a)), "200") << ReadFile(log_a);
  ASSERT_GE(FakeRequestsPerCredential(dir, base)[kSpent], 1)
      << "replica A never met the exhausted account";
  // A saves what it learned within 2 s.
  ASSERT_TRUE(Eventually(
      [&] {
        return RedisCli(redis.port(), "HGET '{maxpool:e2e}:accounts' name:spent")
                   .find("\"spent\"") != std::string::npos;
      },
      std::chrono::seconds(10)))
      << RedisCli(redis.port(), "KEYS '*'") << ReadFile(log_a);
  // No secret is kept in Redis.
  const std::string everything = RedisCli(redis.port(), "HGETALL '{maxpool:e2e}:accounts'");
  EXPECT_EQ(everything.find("sk-ant-"), std::string::npos) << everything;

  const std::map<std::string, int64_t> before = FakeRequestsPerCredential(dir, base);
  const uint16_t port_b = FreePort();
  const std::string log_b = (dir.path() / "b.log").string();
  ChildProcess b(replica("b", port_b), log_b);
  ASSERT_TRUE(WaitForPort(port_b)) << ReadFile(log_b);
  EXPECT_NE(ReadFile(log_b).find("restored what the last run learned"), std::string::npos)
      << ReadFile(log_b);
  ASSERT_EQ(Curl(dir, MessagesCurlArgs(port_b)), "200") << ReadFile(log_b);
  std::map<std::string, int64_t> after = FakeRequestsPerCredential(dir, base);
  EXPECT_EQ(after[kSoon], before.at(kSoon) + 1)
      << "replica B's first request did not go to the account whose week resets soonest";
  for (int i = 0; i < 9; ++i)
    EXPECT_EQ(Curl(dir, MessagesCurlArgs(port_b)), "200") << ReadFile(log_b);
  after = FakeRequestsPerCredential(dir, base);
  EXPECT_EQ(after[kSpent], before.at(kSpent))
      << "replica B spent a request on the exhausted account";
  EXPECT_EQ(b.Stop(SIGTERM), 0) << ReadFile(log_b);
  EXPECT_EQ(a.Stop(SIGTERM), 0) << ReadFile(log_a);
}

}  // namespace
}  // namespace maxpool::testing
