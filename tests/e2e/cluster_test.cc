// End to end: three replicas of one pool (`state.backend: redis`) against one fake upstream and
// a real redis-server, the way sidecars share accounts in Kubernetes.
//   - 300 concurrent requests: no account's fleet-wide in-flight count ever exceeds its cap by
//     more than one (the fake records the most it saw at once);
//   - kill -9 of a replica mid-stream: its leases expire within the TTL and the others take
//     over its share;
//   - Redis stopped for 10 s under traffic: no client error, and the fleet resyncs when it is
//     back;
//   - an expiring OAuth token is refreshed once fleet-wide, and every replica uses the new one;
//   - an account added through one replica's control plane serves on another within 2 s;
//   - a Redis restarted empty is filled again from the replicas, and no credential is lost.

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "boost/json/parse.hpp"
#include "boost/json/serialize.hpp"
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

constexpr char kKeyA[] = "sk-ant-api03-cluster-a";
constexpr char kKeyB[] = "sk-ant-api03-cluster-b";
// The fake's API-key limits, out of the way of a test that sends thousands of requests.
constexpr char kNoLimits[] = R"("requests_limit":100000000,"tokens_limit":1000000000)";

std::string MessageBody(bool stream) {
  return absl::StrCat(R"({"model":"claude-sonnet-4-5","max_tokens":32,"stream":)",
                      stream ? "true" : "false",
                      R"(,"messages":[{"role":"user","content":"hi"}]})");
}

// A fake upstream, a Redis, and replicas started on demand.
class Cluster {
 public:
  // `accounts`: the fake's scenario accounts (JSON array items); `pool_accounts`: the replicas'
  // `accounts` (JSON array items); `scheduler`: the replicas' scheduler section.
  Cluster(const std::string& accounts, std::string pool_accounts, std::string scheduler)
      : pool_accounts_(std::move(pool_accounts)), scheduler_(std::move(scheduler)) {
    fake_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            MAXPOOL_FAKE_BIN, "--port", std::to_string(fake_port_), "--scenario",
            dir_.Write("scenario.json", absl::StrCat(R"({"accounts":[)", accounts, "]}"))},
        (dir_.path() / "fake.log").string());
    EXPECT_TRUE(WaitForPort(fake_port_)) << ReadFile((dir_.path() / "fake.log").string());
  }

  struct Replica {
    uint16_t port = 0;
    uint16_t admin = 0;
    uint16_t control = 0;
    std::string log;
    std::unique_ptr<ChildProcess> process;
  };

  // Starts replica `name` and waits for its port.
  Replica& Start(const std::string& name) {
    std::filesystem::create_directories(dir_.path() / name);
    Replica& r = replicas_[name];
    r.port = FreePort();
    r.admin = FreePort();
    r.control = FreePort();
    r.log = (dir_.path() / (name + ".log")).string();
    const std::string config = dir_.Write(
        name + "/maxpool.json",
        absl::StrCat(R"({"proxy":{"host":"127.0.0.1","port":)", r.port, R"(},"upstream":")", base(),
                     R"(","oauth":{"tokenUrl":")", base(),
                     R"(/v1/oauth/token"},"eventLog":false,"quotaProbeSeconds":0,)",
                     R"("queue":{"maxConcurrentQueued":500},"scheduler":)", scheduler_,
                     R"(,"state":{"backend":"redis","pool":"e2e","replica":")", name,
                     R"(","leaseTtlMs":2000,"syncIntervalMs":400,"redis":{"url":")", redis_.url(),
                     R"(","timeoutMs":300}},"accounts":[)", pool_accounts_, "]}"));
    r.process = std::make_unique<ChildProcess>(
        std::vector<std::string>{MAXPOOL_BIN, "server", "--no-tui", "--control-port",
                                 std::to_string(r.control), "--admin-port", std::to_string(r.admin),
                                 "--config", config},
        r.log);
    EXPECT_TRUE(WaitForPort(r.port)) << ReadFile(r.log);
    return r;
  }
  Replica& replica(const std::string& name) { return replicas_.at(name); }

  std::string base() const { return absl::StrCat("http://127.0.0.1:", fake_port_); }
  RedisServer& redis() { return redis_; }
  const TempDir& dir() const { return dir_; }

  // The fake's counter `field` per credential.
  std::map<std::string, int64_t> FakeStat(const std::string& field) {
    std::map<std::string, int64_t> out;
    boost::system::error_code ec;
    const boost::json::value stats =
        boost::json::parse(Curl(dir_, base() + "/_fake/stats", "stats.out"), ec);
    if (ec || !stats.is_object() || !stats.as_object().contains("stats")) return out;
    for (const auto& [credential, s] : stats.at("stats").as_object()) {
      out[std::string(credential)] = s.at(field).as_int64();
    }
    return out;
  }
  // A metric's value on replica `name`'s /metrics ("" when absent).
  std::string Metric(const std::string& name, const std::string& series) {
    const std::string text =
        Curl(dir_, absl::StrCat("http://127.0.0.1:", replica(name).admin, "/metrics"),
             name + ".metrics");
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (absl::StartsWith(line, series + " ")) return std::string(line.substr(series.size() + 1));
    }
    return "";
  }
  // The replicas alive in Redis, sorted, separated by spaces.
  std::string Replicas() {
    std::vector<std::string> names =
        absl::StrSplit(RedisCli("ZRANGE '{maxpool:e2e}:replicas' 0 -1"), '\n', absl::SkipEmpty());
    std::sort(names.begin(), names.end());
    return absl::StrJoin(names, " ");
  }
  std::string RedisCli(const std::string& args) {
    return ShellOutput(absl::StrCat("redis-cli -p ", redis_.port(), " ", args, " 2>/dev/null"));
  }

  // `count` requests at once, spread over `ports`; the statuses, one per line, in `out_name`.
  std::vector<std::string> Burst(const std::vector<uint16_t>& ports, int count, bool stream,
                                 const std::string& out_name) {
    const std::string body = dir_.Write(out_name + ".json", MessageBody(stream));
    std::string script;
    for (int i = 0; i < count; ++i) {
      absl::StrAppend(&script, "curl -s -m 120 -o /dev/null -w '%{http_code}\\n' ",
                      "-H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' ",
                      "--data-binary @", body, " http://127.0.0.1:", ports[i % ports.size()],
                      "/v1/messages >> ", (dir_.path() / out_name).string(), " &\n");
    }
    absl::StrAppend(&script, "wait\n");
    const std::string file = dir_.Write(out_name + ".sh", script);
    EXPECT_EQ(std::system(absl::StrCat("sh ", file).c_str()), 0);
    return absl::StrSplit(ReadFile((dir_.path() / out_name).string()), '\n', absl::SkipEmpty());
  }

 private:
  TempDir dir_;
  RedisServer redis_;
  const uint16_t fake_port_ = FreePort();
  std::unique_ptr<ChildProcess> fake_;
  const std::string pool_accounts_;
  const std::string scheduler_;
  std::map<std::string, Replica> replicas_;
};

std::string KeyAccounts() {
  return absl::StrCat(R"({"name":"a","type":"apikey","apiKey":")", kKeyA, R"("},)",
                      R"({"name":"b","type":"apikey","apiKey":")", kKeyB, R"("})");
}

TEST(ClusterE2E, ThreeHundredConcurrentRequestsKeepEachAccountWithinItsCapFleetWide) {
  // Each answer takes 150 ms, so 300 requests pile up far beyond the fleet's 2 x 4 slots.
  Cluster cluster(
      absl::StrCat(R"({"credential":")", kKeyA,
                   R"(","type":"apikey","default":{"kind":"delay_headers","delay_ms":150}},)",
                   R"({"credential":")", kKeyB,
                   R"(","type":"apikey","default":{"kind":"delay_headers","delay_ms":150}})"),
      KeyAccounts(), R"({"safetyMaxActivePerAccount":4})");
  std::vector<uint16_t> ports;
  for (const std::string name : {"r1", "r2", "r3"}) ports.push_back(cluster.Start(name).port);
  ASSERT_TRUE(Eventually([&] { return cluster.Metric("r1", "maxpool_cluster_replicas") == "3"; },
                         std::chrono::seconds(10)))
      << cluster.Metric("r1", "maxpool_cluster_replicas");
  const std::vector<std::string> statuses = cluster.Burst(ports, 300, false, "burst");
  ASSERT_EQ(statuses.size(), 300u);
  std::map<std::string, int> by_status;
  for (const std::string& status : statuses) ++by_status[status];
  EXPECT_EQ(by_status["200"], 300)
      << absl::StrJoin(by_status, ", ", absl::PairFormatter("×")) << "\n"
      << ReadFile(cluster.replica("r1").log);
  const std::map<std::string, int64_t> most = cluster.FakeStat("max_in_flight");
  const std::map<std::string, int64_t> served = cluster.FakeStat("requests");
  for (const char* key : {kKeyA, kKeyB}) {
    EXPECT_LE(most.at(key), 5) << key << ": the fleet sent more at once than the cap allows";
    EXPECT_GE(most.at(key), 3) << key << ": the burst never filled the account";
    EXPECT_GE(served.at(key), 60) << key << ": the fleet did not share the work out";
  }
  EXPECT_EQ(served.at(kKeyA) + served.at(kKeyB), 300);
  // Every lease was given back.
  EXPECT_TRUE(Eventually(
      [&] {
        return cluster.RedisCli("ZCARD '{maxpool:e2e}:leases:a'") == "0\n" &&
               cluster.RedisCli("ZCARD '{maxpool:e2e}:leases:b'") == "0\n";
      },
      std::chrono::seconds(5)));
  for (const std::string name : {"r1", "r2", "r3"}) {
    EXPECT_EQ(cluster.replica(name).process->Stop(SIGTERM), 0)
        << ReadFile(cluster.replica(name).log);
  }
}

TEST(ClusterE2E, AReplicaKilledMidStreamLosesItsLeasesWithinTheTtl) {
  // One account with room for two; the first two streams are slow (3 s between events).
  Cluster cluster(absl::StrCat(R"({"credential":")", kKeyA, R"(","type":"apikey","script":[)",
                               R"({"kind":"slow_stream","delay_ms":3000},)",
                               R"({"kind":"slow_stream","delay_ms":3000}]})"),
                  absl::StrCat(R"({"name":"a","type":"apikey","apiKey":")", kKeyA, R"("})"),
                  R"({"safetyMaxActivePerAccount":2})");
  Cluster::Replica& victim = cluster.Start("r1");
  const uint16_t r2 = cluster.Start("r2").port;
  cluster.Start("r3");
  const std::string body = cluster.dir().Write("stream.json", MessageBody(true));
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(std::system(absl::StrCat("curl -s -N -m 60 -o /dev/null -H 'content-type: "
                                       "application/json' -H 'anthropic-version: 2023-06-01' "
                                       "--data-binary @",
                                       body, " http://127.0.0.1:", victim.port,
                                       "/v1/messages >/dev/null 2>&1 &")
                              .c_str()),
              0);
  }
  ASSERT_TRUE(Eventually([&] { return cluster.FakeStat("in_flight")[kKeyA] == 2; },
                         std::chrono::seconds(10)))
      << Curl(cluster.dir(), cluster.base() + "/_fake/stats", "stats.out") << ReadFile(victim.log);
  ASSERT_TRUE(
      Eventually([&] { return cluster.RedisCli("ZCARD '{maxpool:e2e}:leases:a'") == "2\n"; },
                 std::chrono::seconds(5)));
  // The account is full fleet-wide: r2's request waits (held) rather than overfill it.
  ASSERT_TRUE(Eventually(
      [&] { return cluster.Metric("r2", "maxpool_account_fleet_inflight{account=\"a\"}") == "2"; },
      std::chrono::seconds(5)));
  victim.process->Stop(SIGKILL);  // kill -9, and reaped
  const auto killed = std::chrono::steady_clock::now();
  const std::string status =
      ShellOutput(absl::StrCat("curl -s -m 60 -o /dev/null -w '%{http_code}' -H 'content-type: "
                               "application/json' -H 'anthropic-version: 2023-06-01' -d '",
                               MessageBody(false), "' http://127.0.0.1:", r2, "/v1/messages"));
  const auto waited = std::chrono::steady_clock::now() - killed;
  EXPECT_EQ(status, "200") << ReadFile(cluster.replica("r2").log);
  // The TTL is 2 s; renewals every 400 ms, a hold's poll of 1 s: well inside 6 s.
  EXPECT_LT(waited, std::chrono::seconds(6));
  EXPECT_TRUE(Eventually([&] { return cluster.Replicas() == "r2 r3"; }, std::chrono::seconds(5)))
      << cluster.Replicas();
}

TEST(ClusterE2E, RedisStoppedForTenSecondsUnderTrafficFailsNoRequestAndResyncs) {
  // Limits far above what the test sends: only Redis may get in the way.
  Cluster cluster(
      absl::StrCat(R"({"credential":")", kKeyA, R"(","type":"apikey",)", kNoLimits, "},",
                   R"({"credential":")", kKeyB, R"(","type":"apikey",)", kNoLimits, "}"),
      KeyAccounts(), R"({"safetyMaxActivePerAccount":6})");
  std::vector<uint16_t> ports;
  for (const std::string name : {"r1", "r2", "r3"}) ports.push_back(cluster.Start(name).port);
  ASSERT_TRUE(Eventually([&] { return cluster.Metric("r3", "maxpool_cluster_replicas") == "3"; },
                         std::chrono::seconds(10)));
  // Traffic on every replica, four requests at a time, for the whole outage and after it.
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::vector<std::string> failures;
  std::mutex failures_mu;
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      const std::string out = absl::StrCat("client", c);
      while (!stop.load()) {
        const uint16_t port = ports[(sent.fetch_add(1)) % ports.size()];
        const auto started = std::chrono::steady_clock::now();
        const std::string status = Curl(cluster.dir(), MessagesCurlArgs(port), out);
        if (status != "200") {
          std::lock_guard<std::mutex> lock(failures_mu);
          failures.push_back(absl::StrCat(status.empty() ? "(curl failed)" : status, " from port ",
                                          port, " after ",
                                          std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now() - started)
                                              .count(),
                                          " ms"));
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  cluster.redis().Stop();
  ASSERT_TRUE(Eventually([&] { return cluster.Metric("r1", "maxpool_cluster_connected") == "0"; },
                         std::chrono::seconds(5)));
  const int before_restart = sent.load();
  std::this_thread::sleep_for(std::chrono::seconds(10));
  EXPECT_GT(sent.load(), before_restart + 20) << "traffic stalled while Redis was out";
  cluster.redis().Restart();  // back, and empty
  for (const std::string name : {"r1", "r2", "r3"}) {
    EXPECT_TRUE(Eventually([&] { return cluster.Metric(name, "maxpool_cluster_connected") == "1"; },
                           std::chrono::seconds(5)))
        << ReadFile(cluster.replica(name).log);
  }
  EXPECT_TRUE(Eventually([&] { return cluster.Replicas() == "r1 r2 r3"; }, std::chrono::seconds(5)))
      << cluster.Replicas();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  stop.store(true);
  for (std::thread& t : clients) t.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " requests failed:\n"
                                << absl::StrJoin(failures, "\n") << "\n"
                                << ReadFile(cluster.replica("r1").log);
  const std::string log = ReadFile(cluster.replica("r1").log);
  EXPECT_NE(log.find("Redis is out of reach"), std::string::npos) << log;
  EXPECT_NE(log.find("Redis answers again"), std::string::npos) << log;
  for (const std::string name : {"r1", "r2", "r3"}) {
    EXPECT_EQ(cluster.replica(name).process->Stop(SIGTERM), 0)
        << ReadFile(cluster.replica(name).log);
  }
}

TEST(ClusterE2E, AnExpiringTokenIsRefreshedOnceFleetWideAndEveryReplicaUsesTheNewOne) {
  constexpr char kAccess[] = "sk-ant-oat01-cluster-first";
  constexpr char kRefresh[] = "sk-ant-ort01-cluster-first";
  // Expires in 30 s: within the refresh lead, and too soon for a request to go without waiting.
  const int64_t expires_at =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch() + std::chrono::seconds(30))
          .count();
  // A rotation revokes the older access tokens: a replica still sending one gets a 403.
  Cluster cluster(
      absl::StrCat(R"({"credential":")", kAccess, R"(","type":"oauth","refresh_token":")", kRefresh,
                   R"(","expires_at":)", expires_at, R"(,"revoke_old_access":true})"),
      absl::StrCat(R"({"name":"sub","type":"oauth","accessToken":")", kAccess,
                   R"(","refreshToken":")", kRefresh, R"(","expiresAt":)", expires_at, "}"),
      R"({"safetyMaxActivePerAccount":20})");
  std::vector<uint16_t> ports;
  for (const std::string name : {"r1", "r2", "r3"}) ports.push_back(cluster.Start(name).port);
  const std::vector<std::string> statuses = cluster.Burst(ports, 12, false, "burst");
  ASSERT_EQ(statuses.size(), 12u);
  for (const std::string& status : statuses) {
    EXPECT_EQ(status, "200") << ReadFile(cluster.replica("r1").log)
                             << ReadFile(cluster.replica("r2").log);
  }
  boost::system::error_code ec;
  const boost::json::value oauth =
      boost::json::parse(Curl(cluster.dir(), cluster.base() + "/_fake/oauth", "oauth.out"), ec);
  ASSERT_FALSE(ec);
  const boost::json::object& account = oauth.at("accounts").at(kAccess).as_object();
  EXPECT_EQ(account.at("refresh_calls").as_int64(), 1) << boost::json::serialize(oauth);
  const std::string everything = boost::json::serialize(oauth);
  EXPECT_EQ(everything.find("\"accepted\":false"), std::string::npos)
      << "a spent refresh token was sent: " << everything;
  // Every replica serves with the new token (the old one is revoked).
  for (uint16_t port : ports) {
    EXPECT_EQ(Curl(cluster.dir(), MessagesCurlArgs(port)), "200");
  }
  // The pair is in Redis for the next refresh, and each replica saved it in its own state.
  const std::string rotated(account.at("refresh_token").as_string());
  EXPECT_NE(cluster.RedisCli("HGET '{maxpool:e2e}:tokens' sub").find(rotated), std::string::npos);
  for (const std::string name : {"r1", "r2", "r3"}) {
    EXPECT_EQ(cluster.replica(name).process->Stop(SIGTERM), 0)
        << ReadFile(cluster.replica(name).log);
    EXPECT_NE(ReadFile((cluster.dir().path() / name / "maxpool.json").string()).find(rotated),
              std::string::npos)
        << name << " did not save the rotated pair";
  }
}

TEST(ClusterE2E, AnAccountAddedOnOneReplicaServesOnAnotherWithinTwoSeconds) {
  constexpr char kKeyC[] = "sk-ant-api03-cluster-c-0123456789abcdefghijklmnopqrstuvwxyz";
  Cluster cluster(
      absl::StrCat(R"({"credential":")", kKeyA, R"(","type":"apikey"},)", R"({"credential":")",
                   kKeyC, R"(","type":"apikey"})"),
      // The one account the replicas start with is disabled: nothing serves yet.
      absl::StrCat(R"({"name":"a","type":"apikey","enabled":false,"apiKey":")", kKeyA, R"("})"),
      R"({"safetyMaxActivePerAccount":4})");
  const uint16_t control = cluster.Start("r1").control;
  cluster.Start("r2");
  const uint16_t r3 = cluster.Start("r3").port;
  ASSERT_NE(Curl(cluster.dir(), MessagesCurlArgs(r3)), "200");
  // Through replica 1's control plane, with the Python client.
  const char* data = std::getenv("MAXPOOL_TEST_DATA");
  ASSERT_NE(data, nullptr);
  const std::string clients = (std::filesystem::path(data) / ".." / ".." / "clients" / "python")
                                  .lexically_normal()
                                  .string();
  const std::string added = ShellOutput(absl::StrCat(
      "PYTHONPATH=", clients,
      " /usr/bin/python3 -c 'import maxpool_client as m; c = m.Client(\"127.0.0.1:", control,
      "\"); print(c.create_api_key_account(\"c\", \"", kKeyC, "\").name)' 2>&1"));
  const auto created = std::chrono::steady_clock::now();
  ASSERT_EQ(added, "accounts/c\n") << added;
  ASSERT_TRUE(Eventually([&] { return Curl(cluster.dir(), MessagesCurlArgs(r3)) == "200"; },
                         std::chrono::seconds(5)))
      << ReadFile(cluster.replica("r3").log);
  EXPECT_LE(std::chrono::steady_clock::now() - created, std::chrono::seconds(2))
      << ReadFile(cluster.replica("r3").log);
  EXPECT_GE(cluster.FakeStat("requests")[kKeyC], 1);
  // Replica 3 keeps it: the account is in its own config now.
  EXPECT_NE(ReadFile((cluster.dir().path() / "r3" / "maxpool.json").string()).find(kKeyC),
            std::string::npos);
  EXPECT_NE(ReadFile(cluster.replica("r3").log).find("account \"c\" added by another replica"),
            std::string::npos)
      << ReadFile(cluster.replica("r3").log);
}

TEST(ClusterE2E, ARedisRestartedEmptyIsFilledAgainAndNoCredentialIsLost) {
  Cluster cluster(absl::StrCat(R"({"credential":")", kKeyA, R"(","type":"apikey"},)",
                               R"({"credential":")", kKeyB, R"(","type":"apikey"})"),
                  KeyAccounts(), R"({"safetyMaxActivePerAccount":4})");
  std::vector<uint16_t> ports;
  for (const std::string name : {"r1", "r2", "r3"}) ports.push_back(cluster.Start(name).port);
  for (uint16_t port : ports) ASSERT_EQ(Curl(cluster.dir(), MessagesCurlArgs(port)), "200");
  ASSERT_TRUE(Eventually([&] { return cluster.RedisCli("HLEN '{maxpool:e2e}:accounts'") == "2\n"; },
                         std::chrono::seconds(10)));
  cluster.redis().Restart();  // the same port, nothing in it (no persistence)
  // Filled again without any traffic: the replicas, their memory and every account's entry.
  EXPECT_TRUE(Eventually([&] { return cluster.Replicas() == "r1 r2 r3"; }, std::chrono::seconds(5)))
      << cluster.Replicas();
  EXPECT_TRUE(Eventually([&] { return cluster.RedisCli("HLEN '{maxpool:e2e}:accounts'") == "2\n"; },
                         std::chrono::seconds(5)))
      << cluster.RedisCli("KEYS '*'");
  EXPECT_TRUE(
      Eventually([&] { return cluster.RedisCli("HLEN '{maxpool:e2e}:account-configs'") == "2\n"; },
                 std::chrono::seconds(5)));
  EXPECT_NE(cluster.RedisCli("HGET '{maxpool:e2e}:account-configs' b").find(kKeyB),
            std::string::npos);
  for (const std::string name : {"r1", "r2", "r3"}) {
    const std::string config = ReadFile((cluster.dir().path() / name / "maxpool.json").string());
    EXPECT_NE(config.find(kKeyA), std::string::npos) << name;
    EXPECT_NE(config.find(kKeyB), std::string::npos) << name;
    EXPECT_NE(ReadFile(cluster.replica(name).log).find("Redis had forgotten this replica"),
              std::string::npos)
        << ReadFile(cluster.replica(name).log);
  }
  for (uint16_t port : ports) EXPECT_EQ(Curl(cluster.dir(), MessagesCurlArgs(port)), "200");
}

}  // namespace
}  // namespace maxpool::testing
