// The control commands against a fake control plane (canned maxpool.v1 services on loopback):
// where the server and token come from, the authorization metadata, the one-line errors of an
// unreachable server and a refused token, paging, field masks, and `drain --wait` following the
// drain's progress until the server is gone.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "app/cli.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "support/child_process.h"
#include "support/env_lookup.h"
#include "support/temp_dir.h"

namespace maxpool::app {
namespace {

using ::maxpool::testing::FreePort;  // nothing listens on it

using ::maxpool::testing::EnvFrom;

using ::maxpool::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kToken[] = "t0k3n-for-tests";

void SetTime(absl::Time time, google::protobuf::Timestamp* out) {
  out->set_seconds(absl::ToUnixSeconds(time));
  out->set_nanos(
      static_cast<int32_t>((time - absl::FromUnixSeconds(out->seconds())) / absl::Nanoseconds(1)));
}

// `authorization: Bearer <token>` as the real server checks it.
grpc::Status CheckAuth(const grpc::ServerContext& context) {
  const auto it = context.client_metadata().find("authorization");
  if (it == context.client_metadata().end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "this call needs the control token");
  }
  if (std::string(it->second.data(), it->second.size()) != absl::StrCat("Bearer ", kToken)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the control token is not valid for this server");
  }
  return grpc::Status::OK;
}

// What the fake services saw.
struct Record {
  absl::Mutex mu;
  std::vector<std::string> page_tokens ABSL_GUARDED_BY(mu);
  int snapshots ABSL_GUARDED_BY(mu) = 0;
  std::optional<v1::UpdateRoutingPolicyRequest> routing_update ABSL_GUARDED_BY(mu);
  std::optional<v1::DrainRequest> drain ABSL_GUARDED_BY(mu);
  std::optional<v1::WatchEventsRequest> watch ABSL_GUARDED_BY(mu);
  bool drain_called ABSL_GUARDED_BY(mu) = false;
  bool watch_before_drain ABSL_GUARDED_BY(mu) = false;
  bool progress_sent ABSL_GUARDED_BY(mu) = false;
};

class FakeLifecycle final : public v1::LifecycleService::Service {
 public:
  explicit FakeLifecycle(Record& record) : record_(record) {}
  grpc::Status GetStatus(grpc::ServerContext* context, const v1::GetStatusRequest*,
                         v1::GetStatusResponse* response) override {
    if (grpc::Status auth = CheckAuth(*context); !auth.ok()) return auth;
    response->set_version("9.9.9");
    response->mutable_uptime()->set_seconds(75);
    response->set_accounts(1);
    response->set_in_flight(2);
    return grpc::Status::OK;
  }
  grpc::Status Drain(grpc::ServerContext* context, const v1::DrainRequest* request,
                     v1::DrainResponse* response) override {
    if (grpc::Status auth = CheckAuth(*context); !auth.ok()) return auth;
    absl::MutexLock lock(&record_.mu);
    record_.drain = *request;
    record_.drain_called = true;
    record_.watch_before_drain = record_.watch.has_value();
    SetTime(absl::Now() + absl::Seconds(30), response->mutable_deadline_time());
    response->set_in_flight(2);
    return grpc::Status::OK;
  }

 private:
  Record& record_;
};

class FakeTelemetry final : public v1::TelemetryService::Service {
 public:
  explicit FakeTelemetry(Record& record) : record_(record) {}
  grpc::Status GetPoolSnapshot(grpc::ServerContext* context, const v1::GetPoolSnapshotRequest*,
                               v1::PoolSnapshot* response) override {
    if (grpc::Status auth = CheckAuth(*context); !auth.ok()) return auth;
    absl::MutexLock lock(&record_.mu);
    ++record_.snapshots;
    SetTime(absl::Now(), response->mutable_time());
    v1::AccountSnapshot* alice = response->add_accounts();
    alice->set_account("accounts/alice");
    alice->set_state(v1::ACCOUNT_STATE_ACTIVE);
    alice->set_in_flight(2);
    return grpc::Status::OK;
  }
  grpc::Status WatchEvents(grpc::ServerContext* context, const v1::WatchEventsRequest* request,
                           grpc::ServerWriter<v1::WatchEventsResponse>* writer) override {
    if (grpc::Status auth = CheckAuth(*context); !auth.ok()) return auth;
    {
      absl::MutexLock lock(&record_.mu);
      record_.watch = *request;
    }
    writer->SendInitialMetadata();
    // The progress reports follow the drain.
    {
      absl::MutexLock lock(&record_.mu);
      if (!record_.mu.AwaitWithTimeout(absl::Condition(&record_.drain_called), absl::Seconds(10))) {
        return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "no drain");
      }
    }
    const absl::Time start = absl::FromUnixSeconds(1'700'000'000);
    const absl::Time deadline = start + absl::Seconds(25);
    struct Report {
      int in_flight, held;
      bool done;
    };
    int second = 0;
    for (const Report& report :
         {Report{2, 1, false}, Report{2, 1, false}, Report{1, 0, false}, Report{0, 0, true}}) {
      v1::WatchEventsResponse message;
      v1::Event* event = message.mutable_event();
      event->set_sequence(static_cast<uint64_t>(second + 1));
      SetTime(start + absl::Seconds(second++), event->mutable_time());
      v1::DrainProgress* progress = event->mutable_drain_progress();
      progress->set_in_flight(report.in_flight);
      progress->set_held(report.held);
      progress->set_done(report.done);
      SetTime(deadline, progress->mutable_deadline_time());
      if (!writer->Write(message)) break;
    }
    absl::MutexLock lock(&record_.mu);
    record_.progress_sent = true;
    return grpc::Status::OK;
  }

 private:
  Record& record_;
};

class FakeAccounts final : public v1::AccountService::Service {
 public:
  explicit FakeAccounts(Record& record) : record_(record) {}
  grpc::Status ListAccounts(grpc::ServerContext* context, const v1::ListAccountsRequest* request,
                            v1::ListAccountsResponse* response) override {
    if (grpc::Status auth = CheckAuth(*context); !auth.ok()) return auth;
    absl::MutexLock lock(&record_.mu);
    record_.page_tokens.push_back(request->page_token());
    auto add = [&](const std::string& id) {
      v1::Account* account = response->add_accounts();
      account->set_name(absl::StrCat("accounts/", id));
      account->set_type(v1::ACCOUNT_TYPE_OAUTH);
      account->set_state(v1::ACCOUNT_STATE_ACTIVE);
      account->set_enabled(true);
      account->mutable_credential()->set_fingerprint(absl::StrCat(id, "-fp"));
    };
    if (request->page_token().empty()) {
      add("alice");
      add("bob");
      response->set_next_page_token("page-2");
    } else {
      add("carol");
    }
    response->set_total_size(3);
    return grpc::Status::OK;
  }

 private:
  Record& record_;
};

class FakeRouting final : public v1::RoutingService::Service {
 public:
  explicit FakeRouting(Record& record) : record_(record) {}
  grpc::Status GetRoutingPolicy(grpc::ServerContext* context, const v1::GetRoutingPolicyRequest*,
                                v1::RoutingPolicy* response) override {
    if (grpc::Status auth = CheckAuth(*context); !auth.ok()) return auth;
    *response = Policy();
    return grpc::Status::OK;
  }
  grpc::Status UpdateRoutingPolicy(grpc::ServerContext* context,
                                   const v1::UpdateRoutingPolicyRequest* request,
                                   v1::RoutingPolicy* response) override {
    if (grpc::Status auth = CheckAuth(*context); !auth.ok()) return auth;
    {
      absl::MutexLock lock(&record_.mu);
      record_.routing_update = *request;
    }
    if (request->policy().preferred_account() == "accounts/nobody") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "no account named \"nobody\"; ListAccounts (or `maxpool accounts`) "
                          "lists them");
    }
    *response = Policy();
    response->set_mode(request->policy().mode());
    response->set_preferred_account(request->policy().preferred_account());
    return grpc::Status::OK;
  }

 private:
  static v1::RoutingPolicy Policy() {
    v1::RoutingPolicy policy;
    policy.set_name("routingPolicy");
    policy.set_mode(v1::ROUTING_MODE_AUTOMATIC);
    policy.set_switch_threshold(0.9);
    policy.set_weekly_soft_threshold(0.65);
    policy.set_weekly_reserve_threshold(0.85);
    policy.set_weekly_critical_threshold(0.95);
    return policy;
  }
  Record& record_;
};

class FakeControlPlane {
 public:
  FakeControlPlane() : lifecycle_(record), telemetry_(record), accounts_(record), routing_(record) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&lifecycle_);
    builder.RegisterService(&telemetry_);
    builder.RegisterService(&accounts_);
    builder.RegisterService(&routing_);
    server_ = builder.BuildAndStart();
  }
  ~FakeControlPlane() { Shutdown(); }

  int port() const { return port_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  void Shutdown() {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    server_->Wait();
    server_.reset();
  }

  Record record;

 private:
  FakeLifecycle lifecycle_;
  FakeTelemetry telemetry_;
  FakeAccounts accounts_;
  FakeRouting routing_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result RunCli(const std::vector<std::string>& args, const config::EnvLookup& env = EnvFrom()) {
  std::ostringstream out, err;
  const int code = Run(args, env, out, err);
  return {code, out.str(), err.str()};
}

class ControlCommandsTest : public ::testing::Test {
 protected:
  // The arguments that reach the fake with the right token and no config file.
  std::vector<std::string> Args(std::vector<std::string> args) {
    for (const std::string& extra :
         {std::string("--server"), fake_.address(), std::string("--token"), std::string(kToken),
          std::string("--config"), (dir_.path() / "absent.json").string()}) {
      args.push_back(extra);
    }
    return args;
  }

  TempDir dir_;
  FakeControlPlane fake_;
};

TEST_F(ControlCommandsTest, StatusShowsTheServerAndItsAccounts) {
  const Result result = RunCli(Args({"status"}));
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_THAT(result.out, HasSubstr("version:    9.9.9\nuptime:     1m15s\n"));
  EXPECT_THAT(result.out, HasSubstr("in flight:  2\n"));
  EXPECT_THAT(result.out,
              HasSubstr("\nNAME   STATE   5H  7D  IN FLIGHT\nalice  active  -   -   2\n"));
}

TEST_F(ControlCommandsTest, ServerAndTokenFromTheConfigFile) {
  const std::filesystem::path config =
      dir_.Write("maxpool.json", absl::StrCat(R"({"control": {"host": "127.0.0.1", "port": )",
                                              fake_.port(), R"(, "token": ")", kToken, R"("}})"));
  const Result result = RunCli({"status", "--config", config.string()});
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_THAT(result.out, HasSubstr("9.9.9"));
}

TEST_F(ControlCommandsTest, TokenFromTheEnvironment) {
  const std::filesystem::path config =
      dir_.Write("maxpool.json", absl::StrCat(R"({"control": {"port": )", fake_.port(), "}}"));
  const Result result =
      RunCli({"status", "--config", config.string()}, EnvFrom({{"MAXPOOL_CONTROL_TOKEN", kToken}}));
  EXPECT_EQ(result.code, kExitOk) << result.err;
}

TEST_F(ControlCommandsTest, MissingTokenSaysWhereToPutIt) {
  const Result result = RunCli(
      {"status", "--server", fake_.address(), "--config", (dir_.path() / "absent.json").string()});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, absl::StrCat("maxpool: the control plane at ", fake_.address(),
                                     " needs a token: pass --token, or set control.token in the "
                                     "config file (or $MAXPOOL_CONTROL_TOKEN)\n"));
}

TEST_F(ControlCommandsTest, WrongTokenIsRefused) {
  const Result result = RunCli({"accounts", "--server", fake_.address(), "--token", "nope"});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_EQ(result.err, absl::StrCat("maxpool: the control plane at ", fake_.address(),
                                     " refused the token (the control token is not valid for "
                                     "this server): pass the server's control token with --token "
                                     "or set control.token\n"));
}

TEST_F(ControlCommandsTest, UnreachableServerFailsFastWithAHint) {
  const std::string address = absl::StrCat("127.0.0.1:", FreePort());
  const absl::Time start = absl::Now();
  const Result result = RunCli({"status", "--server", address, "--token", kToken});
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_EQ(result.err, absl::StrCat("maxpool: cannot reach the control plane at ", address,
                                     " (is `maxpool server` running? use --server HOST:PORT)\n"));
}

TEST_F(ControlCommandsTest, AccountsFollowsEveryPage) {
  Result result = RunCli(Args({"accounts"}));
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(result.out,
            "NAME   TYPE   STATE   ENABLED  PRIORITY  CAP  CREDENTIAL\n"
            "alice  oauth  active  yes      0         -    alice-fp\n"
            "bob    oauth  active  yes      0         -    bob-fp\n"
            "carol  oauth  active  yes      0         -    carol-fp\n");
  {
    absl::MutexLock lock(&fake_.record.mu);
    EXPECT_THAT(fake_.record.page_tokens, ElementsAre("", "page-2"));
    EXPECT_EQ(fake_.record.snapshots, 0);
  }
  result = RunCli(Args({"accounts", "-v"}));
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\nalice\n  email:         -\n"));
  EXPECT_THAT(result.out, HasSubstr("\ncarol\n"));
  absl::MutexLock lock(&fake_.record.mu);
  EXPECT_EQ(fake_.record.snapshots, 1);
}

TEST_F(ControlCommandsTest, RoutingShowPreferAndSet) {
  Result result = RunCli(Args({"routing"}));
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_THAT(result.out, HasSubstr("mode:              automatic\n"));

  result = RunCli(Args({"routing", "prefer", "alice"}));
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_THAT(result.out, HasSubstr("mode:              preferred alice\n"));
  {
    absl::MutexLock lock(&fake_.record.mu);
    ASSERT_TRUE(fake_.record.routing_update.has_value());
    EXPECT_EQ(fake_.record.routing_update->policy().preferred_account(), "accounts/alice");
    EXPECT_THAT(fake_.record.routing_update->update_mask().paths(),
                ElementsAre("mode", "preferred_account"));
  }

  result = RunCli(Args({"routing", "set", "switch-threshold", "85%"}));
  EXPECT_EQ(result.code, kExitOk) << result.err;
  {
    absl::MutexLock lock(&fake_.record.mu);
    ASSERT_TRUE(fake_.record.routing_update.has_value());
    EXPECT_DOUBLE_EQ(fake_.record.routing_update->policy().switch_threshold(), 0.85);
    EXPECT_THAT(fake_.record.routing_update->update_mask().paths(),
                ElementsAre("switch_threshold"));
  }

  result = RunCli(Args({"routing", "prefer", "nobody"}));
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err,
            "maxpool: no account named \"nobody\"; ListAccounts (or `maxpool accounts`) lists "
            "them\n");
}

TEST_F(ControlCommandsTest, DrainWithoutWaitPrintsTheDeadline) {
  const Result result = RunCli(Args({"drain", "--deadline", "30s", "--accept-grace", "5s"}));
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(result.out,
            "draining: 2 requests in flight, deadline in 30s; new requests are accepted for 5s\n");
  absl::MutexLock lock(&fake_.record.mu);
  ASSERT_TRUE(fake_.record.drain.has_value());
  EXPECT_EQ(fake_.record.drain->deadline().seconds(), 30);
  EXPECT_EQ(fake_.record.drain->accept_grace().seconds(), 5);
  EXPECT_FALSE(fake_.record.watch.has_value());
}

TEST_F(ControlCommandsTest, DrainWaitFollowsTheProgressUntilTheServerIsGone) {
  Result result;
  std::thread cli([&] { result = RunCli(Args({"drain", "--wait"})); });
  {
    absl::MutexLock lock(&fake_.record.mu);
    EXPECT_TRUE(fake_.record.mu.AwaitWithTimeout(absl::Condition(&fake_.record.progress_sent),
                                                 absl::Seconds(20)));
  }
  // The server exits after the drain; the command notices.
  absl::SleepFor(absl::Milliseconds(300));
  fake_.Shutdown();
  cli.join();
  {
    absl::MutexLock lock(&fake_.record.mu);
    ASSERT_TRUE(fake_.record.watch.has_value());
    EXPECT_THAT(fake_.record.watch->kinds(), ElementsAre(v1::EVENT_KIND_DRAIN_PROGRESS));
    EXPECT_TRUE(fake_.record.watch_before_drain);
    ASSERT_TRUE(fake_.record.drain.has_value());
    EXPECT_FALSE(fake_.record.drain->has_deadline());
  }
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(result.out,
            "draining: 2 requests in flight, deadline in 30s\n"
            "drain: 2 requests in flight (1 held), deadline in 25s\n"
            "drain: 1 request in flight, deadline in 23s\n"
            "drain: done, nothing in flight\n"
            "server stopped\n");
  EXPECT_EQ(result.err, "");
}

}  // namespace
}  // namespace maxpool::app
