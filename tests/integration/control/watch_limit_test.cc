// control.maxWatchStreams on a real ServerRuntime: with a cap of 3, the fourth watch stream
// (WatchPool or WatchEvents) is refused with RESOURCE_EXHAUSTED naming the limit and the key,
// after the token check (a caller without a token still learns that first); once a stream
// closes, a new one is accepted. A WatchPool client that stops reading holds the server to at
// most two snapshots: when it reads again it skips to the newest, it gets no backlog. An invalid
// cap stops the server from starting, naming the key.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "control_client/control_client.h"
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

constexpr char kToken[] = "control-token-for-limit-tests-0123456789";
constexpr char kReadToken[] = "read-token-for-limit-tests-0123456789";
constexpr char kKey[] = "sk-ant-api03-watch-limit-0123456789abcdefghij";

std::string ConfigWithCap(const std::string& cap) {
  return absl::StrCat(R"({"upstream": "http://127.0.0.1:9", "control": {"token": ")", kToken,
                      R"(", "readOnlyToken": ")", kReadToken, R"(", "maxWatchStreams": )", cap,
                      R"(}, "accounts": [{"name": "k0", "type": "apikey", "apiKey": ")", kKey,
                      R"("}]})");
}

class WatchLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto runtime = server::ServerRuntime::Start(
        testing::TestRuntimeOptions(dir_.Write("maxpool.json", ConfigWithCap("3"))));
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = std::move(*runtime);
    stub_ = v1::TelemetryService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", runtime_->control_port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (runtime_) runtime_->Stop();
  }

  std::unique_ptr<EventReader> WatchEvents(const std::string& token = kReadToken) {
    return std::make_unique<EventReader>(
        [this](grpc::ClientContext* c, const v1::WatchEventsRequest* r,
               grpc::ClientReadReactor<v1::WatchEventsResponse>* reactor) {
          stub_->async()->WatchEvents(c, r, reactor);
        },
        v1::WatchEventsRequest(), token);
  }

  std::unique_ptr<PoolReader> WatchPool(const std::string& token = kReadToken) {
    return std::make_unique<PoolReader>(
        [this](grpc::ClientContext* c, const v1::WatchPoolRequest* r,
               grpc::ClientReadReactor<v1::PoolSnapshot>* reactor) {
          stub_->async()->WatchPool(c, r, reactor);
        },
        v1::WatchPoolRequest(), token);
  }

  TempDir dir_;
  std::unique_ptr<server::ServerRuntime> runtime_;
  std::unique_ptr<v1::TelemetryService::Stub> stub_;
};

TEST_F(WatchLimitTest, BeyondTheCapAStreamIsRefusedUntilOneCloses) {
  std::unique_ptr<EventReader> first = WatchEvents();
  std::unique_ptr<EventReader> second = WatchEvents();
  std::unique_ptr<PoolReader> third = WatchPool();
  ASSERT_TRUE(Eventually([&] { return first->headers() && second->headers(); }));
  ASSERT_TRUE(Eventually([&] { return third->messages() > 0; }));

  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<EventReader> events = WatchEvents();
    std::unique_ptr<PoolReader> pool = WatchPool();
    ASSERT_TRUE(events->WaitDone(absl::Seconds(10)));
    ASSERT_TRUE(pool->WaitDone(absl::Seconds(10)));
    for (const grpc::Status& status : {events->status(), pool->status()}) {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
      EXPECT_NE(status.error_message().find("control.maxWatchStreams"), std::string::npos)
          << status.error_message();
      EXPECT_NE(status.error_message().find(" 3 "), std::string::npos) << status.error_message();
    }
    EXPECT_EQ(pool->messages(), 0);
  }
  // The token comes first: no token is UNAUTHENTICATED, whatever the streams open.
  std::unique_ptr<PoolReader> anonymous = WatchPool("");
  ASSERT_TRUE(anonymous->WaitDone(absl::Seconds(10)));
  EXPECT_EQ(anonymous->status().error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // One closes: its place is free again (once the server has let it go).
  second->Cancel();
  ASSERT_TRUE(second->WaitDone(absl::Seconds(10)));
  std::unique_ptr<PoolReader> accepted;
  ASSERT_TRUE(Eventually(
      [&] {
        accepted = WatchPool();
        return Eventually([&] { return accepted->messages() > 0 || accepted->done(); }) &&
               accepted->messages() > 0;
      },
      std::chrono::seconds(10)));
  // And the cap holds again.
  std::unique_ptr<EventReader> refused = WatchEvents();
  ASSERT_TRUE(refused->WaitDone(absl::Seconds(10)));
  EXPECT_EQ(refused->status().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(first->done());
  EXPECT_FALSE(third->done());
}

// A WatchPool client that stops reading: the server keeps at most the snapshot being written and
// the latest one, so when the client reads again it finds what its flow-control window held, then
// a jump to the latest snapshot; never a backlog of every interval of the pause.
TEST_F(WatchLimitTest, ASlowPoolWatcherSkipsToTheLatestSnapshot) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);  // the server stops after ~1 KiB
  auto stub = v1::TelemetryService::NewStub(
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", runtime_->control_port()),
                                grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", kReadToken));
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::WatchPoolRequest request;
  request.mutable_interval()->set_nanos(100 * 1000 * 1000);
  auto reader = stub->WatchPool(&context, request);
  v1::PoolSnapshot snapshot;
  ASSERT_TRUE(reader->Read(&snapshot));
  // 5 s without reading: 50 intervals, more than the window holds.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const absl::Time resumed = absl::Now();
  absl::Time previous = control_client::ToTime(snapshot.time());
  absl::Duration longest_step;
  int read = 0;
  while (reader->Read(&snapshot)) {
    const absl::Time taken = control_client::ToTime(snapshot.time());
    longest_step = std::max(longest_step, taken - previous);
    previous = taken;
    ++read;
    if (taken >= resumed) break;
  }
  EXPECT_LT(read, 50) << "a snapshot for every interval of the pause";
  EXPECT_GE(longest_step, absl::Seconds(1)) << "no jump to the latest snapshot after " << read;
  context.TryCancel();
  while (reader->Read(&snapshot)) {
  }
  reader->Finish();
}

TEST(WatchLimitConfig, AnInvalidCapIsRefusedNamingTheKey) {
  TempDir dir;
  for (const char* cap : {"0", "-1", "1000001"}) {
    auto runtime = server::ServerRuntime::Start(
        testing::TestRuntimeOptions(dir.Write("maxpool.json", ConfigWithCap(cap))));
    ASSERT_FALSE(runtime.ok()) << cap;
    EXPECT_NE(runtime.status().message().find("control.maxWatchStreams"), std::string::npos)
        << runtime.status();
  }
}

}  // namespace
}  // namespace maxpool
