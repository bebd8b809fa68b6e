// A refresh made through AccountService.RefreshAccountCredentials is counted like any other:
// a real ServerRuntime with an OAuth account whose tokens the fake upstream issued, the RPC over
// gRPC, then /metrics on the admin listener shows maxpool_oauth_refreshes_total{result="ok"} one
// higher (once: the RPC's refresh is one refresh), and the event stream shows the
// RefreshFinished event.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fake/fake_upstream.h"
#include "fake/test_client.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "maxpool/v1/accounts.grpc.pb.h"
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

constexpr char kToken[] = "control-token-for-refresh-tests-0123456789";
constexpr char kAccess[] = "sk-ant-oat01-test-refresh-metrics-access-00000";
constexpr char kRefresh[] = "sk-ant-ort01-test-refresh-metrics-refresh-0000";
constexpr char kOkSeries[] = R"(maxpool_oauth_refreshes_total{account="alpha",result="ok"})";

// The value of the sample `series` (labels exactly as exposed), or 0 when absent.
double Sample(const std::string& text, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.size() > series.size() && line.substr(0, series.size()) == series &&
        line[series.size()] == ' ') {
      double value = 0;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
    }
  }
  return 0;
}

TEST(RefreshMetricsTest, RefreshAccountCredentialsIsCountedOnce) {
  TempDir dir;
  auto upstream = fake::FakeUpstream::Start(fake::FakeOptions());
  ASSERT_TRUE(upstream.ok()) << upstream.status();
  fake::FakeAccountSpec spec;
  spec.type = fake::AccountType::kOAuth;
  spec.name = "alpha";
  spec.credential = kAccess;
  spec.oauth.refresh_token = kRefresh;
  spec.oauth.uuid = "uuid-alpha";
  spec.oauth.email = "alpha@example.com";
  ASSERT_TRUE((*upstream)->AddAccount(spec).ok());
  const std::string base = (*upstream)->base_url();
  const std::filesystem::path path = dir.Write(
      "maxpool.json",
      absl::StrCat(
          R"({"upstream": ")", base, R"(", "oauth": {"tokenUrl": ")", (*upstream)->token_url(),
          R"(", "apiBaseUrl": ")", base, R"("}, "control": {"token": ")", kToken,
          R"("}, "accounts": [{"name": "alpha", "type": "oauth", "accessToken": ")", kAccess,
          R"(", "refreshToken": ")", kRefresh, R"(", "expiresAt": 4102444800000}]})"));
  auto runtime = server::ServerRuntime::Start(testing::TestRuntimeOptions(path));
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  auto scrape = [&] {
    fake::ClientOptions o;
    o.port = (*runtime)->admin_port();
    auto client = fake::BlockingHttpClient::Connect(o);
    EXPECT_TRUE(client.ok()) << client.status();
    if (!client.ok()) return std::string();
    auto response = (*client)->Request("GET", "/metrics");
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->body : std::string();
  };
  EXPECT_EQ(Sample(scrape(), kOkSeries), 0);

  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*runtime)->control_port()),
                                     grpc::InsecureChannelCredentials());
  auto telemetry = v1::TelemetryService::NewStub(channel);
  v1::WatchEventsRequest watch;
  watch.add_kinds(v1::EVENT_KIND_REFRESH);
  EventReader refreshes(
      [&](grpc::ClientContext* c, const v1::WatchEventsRequest* r,
          grpc::ClientReadReactor<v1::WatchEventsResponse>* reactor) {
        telemetry->async()->WatchEvents(c, r, reactor);
      },
      watch, kToken,
      [](const v1::WatchEventsResponse& m) {
        return m.has_event() && m.event().has_refresh_finished() &&
               m.event().refresh_finished().account() == "accounts/alpha" &&
               m.event().refresh_finished().ok();
      });
  ASSERT_TRUE(Eventually([&] { return refreshes.headers(); }));

  auto accounts = v1::AccountService::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::RefreshAccountCredentialsRequest request;
  request.set_name("accounts/alpha");
  v1::Account account;
  const grpc::Status status = accounts->RefreshAccountCredentials(&context, request, &account);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ((*upstream)->TokenCalls(), 1);

  EXPECT_TRUE(Eventually([&] { return Sample(scrape(), kOkSeries) >= 1; }));
  EXPECT_TRUE(Eventually([&] { return refreshes.counted() >= 1; }));
  // Settled: one refresh, one count and one event.
  (*runtime)->pool().events().Flush();
  EXPECT_EQ(Sample(scrape(), kOkSeries), 1);
  EXPECT_EQ(refreshes.counted(), 1);
  refreshes.Cancel();
  EXPECT_TRUE(refreshes.WaitDone(absl::Seconds(10)));
  (*runtime)->Stop();
  (*upstream)->Stop();
}

}  // namespace
}  // namespace maxpool
