// The telemetry feed of `maxpool top` against a canned TelemetryService on loopback: snapshots
// and events arrive in the queue with LinkUp first; when the server goes away the feed reports
// LinkDown with the reason and keeps trying; when a server comes back on the same port it
// reports LinkUp again; Stop() ends it promptly. Also the queue's bound and snapshot coalescing.

#include "tui/tui_feed.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace maxpool::tui {
namespace {

class CannedTelemetry final : public v1::TelemetryService::Service {
 public:
  grpc::Status WatchPool(grpc::ServerContext* context, const v1::WatchPoolRequest* /*request*/,
                         grpc::ServerWriter<v1::PoolSnapshot>* writer) override {
    while (!context->IsCancelled()) {
      v1::PoolSnapshot snapshot;
      snapshot.add_accounts()->set_account("accounts/alice");
      if (!writer->Write(snapshot)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return grpc::Status::OK;
  }
  grpc::Status WatchEvents(grpc::ServerContext* context, const v1::WatchEventsRequest* /*request*/,
                           grpc::ServerWriter<v1::WatchEventsResponse>* writer) override {
    v1::WatchEventsResponse message;
    message.mutable_event()->mutable_request_finished()->set_status(200);
    writer->Write(message);
    while (!context->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return grpc::Status::OK;
  }
};

std::unique_ptr<grpc::Server> Serve(CannedTelemetry& service, int& port) {
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", port), grpc::InsecureServerCredentials(),
                           &bound);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  port = bound;
  return server;
}

struct Seen {
  int up = 0;
  int down = 0;
  int snapshots = 0;
  int events = 0;
  std::string last_error;
};

// Drains `queue` into `seen` until `done` holds or 10 s pass.
template <typename Done>
bool Collect(FeedQueue& queue, Seen& seen, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    for (FeedUpdate& u : queue.TakeAll()) {
      if (std::holds_alternative<LinkUp>(u)) ++seen.up;
      if (auto* d = std::get_if<LinkDown>(&u)) {
        ++seen.down;
        seen.last_error = d->error;
      }
      if (std::holds_alternative<v1::PoolSnapshot>(u)) ++seen.snapshots;
      if (std::holds_alternative<v1::WatchEventsResponse>(u)) ++seen.events;
    }
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(TuiFeed, StreamsReconnectsAfterAServerRestartAndStops) {
  CannedTelemetry service;
  int port = 0;
  std::unique_ptr<grpc::Server> server = Serve(service, port);
  ASSERT_NE(server, nullptr);
  ASSERT_GT(port, 0);

  FeedQueue queue;
  FeedOptions options;
  options.interval = absl::Milliseconds(100);
  options.min_backoff = absl::Milliseconds(100);
  options.max_backoff = absl::Milliseconds(300);
  control_client::ControlTarget target;
  target.address = absl::StrCat("127.0.0.1:", port);
  Feed feed(target, options, queue);
  feed.Start();

  Seen seen;
  ASSERT_TRUE(Collect(queue, seen, [&] { return seen.snapshots >= 2 && seen.events >= 1; }));
  EXPECT_EQ(seen.up, 1);
  EXPECT_EQ(seen.down, 0);

  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  server->Wait();
  server.reset();
  ASSERT_TRUE(Collect(queue, seen, [&] { return seen.down >= 2; }));  // it keeps trying
  EXPECT_NE(seen.last_error.find(target.address), std::string::npos) << seen.last_error;

  const int snapshots_before = seen.snapshots;
  server = Serve(service, port);
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(Collect(queue, seen, [&] {
    return seen.up == 2 && seen.snapshots > snapshots_before && seen.events >= 2;
  }));

  const auto start = std::chrono::steady_clock::now();
  feed.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  server->Shutdown(std::chrono::system_clock::now());
}

TEST(FeedQueue, KeepsTheNewestSnapshotAndBoundsEvents) {
  FeedQueue queue(3);
  v1::PoolSnapshot first;
  first.set_in_flight(1);
  v1::PoolSnapshot second;
  second.set_in_flight(2);
  queue.Push(first);
  for (int i = 0; i < 5; ++i) queue.Push(v1::WatchEventsResponse());
  queue.Push(second);
  queue.Push(LinkUp{});
  std::vector<FeedUpdate> items = queue.TakeAll();
  int snapshots = 0;
  int events = 0;
  int64_t dropped = 0;
  for (const FeedUpdate& u : items) {
    if (const auto* s = std::get_if<v1::PoolSnapshot>(&u)) {
      ++snapshots;
      EXPECT_EQ(s->in_flight(), 2);
    }
    if (const auto* e = std::get_if<v1::WatchEventsResponse>(&u)) {
      if (e->has_gap()) {
        dropped = e->gap().dropped();
      } else {
        ++events;
      }
    }
  }
  EXPECT_EQ(snapshots, 1);
  EXPECT_EQ(events, 2);  // the first snapshot and two events filled the queue of 3
  EXPECT_EQ(dropped, 3);
  EXPECT_TRUE(std::holds_alternative<LinkUp>(items.back()) ||
              std::get_if<v1::WatchEventsResponse>(&items.back()) != nullptr);
  EXPECT_TRUE(queue.TakeAll().empty());
}

}  // namespace
}  // namespace maxpool::tui
