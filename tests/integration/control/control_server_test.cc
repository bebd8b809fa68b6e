// The control plane of a real ServerRuntime over gRPC: RoutingService, LifecycleService and
// TelemetryService (every RPC: success, bad input with its BadRequest field, not found,
// unauthenticated, precondition), grpc.health.v1 (SERVING, then NOT_SERVING at drain start),
// server reflection v1, the drain itself (streams finish, new requests get 503, the runtime is
// done), and the refusal to serve a non-loopback address without token or TLS.

#include "control/control_server.h"

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "control_client/control_client.h"
#include "fake/fake_upstream.h"
#include "fake/test_client.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "maxpool/v1/lifecycle.grpc.pb.h"
#include "maxpool/v1/routing.grpc.pb.h"
#include "maxpool/v1/telemetry.grpc.pb.h"
#include "server/server_runtime.h"
#include "support/eventually.h"
#include "support/pool_waiter.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"
#include "support/test_runtime.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::TempDir;
using ::maxpool::testing::TestCerts;

constexpr char kToken[] = "control-token-for-tests-0123456789";
constexpr char kReadToken[] = "read-token-for-tests-0123456789";

std::string KeyOf(int i) {
  return absl::StrCat("sk-ant-api03-control-", i, "-0123456789abcdefghij");
}

// The field paths of the google.rpc.BadRequest in a status's details.
std::vector<std::string> ViolatedFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return fields;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) fields.push_back(v.field());
    }
  }
  return fields;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::FakeOptions options;
    options.default_events = 8;
    options.event_delay = std::chrono::milliseconds(100);
    auto upstream = fake::FakeUpstream::Start(options);
    ASSERT_TRUE(upstream.ok()) << upstream.status();
    upstream_ = std::move(*upstream);
    std::string accounts;
    for (int i = 0; i < 3; ++i) {
      fake::FakeAccountSpec spec;
      spec.credential = KeyOf(i);
      spec.type = fake::AccountType::kApiKey;
      ASSERT_TRUE(upstream_->AddAccount(spec).ok());
      absl::StrAppend(&accounts, i == 0 ? "" : ",", R"({"name": "k)", i,
                      R"(", "type": "apikey", "apiKey": ")", KeyOf(i), R"("})");
    }
    path_ = dir_.path() / "maxpool.json";
    std::ofstream(path_) << R"({"upstream": ")" << upstream_->base_url()
                         << R"(", "control": {"token": ")" << kToken << R"(", "readOnlyToken": ")"
                         << kReadToken << R"("}, "accounts": [)" << accounts << "]}";
    auto runtime = server::ServerRuntime::Start(testing::TestRuntimeOptions(path_));
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = std::move(*runtime);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", runtime_->control_port()),
                                   grpc::InsecureChannelCredentials());
    routing_ = v1::RoutingService::NewStub(channel_);
    lifecycle_ = v1::LifecycleService::NewStub(channel_);
    telemetry_ = v1::TelemetryService::NewStub(channel_);
    health_ = grpc::health::v1::Health::NewStub(channel_);
  }

  void TearDown() override {
    if (runtime_) runtime_->Stop();
    if (upstream_) upstream_->Stop();
  }

  // A context with `token` ("" = none).
  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token = kToken) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  grpc::Status UpdatePolicy(const v1::RoutingPolicy& policy, std::vector<std::string> paths,
                            v1::RoutingPolicy* out, const std::string& token = kToken) {
    v1::UpdateRoutingPolicyRequest request;
    *request.mutable_policy() = policy;
    for (const std::string& p : paths) request.mutable_update_mask()->add_paths(p);
    return routing_->UpdateRoutingPolicy(Ctx(token).get(), request, out);
  }

  grpc::health::v1::HealthCheckResponse::ServingStatus Health(const std::string& service) {
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::ClientContext context;
    const grpc::Status status = health_->Check(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.status();
  }

  fake::HttpResponse Post(bool stream) {
    fake::ClientOptions o;
    o.port = runtime_->proxy_port();
    o.timeout = std::chrono::seconds(30);
    auto client = fake::BlockingHttpClient::Connect(o);
    EXPECT_TRUE(client.ok()) << client.status();
    if (!client.ok()) return {};
    auto response = (*client)->Request(
        "POST", "/v1/messages",
        {{"content-type", "application/json"}, {"anthropic-version", "2023-06-01"}},
        absl::StrCat(R"({"model":"claude-sonnet-4-5","max_tokens":64,"stream":)",
                     stream ? "true" : "false",
                     R"(,"messages":[{"role":"user","content":"hi"}]})"));
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : fake::HttpResponse{};
  }

  TempDir dir_;
  std::filesystem::path path_;
  std::unique_ptr<fake::FakeUpstream> upstream_;
  std::unique_ptr<server::ServerRuntime> runtime_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::RoutingService::Stub> routing_;
  std::unique_ptr<v1::LifecycleService::Stub> lifecycle_;
  std::unique_ptr<v1::TelemetryService::Stub> telemetry_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

TEST_F(ControlServerTest, RoutingPolicyGetAndPreferAnAccount) {
  v1::RoutingPolicy policy;
  ASSERT_TRUE(routing_->GetRoutingPolicy(Ctx(kReadToken).get(), {}, &policy).ok());
  EXPECT_EQ(policy.name(), "routingPolicy");
  EXPECT_EQ(policy.mode(), v1::ROUTING_MODE_AUTOMATIC);
  EXPECT_DOUBLE_EQ(policy.switch_threshold(), 0.90);

  v1::RoutingPolicy change;
  change.set_preferred_account("accounts/k2");
  v1::RoutingPolicy updated;
  grpc::Status status = UpdatePolicy(change, {"preferred_account"}, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.mode(), v1::ROUTING_MODE_PREFERRED);
  EXPECT_EQ(updated.preferred_account(), "accounts/k2");
  EXPECT_EQ(runtime_->pool().RoutingPolicy().preferred_account, "k2");
  // The next request goes there.
  ASSERT_EQ(Post(false).status, 200);
  // (The lease is released just after the client has the last byte.)
  EXPECT_TRUE(Eventually([&] {
    for (const core::Account& account : runtime_->pool().Snapshot()) {
      if (account.settings.name == "k2") return account.state.completed_requests == 1;
    }
    return false;
  }));
  // And it is in the file.
  std::ifstream in(path_);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find(R"("preferredAccount": "k2")"), std::string::npos) << text;

  change.Clear();
  change.set_mode(v1::ROUTING_MODE_AUTOMATIC);
  change.set_switch_threshold(0.8);
  status = UpdatePolicy(change, {"mode", "switch_threshold"}, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.mode(), v1::ROUTING_MODE_AUTOMATIC);
  EXPECT_TRUE(updated.preferred_account().empty());
  EXPECT_DOUBLE_EQ(updated.switch_threshold(), 0.8);
  EXPECT_DOUBLE_EQ(runtime_->pool().SchedulerSettings().switch_threshold, 0.8);
}

TEST_F(ControlServerTest, RoutingPolicyBadInputNotFoundAndAuth) {
  v1::RoutingPolicy out;
  v1::RoutingPolicy change;
  grpc::Status status = UpdatePolicy(change, {}, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Contains(ViolatedFields(status), "update_mask"));

  status = UpdatePolicy(change, {"priority"}, &out);
  EXPECT_TRUE(Contains(ViolatedFields(status), "update_mask"));

  change.set_switch_threshold(1.5);
  change.set_weekly_soft_threshold(0.99);
  status = UpdatePolicy(change, {"switch_threshold", "weekly_soft_threshold"}, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Contains(ViolatedFields(status), "policy.switch_threshold"));
  EXPECT_TRUE(Contains(ViolatedFields(status), "policy.weekly_soft_threshold"));

  change.Clear();
  change.set_preferred_account("k1");  // not a resource name
  status = UpdatePolicy(change, {"preferred_account"}, &out);
  EXPECT_TRUE(Contains(ViolatedFields(status), "policy.preferred_account"));

  change.set_mode(v1::ROUTING_MODE_PREFERRED);
  change.clear_preferred_account();
  status = UpdatePolicy(change, {"mode"}, &out);
  EXPECT_TRUE(Contains(ViolatedFields(status), "policy.preferred_account"));

  change.Clear();
  change.set_preferred_account("accounts/nobody");
  status = UpdatePolicy(change, {"preferred_account"}, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  ASSERT_TRUE(runtime_->pool().SetEnabled("k1", false).ok());
  change.set_preferred_account("accounts/k1");
  status = UpdatePolicy(change, {"preferred_account"}, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("disabled"), std::string::npos);

  change.set_preferred_account("accounts/k0");
  EXPECT_EQ(UpdatePolicy(change, {"preferred_account"}, &out, "").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(UpdatePolicy(change, {"preferred_account"}, &out, kReadToken).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(routing_->GetRoutingPolicy(Ctx("").get(), {}, &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Nothing changed.
  EXPECT_FALSE(runtime_->pool().RoutingPolicy().preferred);
}

TEST_F(ControlServerTest, ListSessionsPagesThroughBindings) {
  for (int i = 0; i < 5; ++i) {
    fake::ClientOptions o;
    o.port = runtime_->proxy_port();
    auto client = fake::BlockingHttpClient::Connect(o);
    ASSERT_TRUE(client.ok());
    auto response = (*client)->Request(
        "POST", "/v1/messages",
        {{"content-type", "application/json"},
         {"anthropic-version", "2023-06-01"},
         {"x-maxpool-session", absl::StrCat("session-", i)}},
        R"({"model":"claude-sonnet-4-5","max_tokens":8,"messages":[{"role":"user","content":"x"}]})");
    ASSERT_TRUE(response.ok() && response->status == 200);
  }
  std::vector<std::string> seen;
  v1::ListSessionsRequest request;
  request.set_page_size(2);
  for (int page = 0; page < 10; ++page) {
    v1::ListSessionsResponse response;
    ASSERT_TRUE(routing_->ListSessions(Ctx(kReadToken).get(), request, &response).ok());
    EXPECT_EQ(response.total_size(), 5);
    for (const v1::Session& s : response.sessions()) {
      seen.push_back(s.session_id());
      EXPECT_EQ(s.home_account().rfind("accounts/k", 0), 0u) << s.home_account();
      EXPECT_EQ(s.current_account(), s.home_account());
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"session-0", "session-1", "session-2", "session-3",
                                            "session-4"}));
  request.set_page_token("not-a-token");
  v1::ListSessionsResponse response;
  const grpc::Status status = routing_->ListSessions(Ctx().get(), request, &response);
  EXPECT_TRUE(Contains(ViolatedFields(status), "page_token"));
  request.Clear();
  request.set_page_size(-1);
  EXPECT_TRUE(Contains(ViolatedFields(routing_->ListSessions(Ctx().get(), request, &response)),
                       "page_size"));
}

TEST_F(ControlServerTest, StatusSnapshotAndReload) {
  v1::GetStatusResponse status;
  ASSERT_TRUE(lifecycle_->GetStatus(Ctx(kReadToken).get(), {}, &status).ok());
  EXPECT_FALSE(status.version().empty());
  EXPECT_EQ(status.accounts(), 3);
  EXPECT_FALSE(status.draining());
  EXPECT_EQ(status.listeners_size(), 3);  // data plane, control plane, admin
  EXPECT_EQ(status.listeners(0).kind(), v1::LISTENER_KIND_DATA_PLANE);
  EXPECT_EQ(status.listeners(0).address(), absl::StrCat("127.0.0.1:", runtime_->proxy_port()));
  EXPECT_EQ(status.config_path(), path_.string());
  EXPECT_EQ(lifecycle_->GetStatus(Ctx("wrong").get(), {}, &status).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  ASSERT_EQ(Post(false).status, 200);
  v1::PoolSnapshot snapshot;
  // (The lease is released just after the client has the last byte.)
  ASSERT_TRUE(Eventually([&] {
    int finished = 0;
    if (!telemetry_->GetPoolSnapshot(Ctx(kReadToken).get(), {}, &snapshot).ok()) return false;
    for (const v1::AccountSnapshot& a : snapshot.accounts()) finished += a.load_15m().requests();
    return finished == 1;
  }));
  ASSERT_EQ(snapshot.accounts_size(), 3);
  int requests = 0;
  for (const v1::AccountSnapshot& a : snapshot.accounts()) {
    EXPECT_EQ(a.state(), v1::ACCOUNT_STATE_ACTIVE) << a.account();
    EXPECT_EQ(a.type(), v1::ACCOUNT_TYPE_API_KEY);
    requests += a.load_15m().requests();
    if (a.load_15m().requests() == 1) {
      // The fake's API-key limits arrived in the headers.
      bool has_tokens_window = false;
      for (const v1::QuotaWindow& w : a.quota()) {
        has_tokens_window |= w.kind() == v1::QUOTA_WINDOW_KIND_TOKENS && w.has_limit();
      }
      EXPECT_TRUE(has_tokens_window) << a.DebugString();
    }
  }
  EXPECT_EQ(requests, 1);
  EXPECT_EQ(telemetry_->GetPoolSnapshot(Ctx("").get(), {}, &snapshot).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // Reload: a valid edit applies; a broken file is refused and changes nothing.
  v1::ReloadConfigResponse reloaded;
  EXPECT_EQ(lifecycle_->ReloadConfig(Ctx(kReadToken).get(), {}, &reloaded).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(lifecycle_->ReloadConfig(Ctx().get(), {}, &reloaded).ok());
  EXPECT_EQ(reloaded.accounts(), 3);
  std::ofstream(path_) << "{ not json";
  const grpc::Status broken = lifecycle_->ReloadConfig(Ctx().get(), {}, &reloaded);
  EXPECT_EQ(broken.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(broken.error_message().find("maxpool.json"), std::string::npos)
      << broken.error_message();
  EXPECT_EQ(runtime_->pool().Snapshot().size(), 3u);
}

TEST_F(ControlServerTest, SnapshotShowsTheSharedBreaker) {
  v1::PoolSnapshot snapshot;
  ASSERT_TRUE(telemetry_->GetPoolSnapshot(Ctx(kReadToken).get(), {}, &snapshot).ok());
  EXPECT_FALSE(snapshot.breaker_open());
  EXPECT_FALSE(snapshot.has_breaker_until());
  EXPECT_FALSE(snapshot.breaker_probing());

  // §4.6: the same unexplained 429 from two accounts is Anthropic throttling everyone.
  pool::Pool& pool = runtime_->pool();
  core::RequestInfo request = ::maxpool::testing::SmallRequest();
  core::RouteState route;
  const absl::Time before = absl::Now();
  ::maxpool::testing::FailWith429(pool, request, route, pool.clock());
  ::maxpool::testing::FailWith429(pool, request, route, pool.clock());
  ASSERT_TRUE(pool.BreakerOpen());

  ASSERT_TRUE(telemetry_->GetPoolSnapshot(Ctx(kReadToken).get(), {}, &snapshot).ok());
  EXPECT_TRUE(snapshot.breaker_open());
  ASSERT_TRUE(snapshot.has_breaker_until());
  EXPECT_GT(control_client::ToTime(snapshot.breaker_until()), before);
  EXPECT_FALSE(snapshot.breaker_probing());
}

TEST_F(ControlServerTest, WatchPoolSendsSnapshotsAtTheInterval) {
  v1::WatchPoolRequest request;
  request.mutable_interval()->set_nanos(150 * 1000 * 1000);
  auto context = Ctx(kReadToken);
  auto reader = telemetry_->WatchPool(context.get(), request);
  v1::PoolSnapshot snapshot;
  const grpc::Status bad = [&] {
    // Too short an interval is refused.
    v1::WatchPoolRequest too_short;
    too_short.mutable_interval()->set_nanos(50 * 1000 * 1000);
    auto bad_context = Ctx();
    auto bad_reader = telemetry_->WatchPool(bad_context.get(), too_short);
    v1::PoolSnapshot ignored;
    while (bad_reader->Read(&ignored)) {
    }
    return bad_reader->Finish();
  }();
  EXPECT_TRUE(Contains(ViolatedFields(bad), "interval"));
  int received = 0;
  while (received < 3 && reader->Read(&snapshot)) ++received;
  EXPECT_EQ(received, 3);
  EXPECT_EQ(snapshot.accounts_size(), 3);
  context->TryCancel();
  while (reader->Read(&snapshot)) {
  }
  reader->Finish();
}

TEST_F(ControlServerTest, WatchEventsStreamsRequestsFailoversAndStateChanges) {
  v1::WatchEventsRequest bad_request;
  bad_request.add_kinds(v1::EVENT_KIND_UNSPECIFIED);
  bad_request.add_accounts("k0");
  bad_request.set_queue_size(3);
  {
    auto context = Ctx();
    auto reader = telemetry_->WatchEvents(context.get(), bad_request);
    v1::WatchEventsResponse ignored;
    while (reader->Read(&ignored)) {
    }
    const grpc::Status status = reader->Finish();
    EXPECT_TRUE(Contains(ViolatedFields(status), "kinds[0]"));
    EXPECT_TRUE(Contains(ViolatedFields(status), "accounts[0]"));
    EXPECT_TRUE(Contains(ViolatedFields(status), "queue_size"));
  }
  {
    auto context = Ctx("");
    auto reader = telemetry_->WatchEvents(context.get(), {});
    v1::WatchEventsResponse ignored;
    while (reader->Read(&ignored)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }

  v1::WatchEventsRequest request;
  request.add_kinds(v1::EVENT_KIND_REQUEST_FINISHED);
  request.add_kinds(v1::EVENT_KIND_ACCOUNT_STATE_CHANGED);
  auto context = Ctx(kReadToken);
  auto reader = telemetry_->WatchEvents(context.get(), request);
  reader->WaitForInitialMetadata();
  ASSERT_EQ(Post(true).status, 200);
  ASSERT_TRUE(runtime_->pool().SetEnabled("k1", false).ok());
  bool finished = false;
  bool disabled = false;
  v1::WatchEventsResponse message;
  uint64_t last_sequence = 0;
  while ((!finished || !disabled) && reader->Read(&message)) {
    ASSERT_TRUE(message.has_event()) << message.DebugString();
    EXPECT_GT(message.event().sequence(), last_sequence);
    last_sequence = message.event().sequence();
    if (message.event().has_request_finished()) {
      const v1::RequestFinished& r = message.event().request_finished();
      EXPECT_EQ(r.status(), 200);
      EXPECT_EQ(r.path(), "/v1/messages");
      EXPECT_EQ(r.account().rfind("accounts/k", 0), 0u);
      // Usage read from the relayed SSE stream, and the upstream's time to first byte.
      EXPECT_TRUE(r.has_input_tokens());
      EXPECT_GT(r.output_tokens(), 0);
      EXPECT_TRUE(r.has_upstream_ttfb());
      finished = true;
    }
    if (message.event().has_account_state_changed()) {
      const v1::AccountStateChanged& c = message.event().account_state_changed();
      EXPECT_EQ(c.account(), "accounts/k1");
      EXPECT_EQ(c.previous(), v1::ACCOUNT_STATE_ACTIVE);
      EXPECT_EQ(c.current(), v1::ACCOUNT_STATE_DISABLED);
      disabled = true;
    }
  }
  EXPECT_TRUE(finished);
  EXPECT_TRUE(disabled);
  context->TryCancel();
  while (reader->Read(&message)) {
  }
  reader->Finish();
}

TEST_F(ControlServerTest, HealthAndReflection) {
  EXPECT_EQ(Health(""), grpc::health::v1::HealthCheckResponse::SERVING);
  for (const char* service : {"maxpool.v1.AccountService", "maxpool.v1.RoutingService",
                              "maxpool.v1.LifecycleService", "maxpool.v1.TelemetryService"}) {
    EXPECT_EQ(Health(service), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
  // Reflection v1, with no token.
  auto stub = grpc::reflection::v1::ServerReflection::NewStub(channel_);
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  grpc::reflection::v1::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> services;
  for (const auto& s : response.list_services_response().service()) services.push_back(s.name());
  for (const char* name :
       {"maxpool.v1.AccountService", "maxpool.v1.TelemetryService", "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"}) {
    EXPECT_TRUE(Contains(services, name)) << name;
  }
  request.set_file_containing_symbol("maxpool.v1.TelemetryService");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> files;
  for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(file.ParseFromString(bytes));
    files.push_back(file.name());
  }
  EXPECT_TRUE(Contains(files, "maxpool/v1/telemetry.proto"));
  EXPECT_TRUE(Contains(files, "maxpool/v1/accounts.proto"));  // its import
  EXPECT_TRUE(Contains(files, "google/protobuf/timestamp.proto"));
  request.set_file_containing_symbol("maxpool.v1.NoSuchThing");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::NOT_FOUND);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ControlServerTest, DrainFinishesStreamsRefusesNewRequestsAndEnds) {
  v1::DrainRequest bad;
  bad.mutable_deadline()->set_seconds(0);
  v1::DrainResponse drained;
  grpc::Status status = lifecycle_->Drain(Ctx().get(), bad, &drained);
  EXPECT_TRUE(Contains(ViolatedFields(status), "deadline"));
  bad.mutable_deadline()->set_seconds(10);
  bad.mutable_accept_grace()->set_seconds(20);
  status = lifecycle_->Drain(Ctx().get(), bad, &drained);
  EXPECT_TRUE(Contains(ViolatedFields(status), "accept_grace"));
  EXPECT_EQ(lifecycle_->Drain(Ctx(kReadToken).get(), {}, &drained).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_FALSE(runtime_->draining());

  // Two streams in flight (8 events 100 ms apart), a watcher of drain progress.
  std::vector<std::thread> streams;
  std::atomic<int> intact{0};
  for (int i = 0; i < 2; ++i) {
    streams.emplace_back([&] {
      const fake::HttpResponse r = Post(true);
      if (r.status == 200 && r.body.find("message_stop") != std::string::npos) ++intact;
    });
  }
  ASSERT_TRUE(Eventually([&] { return runtime_->Status().in_flight == 2; }));
  v1::WatchEventsRequest watch;
  watch.add_kinds(v1::EVENT_KIND_DRAIN_PROGRESS);
  auto watch_context = Ctx();
  auto progress = telemetry_->WatchEvents(watch_context.get(), watch);
  progress->WaitForInitialMetadata();

  v1::DrainRequest request;
  request.mutable_deadline()->set_seconds(30);
  ASSERT_TRUE(lifecycle_->Drain(Ctx().get(), request, &drained).ok());
  EXPECT_EQ(drained.in_flight(), 2);
  EXPECT_FALSE(drained.already_draining());
  EXPECT_EQ(Health(""), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health("maxpool.v1.AccountService"),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  ASSERT_TRUE(lifecycle_->Drain(Ctx().get(), request, &drained).ok());
  EXPECT_TRUE(drained.already_draining());
  const fake::HttpResponse refused = Post(false);
  EXPECT_EQ(refused.status, 503);

  bool done = false;
  v1::WatchEventsResponse message;
  while (!done && progress->Read(&message)) {
    if (message.has_event() && message.event().has_drain_progress()) {
      done = message.event().drain_progress().done();
      if (done) {
        EXPECT_EQ(message.event().drain_progress().in_flight(), 0);
      }
    }
  }
  EXPECT_TRUE(done);
  EXPECT_TRUE(runtime_->WaitForDrained(absl::Seconds(30)));
  for (std::thread& t : streams) t.join();
  EXPECT_EQ(intact.load(), 2);
  // The drain is in the persistent event log next to the config file (mode 0600, no secret).
  const std::filesystem::path log = dir_.path() / "maxpool.log";
  std::string logged;
  EXPECT_TRUE(Eventually([&] {
    std::ifstream in(log);
    logged.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return logged.find("drain finished") != std::string::npos;
  })) << logged;
  EXPECT_NE(logged.find("draining: waiting up to 30s for 2 request(s)"), std::string::npos);
  EXPECT_EQ(std::filesystem::status(log).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(logged.find(kToken), std::string::npos);
  watch_context->TryCancel();
  while (progress->Read(&message)) {
  }
  progress->Finish();
}

TEST(ControlServerStart, RefusesAPublicAddressWithoutTokenOrTls) {
  control::ControlServerOptions options;
  options.host = "0.0.0.0";
  options.port = 0;
  absl::StatusOr<std::unique_ptr<control::ControlServer>> server =
      control::ControlServer::Start(options, {});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(server.status().message().find("control.token"), std::string::npos);
  options.token_configured = true;
  server = control::ControlServer::Start(options, {});
  EXPECT_TRUE(server.ok()) << server.status();
  options.host = "localhost";
  EXPECT_EQ(control::ControlServer::Start(options, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.host = "127.0.0.1";
  options.tls_cert_file = "/nonexistent/cert.pem";
  EXPECT_FALSE(control::ControlServer::Start(options, {}).ok());
}

// control.tls with a client CA: only clients with a certificate from that CA get in; a plain
// TLS client and a plaintext client do not. Without a client CA, any TLS client does.
TEST(ControlServerTls, MutualTlsAdmitsOnlyClientsWithACertificate) {
  TempDir dir;
  const TestCerts certs = TestCerts::Make(dir.path());
  ASSERT_TRUE(certs.ok) << "openssl could not make the test certificates";
  for (const bool mutual : {true, false}) {
    const std::filesystem::path path = dir.path() / "maxpool.json";
    std::ofstream(path) << R"({"upstream": "http://127.0.0.1:9", "control": {"tls": {"certFile": ")"
                        << certs.server_cert.string() << R"(", "keyFile": ")"
                        << certs.server_key.string() << R"(")"
                        << (mutual ? absl::StrCat(R"(, "clientCaFile": ")", certs.ca_cert.string(),
                                                  R"(")")
                                   : std::string())
                        << R"(}}, "accounts": [{"name": "k", "type": "apikey", "apiKey": ")"
                        << KeyOf(0) << R"("}]})";
    auto runtime = server::ServerRuntime::Start(testing::TestRuntimeOptions(path));
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    const std::string target = absl::StrCat("127.0.0.1:", (*runtime)->control_port());
    auto status_with = [&](std::shared_ptr<grpc::ChannelCredentials> credentials) {
      auto stub = v1::LifecycleService::NewStub(grpc::CreateChannel(target, credentials));
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      v1::GetStatusResponse response;
      const grpc::Status status = stub->GetStatus(&context, {}, &response);
      if (status.ok()) {
        EXPECT_TRUE(response.listeners(1).tls());
      }
      return status;
    };
    grpc::SslCredentialsOptions with_cert;
    with_cert.pem_root_certs = TestCerts::Read(certs.ca_cert);
    with_cert.pem_cert_chain = TestCerts::Read(certs.client_cert);
    with_cert.pem_private_key = TestCerts::Read(certs.client_key);
    grpc::SslCredentialsOptions without_cert;
    without_cert.pem_root_certs = TestCerts::Read(certs.ca_cert);
    EXPECT_TRUE(status_with(grpc::SslCredentials(with_cert)).ok()) << "mutual=" << mutual;
    EXPECT_EQ(status_with(grpc::SslCredentials(without_cert)).ok(), !mutual) << "mutual=" << mutual;
    EXPECT_FALSE(status_with(grpc::InsecureChannelCredentials()).ok()) << "mutual=" << mutual;
    (*runtime)->Stop();
  }
}

}  // namespace
}  // namespace maxpool
