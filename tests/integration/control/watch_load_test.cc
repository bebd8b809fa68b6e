// Acceptance of TelemetryService.WatchEvents under load (issue: "a slow watcher never slows the
// data plane"): 200 streaming requests through a real ServerRuntime in front of the fake
// upstream, first with no watchers, then with 100 WatchEvents subscribers, one of which never
// reads. No request may take more than 10 % longer than the slowest request of the run without
// watchers, every reading watcher sees every request, and the stuck one, once it reads, finds a
// gap marker. The streams are paced by the fake (12 events, 100 ms apart) and run 25 at a time, so
// a request's time is set by the upstream rather than by the two cores the test shares, and the
// comparison measures what the watchers add.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
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

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::TempDir;

constexpr int kRequests = 200;
constexpr int kConcurrent = 25;
constexpr int kWatchers = 100;

class WatchLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::FakeOptions options;
    options.default_events = 12;
    options.event_delay = std::chrono::milliseconds(100);
    options.record_requests = false;
    options.threads = 2;
    auto upstream = fake::FakeUpstream::Start(options);
    ASSERT_TRUE(upstream.ok()) << upstream.status();
    upstream_ = std::move(*upstream);
    std::string accounts;
    for (int i = 0; i < 4; ++i) {
      const std::string key = absl::StrCat("sk-ant-api03-watch-load-", i, "-0123456789abcdefghij");
      fake::FakeAccountSpec spec;
      spec.credential = key;
      spec.type = fake::AccountType::kApiKey;
      ASSERT_TRUE(upstream_->AddAccount(spec).ok());
      absl::StrAppend(&accounts, i == 0 ? "" : ",", R"({"name": "k)", i,
                      R"(", "type": "apikey", "apiKey": ")", key, R"("})");
    }
    const std::filesystem::path path = dir_.path() / "maxpool.json";
    std::ofstream(path) << R"({"upstream": ")" << upstream_->base_url()
                        << R"(", "proxy": {"threads": 2}, "accounts": [)" << accounts << "]}";
    auto runtime = server::ServerRuntime::Start(testing::TestRuntimeOptions(path));
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = std::move(*runtime);
  }

  void TearDown() override {
    if (runtime_) runtime_->Stop();
    if (upstream_) upstream_->Stop();
  }

  // Runs kRequests streaming requests, kConcurrent at a time; returns each one's duration in
  // seconds, or fails the test when one does not complete intact.
  std::vector<double> RunRequests() {
    std::vector<double> seconds(kRequests, -1);
    std::vector<std::thread> threads;
    std::atomic<int> next{0};
    std::atomic<int> failures{0};
    for (int worker = 0; worker < kConcurrent; ++worker) {
      threads.emplace_back([&] {
        for (int i = next++; i < kRequests; i = next++) {
          fake::ClientOptions o;
          o.port = runtime_->proxy_port();
          auto client = fake::BlockingHttpClient::Connect(o);
          if (!client.ok()) {
            ++failures;
            return;
          }
          const auto start = std::chrono::steady_clock::now();
          auto response = (*client)->Request(
              "POST", "/v1/messages",
              {{"content-type", "application/json"}, {"anthropic-version", "2023-06-01"}},
              R"({"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,)"
              R"("messages":[{"role":"user","content":"hi"}]})");
          const auto end = std::chrono::steady_clock::now();
          if (!response.ok() || response->status != 200 ||
              response->body.find("message_stop") == std::string::npos) {
            ++failures;
            return;
          }
          seconds[i] = std::chrono::duration<double>(end - start).count();
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    return seconds;
  }

  std::shared_ptr<grpc::Channel> Channel(bool tiny_window) {
    grpc::ChannelArguments args;
    // A separate connection per watcher, as separate clients would have.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetString("watch-load-channel", absl::StrCat(next_channel_++));
    if (tiny_window) {
      // A client that does not read stops the server's writes after a few events.
      args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
      args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
    }
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", runtime_->control_port()),
                                     grpc::InsecureChannelCredentials(), args);
  }

  TempDir dir_;
  std::unique_ptr<fake::FakeUpstream> upstream_;
  std::unique_ptr<server::ServerRuntime> runtime_;
  int next_channel_ = 0;
};

TEST_F(WatchLoadTest, WatchersDoNotSlowRequestsAndAStuckOneGetsAGap) {
  const std::vector<double> baseline = RunRequests();
  const double slowest_baseline = *std::max_element(baseline.begin(), baseline.end());
  ASSERT_GT(slowest_baseline, 0.5) << "the fake's pacing should dominate a request's time";

  // 99 watchers that read everything, and one that never reads.
  struct Watcher {
    std::unique_ptr<v1::TelemetryService::Stub> stub;
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::WatchEventsResponse>> reader;
    std::atomic<int> requests_seen{0};
    std::thread thread;
  };
  // (The server's own metrics are a subscriber too.)
  const int subscribers_before = runtime_->pool().events().subscribers();
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < kWatchers; ++i) {
    auto w = std::make_unique<Watcher>();
    const bool stuck = i == 0;
    w->stub = v1::TelemetryService::NewStub(Channel(stuck));
    v1::WatchEventsRequest request;
    if (stuck) request.set_queue_size(16);
    w->reader = w->stub->WatchEvents(&w->context, request);
    w->reader->WaitForInitialMetadata();  // the server has subscribed
    if (!stuck) {
      Watcher* raw = w.get();
      w->thread = std::thread([raw] {
        v1::WatchEventsResponse message;
        while (raw->reader->Read(&message)) {
          if (message.has_event() && message.event().has_request_finished()) ++raw->requests_seen;
        }
      });
    }
    watchers.push_back(std::move(w));
  }
  EXPECT_EQ(runtime_->pool().events().subscribers(), subscribers_before + kWatchers);

  const std::vector<double> watched = RunRequests();
  std::cout << "slowest request: " << slowest_baseline << " s without watchers, "
            << *std::max_element(watched.begin(), watched.end()) << " s with " << kWatchers << "\n";
  for (int i = 0; i < kRequests; ++i) {
    EXPECT_LE(watched[i], slowest_baseline * 1.10)
        << "request " << i << " took " << watched[i] << " s with " << kWatchers
        << " watchers; the slowest without watchers took " << slowest_baseline << " s";
  }
  // Every reading watcher saw every request of the second run.
  for (int i = 1; i < kWatchers; ++i) {
    Watcher& w = *watchers[i];
    EXPECT_TRUE(Eventually([&] { return w.requests_seen.load() >= kRequests; },
                           std::chrono::milliseconds(10000)))
        << "watcher " << i << " saw " << w.requests_seen.load() << " of " << kRequests;
  }
  // The stuck watcher reads now: it finds a gap marker where its events were dropped.
  Watcher& stuck = *watchers[0];
  std::atomic<int64_t> dropped{0};
  std::atomic<int> events{0};
  std::thread drain([&] {
    v1::WatchEventsResponse message;
    while (stuck.reader->Read(&message)) {
      if (message.has_gap()) dropped += message.gap().dropped();
      if (message.has_event()) ++events;
    }
  });
  EXPECT_TRUE(Eventually([&] { return dropped > 0; }, std::chrono::milliseconds(10000)));
  for (auto& w : watchers) w->context.TryCancel();
  drain.join();
  for (auto& w : watchers) {
    if (w->thread.joinable()) w->thread.join();
  }
  EXPECT_GT(dropped.load(), 0) << "the stuck subscriber got " << events.load()
                               << " events and no gap";
}

}  // namespace
}  // namespace maxpool
