// A thousand watch streams on one real ServerRuntime (issue: "no client of the control plane can
// bring the server down"): 500 WatchEvents and 500 WatchPool streams, opened with the read-only
// token that any dashboard holds, while requests flow through the proxy. The process keeps a
// bounded number of OS threads (a watch stream holds none), every event watcher sees every
// request, every pool watcher gets its snapshots, and the server still stops promptly with all of
// them attached. The test's own streams are callback-API clients, so they add no threads either.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "fake/fake_upstream.h"
#include "fake/test_client.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "maxpool/v1/telemetry.grpc.pb.h"
#include "server/server_runtime.h"
#include "support/eventually.h"
#include "support/temp_dir.h"
#include "support/test_runtime.h"
#include "support/watch_reader.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::TempDir;
using EventReader = testing::WatchReader<v1::WatchEventsRequest, v1::WatchEventsResponse>;
using PoolReader = testing::WatchReader<v1::WatchPoolRequest, v1::PoolSnapshot>;

constexpr char kToken[] = "control-token-for-scale-tests-0123456789";
constexpr char kReadToken[] = "read-token-for-scale-tests-0123456789";
constexpr int kEventWatchers = 500;
constexpr int kPoolWatchers = 500;
constexpr int kChannels = 25;
constexpr int kRequests = 40;
// Far below one thread per stream; the process runs the proxy, the control and admin listeners,
// the fake upstream and gRPC's own pools.
constexpr int kMaxThreads = 200;

// The "Threads:" line of /proc/self/status.
int ThreadCount() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "Threads:")) {
      int threads = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &threads)) return threads;
    }
  }
  return -1;
}

TEST(WatchScaleTest, AThousandWatchersKeepThreadsBoundedSeeEveryRequestAndShutDownPromptly) {
  TempDir dir;
  fake::FakeOptions fake_options;
  fake_options.default_events = 4;
  fake_options.event_delay = std::chrono::milliseconds(20);
  fake_options.record_requests = false;
  fake_options.threads = 2;
  auto upstream = fake::FakeUpstream::Start(fake_options);
  ASSERT_TRUE(upstream.ok()) << upstream.status();
  const std::string key = "sk-ant-api03-watch-scale-0123456789abcdefghij";
  fake::FakeAccountSpec spec;
  spec.credential = key;
  spec.type = fake::AccountType::kApiKey;
  ASSERT_TRUE((*upstream)->AddAccount(spec).ok());
  const std::filesystem::path path = dir.Write(
      "maxpool.json",
      absl::StrCat(R"({"upstream": ")", (*upstream)->base_url(), R"(", "proxy": {"threads": 2},)",
                   R"( "control": {"token": ")", kToken, R"(", "readOnlyToken": ")", kReadToken,
                   R"(", "maxWatchStreams": 2000},)",
                   R"( "accounts": [{"name": "k0", "type": "apikey", "apiKey": ")", key,
                   R"("}]})"));
  auto runtime = server::ServerRuntime::Start(testing::TestRuntimeOptions(path));
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  const int threads_before = ThreadCount();

  std::vector<std::unique_ptr<v1::TelemetryService::Stub>> stubs;
  for (int i = 0; i < kChannels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection per channel
    args.SetString("watch-scale-channel", absl::StrCat(i));
    stubs.push_back(v1::TelemetryService::NewStub(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", (*runtime)->control_port()),
                                  grpc::InsecureChannelCredentials(), args)));
  }
  std::vector<std::unique_ptr<EventReader>> event_readers;
  std::vector<std::unique_ptr<PoolReader>> pool_readers;
  for (int i = 0; i < kEventWatchers; ++i) {
    v1::TelemetryService::Stub* stub = stubs[i % kChannels].get();
    v1::WatchEventsRequest request;
    request.add_kinds(v1::EVENT_KIND_REQUEST_FINISHED);
    event_readers.push_back(std::make_unique<EventReader>(
        [stub](grpc::ClientContext* c, const v1::WatchEventsRequest* r,
               grpc::ClientReadReactor<v1::WatchEventsResponse>* reactor) {
          stub->async()->WatchEvents(c, r, reactor);
        },
        request, kReadToken,
        [](const v1::WatchEventsResponse& m) {
          return m.has_event() && m.event().has_request_finished();
        }));
  }
  for (int i = 0; i < kPoolWatchers; ++i) {
    v1::TelemetryService::Stub* stub = stubs[i % kChannels].get();
    v1::WatchPoolRequest request;
    request.mutable_interval()->set_nanos(500 * 1000 * 1000);
    pool_readers.push_back(std::make_unique<PoolReader>(
        [stub](grpc::ClientContext* c, const v1::WatchPoolRequest* r,
               grpc::ClientReadReactor<v1::PoolSnapshot>* reactor) {
          stub->async()->WatchPool(c, r, reactor);
        },
        request, kReadToken));
  }
  // Every event watcher is subscribed (its headers came) and every pool watcher has a snapshot.
  ASSERT_TRUE(Eventually(
      [&] {
        return std::all_of(event_readers.begin(), event_readers.end(),
                           [](const auto& r) { return r->headers() || r->done(); }) &&
               std::all_of(pool_readers.begin(), pool_readers.end(),
                           [](const auto& r) { return r->messages() > 0 || r->done(); });
      },
      std::chrono::seconds(60)));
  for (const auto& r : event_readers) ASSERT_FALSE(r->done()) << r->status().error_message();
  for (const auto& r : pool_readers) ASSERT_FALSE(r->done()) << r->status().error_message();

  // Traffic through the proxy while the thousand streams are open; the thread count is sampled
  // throughout.
  std::atomic<bool> sampling{true};
  std::atomic<int> max_threads{ThreadCount()};
  std::thread sampler([&] {
    while (sampling) {
      max_threads = std::max(max_threads.load(), ThreadCount());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::atomic<int> ok_requests{0};
  std::vector<std::thread> clients;
  std::atomic<int> next{0};
  for (int worker = 0; worker < 4; ++worker) {
    clients.emplace_back([&] {
      for (int i = next++; i < kRequests; i = next++) {
        fake::ClientOptions o;
        o.port = (*runtime)->proxy_port();
        o.timeout = std::chrono::seconds(30);
        auto client = fake::BlockingHttpClient::Connect(o);
        if (!client.ok()) continue;
        auto response = (*client)->Request(
            "POST", "/v1/messages",
            {{"content-type", "application/json"}, {"anthropic-version", "2023-06-01"}},
            R"({"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,)"
            R"("messages":[{"role":"user","content":"hi"}]})");
        if (response.ok() && response->status == 200 &&
            response->body.find("message_stop") != std::string::npos) {
          ++ok_requests;
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok_requests.load(), kRequests);
  for (int i = 0; i < kEventWatchers; ++i) {
    EXPECT_TRUE(Eventually([&] { return event_readers[i]->counted() >= kRequests; },
                           std::chrono::seconds(30)))
        << "event watcher " << i << " saw " << event_readers[i]->counted() << " of " << kRequests;
  }
  for (int i = 0; i < kPoolWatchers; ++i) {
    EXPECT_TRUE(
        Eventually([&] { return pool_readers[i]->messages() >= 3; }, std::chrono::seconds(30)))
        << "pool watcher " << i << " got " << pool_readers[i]->messages() << " snapshots";
  }
  sampling = false;
  sampler.join();
  std::cout << "threads: " << threads_before << " before the watchers, at most "
            << max_threads.load() << " with " << kEventWatchers + kPoolWatchers << "\n";
  EXPECT_LT(max_threads.load(), kMaxThreads);

  // The server stops promptly with every watcher attached, and every stream ends.
  const auto stop_start = std::chrono::steady_clock::now();
  (*runtime)->Stop();
  const double stop_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - stop_start).count();
  std::cout << "stopped in " << stop_seconds << " s with the watchers attached\n";
  EXPECT_LT(stop_seconds, 2.0);
  for (const auto& r : event_readers) EXPECT_TRUE(r->WaitDone(absl::Seconds(10)));
  for (const auto& r : pool_readers) EXPECT_TRUE(r->WaitDone(absl::Seconds(10)));
  (*upstream)->Stop();
}

}  // namespace
}  // namespace maxpool
