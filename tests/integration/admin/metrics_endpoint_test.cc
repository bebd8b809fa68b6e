// The admin listener of a real ServerRuntime in front of the fake upstream: /metrics scraped over
// HTTP while 200 streams are in flight agrees with what the fake is serving (in flight per
// account), and once they are done its token and request counters agree with what the fake
// served; /readyz turns 503 when a drain starts. promtool accepts the output.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fake/fake_upstream.h"
#include "fake/test_client.h"
#include "gtest/gtest.h"
#include "server/server_runtime.h"
#include "support/eventually.h"
#include "support/temp_dir.h"
#include "support/test_runtime.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::TempDir;

constexpr int kStreams = 200;
constexpr int kAccounts = 4;

std::string KeyOf(int i) { return absl::StrCat("sk-ant-api03-metrics-", i, "-0123456789abcdefgh"); }

// The value of the sample `name{labels}` (labels exactly as exposed), or -1.
double Sample(const std::string& text, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.size() > series.size() && line.substr(0, series.size()) == series &&
        line[series.size()] == ' ') {
      double value = 0;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
    }
  }
  return -1;
}

class MetricsEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::FakeOptions options;
    options.default_events = 10;
    options.event_delay = std::chrono::milliseconds(200);
    options.record_requests = false;
    options.threads = 2;
    auto upstream = fake::FakeUpstream::Start(options);
    ASSERT_TRUE(upstream.ok()) << upstream.status();
    upstream_ = std::move(*upstream);
    std::string accounts;
    for (int i = 0; i < kAccounts; ++i) {
      fake::FakeAccountSpec spec;
      spec.credential = KeyOf(i);
      spec.type = fake::AccountType::kApiKey;
      ASSERT_TRUE(upstream_->AddAccount(spec).ok());
      absl::StrAppend(&accounts, i == 0 ? "" : ",", R"({"name": "m)", i,
                      R"(", "type": "apikey", "apiKey": ")", KeyOf(i), R"("})");
    }
    const std::filesystem::path path = dir_.path() / "maxpool.json";
    std::ofstream(path) << R"({"upstream": ")" << upstream_->base_url()
                        << R"(", "proxy": {"threads": 2},)"
                        << R"( "scheduler": {"safetyMaxActivePerAccount": 100,)"
                        << R"( "safetyMaxGlobalActive": 400}, "accounts": [)" << accounts << "]}";
    auto runtime = server::ServerRuntime::Start(testing::TestRuntimeOptions(path));
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = std::move(*runtime);
  }

  void TearDown() override {
    if (runtime_) runtime_->Stop();
    if (upstream_) upstream_->Stop();
  }

  fake::HttpResponse Get(const std::string& path) {
    fake::ClientOptions o;
    o.port = runtime_->admin_port();
    auto client = fake::BlockingHttpClient::Connect(o);
    EXPECT_TRUE(client.ok()) << client.status();
    if (!client.ok()) return {};
    auto response = (*client)->Request("GET", path);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : fake::HttpResponse{};
  }

  std::unique_ptr<fake::FakeUpstream> upstream_;
  TempDir dir_;
  std::unique_ptr<server::ServerRuntime> runtime_;
};

TEST_F(MetricsEndpointTest, InFlightAndTokenCountersAgreeWithTheUpstream) {
  std::atomic<int> intact{0};
  std::vector<std::thread> streams;
  for (int i = 0; i < kStreams; ++i) {
    streams.emplace_back([&] {
      fake::ClientOptions o;
      o.port = runtime_->proxy_port();
      o.timeout = std::chrono::seconds(60);
      auto client = fake::BlockingHttpClient::Connect(o);
      if (!client.ok()) return;
      auto response = (*client)->Request(
          "POST", "/v1/messages",
          {{"content-type", "application/json"}, {"anthropic-version", "2023-06-01"}},
          R"({"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,)"
          R"("messages":[{"role":"user","content":"count"}]})");
      if (response.ok() && response->status == 200 &&
          response->body.find("message_stop") != std::string::npos) {
        ++intact;
      }
    });
  }
  auto fake_in_flight = [&] {
    std::map<std::string, int64_t> out;
    for (const auto& [credential, stats] : upstream_->Stats()) out[credential] = stats.in_flight;
    return out;
  };
  // A scrape taken while the upstream's in-flight counts stood still must show the same counts.
  int total_seen = 0;
  const bool agreed = Eventually(
      [&] {
        const std::map<std::string, int64_t> before = fake_in_flight();
        const std::string text = Get("/metrics").body;
        if (fake_in_flight() != before) return false;
        int64_t total = 0;
        for (int i = 0; i < kAccounts; ++i) {
          const auto it = before.find(KeyOf(i));
          const int64_t expected = it == before.end() ? 0 : it->second;
          total += expected;
          if (Sample(text, absl::StrCat(R"(maxpool_account_inflight{account="m)", i, R"("})")) !=
              static_cast<double>(expected)) {
            return false;
          }
        }
        total_seen = static_cast<int>(total);
        return total == kStreams;
      },
      std::chrono::milliseconds(30000));
  EXPECT_TRUE(agreed) << "no scrape matched the upstream with all " << kStreams
                      << " streams in flight (last total " << total_seen << ")";
  for (std::thread& t : streams) t.join();
  EXPECT_EQ(intact.load(), kStreams);

  // Afterwards, the counters match what the upstream says it served. (A request is counted just
  // after its client has the last byte.)
  std::string text;
  EXPECT_TRUE(Eventually([&] {
    runtime_->FlushMetrics();
    text = Get("/metrics").body;
    double finished = 0;
    for (int i = 0; i < kAccounts; ++i) {
      finished +=
          std::max(0.0, Sample(text, absl::StrCat(R"(maxpool_requests_total{account="m)", i,
                                                  R"(",outcome="ok",status_class="2xx"})")));
    }
    return finished == kStreams;
  }));
  const auto served = upstream_->Stats();
  double requests = 0;
  for (int i = 0; i < kAccounts; ++i) {
    const std::string account = absl::StrCat("m", i);
    const auto it = served.find(KeyOf(i));
    const fake::CredentialStats stats = it == served.end() ? fake::CredentialStats{} : it->second;
    if (stats.requests == 0) continue;
    EXPECT_EQ(Sample(text, absl::StrCat(R"(maxpool_tokens_total{account=")", account,
                                        R"(",kind="output"})")),
              static_cast<double>(stats.output_tokens))
        << account;
    EXPECT_EQ(Sample(text, absl::StrCat(R"(maxpool_tokens_total{account=")", account,
                                        R"(",kind="input"})")),
              static_cast<double>(stats.input_tokens))
        << account;
    const double ok = Sample(text, absl::StrCat(R"(maxpool_requests_total{account=")", account,
                                                R"(",outcome="ok",status_class="2xx"})"));
    EXPECT_EQ(ok, static_cast<double>(stats.streams_completed)) << account;
    requests += ok;
    EXPECT_EQ(Sample(text, absl::StrCat(R"(maxpool_account_inflight{account=")", account, R"("})")),
              0);
  }
  EXPECT_EQ(requests, kStreams);
  EXPECT_GT(Sample(text, "maxpool_upstream_ttfb_seconds_count{account=\"m0\"}"), 0);
  EXPECT_GT(Sample(text, "maxpool_proxy_overhead_seconds_count"), 0);

  // promtool accepts the exposition.
  const std::filesystem::path file = dir_.path() / "metrics.txt";
  std::ofstream(file) << text;
  if (std::system("command -v promtool >/dev/null 2>&1") == 0) {
    EXPECT_EQ(std::system(absl::StrCat("promtool check metrics < ", file.string()).c_str()), 0);
  }
}

TEST_F(MetricsEndpointTest, ReadyzTurns503WhenADrainStarts) {
  EXPECT_EQ(Get("/livez").status, 200);
  EXPECT_EQ(Get("/readyz").status, 200);
  EXPECT_EQ(Sample(Get("/metrics").body, "maxpool_draining"), 0);
  runtime_->Drain(absl::Seconds(30), absl::Seconds(5));  // the grace keeps the runtime up
  EXPECT_EQ(Get("/readyz").status, 503);
  EXPECT_EQ(Get("/livez").status, 200);
  EXPECT_EQ(Sample(Get("/metrics").body, "maxpool_draining"), 1);
}

}  // namespace
}  // namespace maxpool
