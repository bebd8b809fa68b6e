// admin::AdminServer over real loopback sockets: /metrics in the Prometheus text format (checked
// by promtool when it is installed), /livez, /readyz flipping to 503 while draining, 404/405,
// keep-alive, bounded requests, and the error for a port in use.

#include "admin/admin_server.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "admin/event_metrics.h"
#include "admin/metrics.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"
#include "boost/beast/http/write.hpp"
#include "gtest/gtest.h"
#include "pool/pool.h"
#include "support/fake_clock.h"
#include "support/pool_waiter.h"
#include "support/raw_socket.h"
#include "support/router_harness.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "unit/admin/metrics_text.h"

namespace maxpool::admin {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using ::maxpool::admin::testing::Sample;
using ::maxpool::testing::FakeClock;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::OAuthAccount;
using ::maxpool::testing::RawSocket;
using ::maxpool::testing::SmallRequest;
using ::maxpool::testing::StatusIs;
using ::maxpool::testing::TempDir;
using ::maxpool::testing::Token;
using ::testing::HasSubstr;

using Response = http::response<http::string_body>;

// A blocking HTTP/1.1 client on one connection (keep-alive).
class Client {
 public:
  explicit Client(uint16_t port) : socket_(ioc_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  }
  Response Send(http::verb method, std::string target) {
    http::request<http::string_body> request(method, target, 11);
    request.set(http::field::host, "127.0.0.1");
    request.prepare_payload();
    http::write(socket_, request);
    Response response;
    http::read(socket_, buffer_, response);
    return response;
  }
  Response Get(std::string target) { return Send(http::verb::get, std::move(target)); }

 private:
  asio::io_context ioc_;
  asio::ip::tcp::socket socket_;
  beast::flat_buffer buffer_;
};

class AdminServerTest : public ::testing::Test {
 protected:
  AdminServerTest() : pool_(clock_, pool::PoolOptions{}), metrics_(pool_, MetricsOptions{}) {}

  void StartServer() {
    AdminOptions options;
    options.port = 0;
    options.draining = [this] { return draining_.load(); };
    absl::StatusOr<std::unique_ptr<AdminServer>> server = AdminServer::Start(metrics_, options);
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
    ASSERT_NE(server_->port(), 0);
  }

  FakeClock clock_;
  pool::Pool pool_;
  std::atomic<bool> draining_{false};
  Metrics metrics_;
  std::unique_ptr<AdminServer> server_;
};

TEST_F(AdminServerTest, ServesMetrics) {
  pool_.AddAccount(OAuthAccount("A"), Token("a"));
  StartServer();
  Client client(server_->port());
  const Response response = client.Get("/metrics");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(response.body(), HasSubstr("# TYPE maxpool_build_info gauge\n"));
  EXPECT_EQ(Sample(response.body(), R"(maxpool_account_enabled{account="A"})"), 1);
  EXPECT_EQ(Sample(response.body(), R"(maxpool_account_state{account="A",state="active"})"), 1);
}

TEST_F(AdminServerTest, LivezAndReadyzFlipsWhileDraining) {
  StartServer();
  Client client(server_->port());
  Response response = client.Get("/livez");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "ok\n");
  response = client.Get("/readyz");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "ready\n");

  draining_ = true;
  response = client.Get("/readyz");
  EXPECT_EQ(response.result_int(), 503);
  EXPECT_EQ(response.body(), "draining\n");
  response = client.Get("/livez");  // still alive while draining
  EXPECT_EQ(response.result_int(), 200);
  response = client.Get("/readyz?verbose=1");  // the query is ignored
  EXPECT_EQ(response.result_int(), 503);

  draining_ = false;
  EXPECT_EQ(client.Get("/readyz").result_int(), 200);
}

TEST_F(AdminServerTest, UnknownPathsAndMethods) {
  StartServer();
  Client client(server_->port());
  EXPECT_EQ(client.Get("/").result_int(), 404);
  EXPECT_EQ(client.Get("/metrics/extra").result_int(), 404);
  EXPECT_EQ(client.Send(http::verb::post, "/nope").result_int(), 404);
  const Response post = client.Send(http::verb::post, "/metrics");
  EXPECT_EQ(post.result_int(), 405);
  EXPECT_EQ(post[http::field::allow], "GET");
  EXPECT_EQ(client.Send(http::verb::delete_, "/readyz").result_int(), 405);
  // All on one kept-alive connection: it still serves.
  EXPECT_EQ(client.Get("/livez").result_int(), 200);
}

TEST_F(AdminServerTest, ConnectionCloseIsHonoured) {
  StartServer();
  std::unique_ptr<RawSocket> raw = RawSocket::Connect(server_->port());
  ASSERT_NE(raw, nullptr);
  ASSERT_TRUE(raw->Write("GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_TRUE(raw->WaitForClose(std::chrono::seconds(5)));
  EXPECT_THAT(raw->received(), HasSubstr("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(raw->received(), HasSubstr("\r\n\r\nok\n"));
}

TEST_F(AdminServerTest, OversizedAndMalformedRequestsAreRefused) {
  StartServer();
  {
    std::unique_ptr<RawSocket> raw = RawSocket::Connect(server_->port());
    ASSERT_NE(raw, nullptr);
    raw->Write(absl::StrCat("GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ", std::string(16384, 'a'),
                            "\r\n\r\n"));
    EXPECT_TRUE(raw->WaitForClose(std::chrono::seconds(5)));
    EXPECT_THAT(raw->received(), HasSubstr("HTTP/1.1 431 "));
  }
  {
    std::unique_ptr<RawSocket> raw = RawSocket::Connect(server_->port());
    ASSERT_NE(raw, nullptr);
    raw->Write("GET /livez HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
    EXPECT_TRUE(raw->WaitForClose(std::chrono::seconds(5)));
    EXPECT_THAT(raw->received(), HasSubstr("HTTP/1.1 413 "));
  }
  {
    std::unique_ptr<RawSocket> raw = RawSocket::Connect(server_->port());
    ASSERT_NE(raw, nullptr);
    raw->Write("NOT HTTP AT ALL\r\n\r\n");
    EXPECT_TRUE(raw->WaitForClose(std::chrono::seconds(5)));
    EXPECT_THAT(raw->received(), HasSubstr("HTTP/1.1 400 "));
  }
  Client client(server_->port());  // the server carries on
  EXPECT_EQ(client.Get("/livez").result_int(), 200);
}

TEST_F(AdminServerTest, APortInUseNamesTheAddress) {
  StartServer();
  AdminOptions options;
  options.port = server_->port();
  const absl::StatusOr<std::unique_ptr<AdminServer>> second = AdminServer::Start(metrics_, options);
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr(absl::StrCat("127.0.0.1:", server_->port()))));
  options.host = "not-an-ip";
  EXPECT_THAT(AdminServer::Start(metrics_, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not-an-ip")));
}

TEST_F(AdminServerTest, StopIsIdempotentAndClosesConnections) {
  StartServer();
  std::unique_ptr<RawSocket> raw = RawSocket::Connect(server_->port());
  ASSERT_NE(raw, nullptr);
  ASSERT_TRUE(raw->Write("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"));
  raw->ReadUntil("ok\n", std::chrono::seconds(5));
  server_->Stop();
  server_->Stop();
  server_.reset();  // destroying the io_context closes the kept-alive connection
  EXPECT_TRUE(raw->WaitForClose(std::chrono::seconds(5)));
}

// The whole /metrics output, with every family populated, passes `promtool check metrics`
// (format and naming lint).
TEST_F(AdminServerTest, PromtoolAcceptsTheMetrics) {
  if (std::system("command -v promtool > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  }
  EventMetrics events(pool_.events(), metrics_);
  events.Start();
  pool_.AddAccount(OAuthAccount("A"), Token("a"));
  pool_.AddAccount(OAuthAccount("B \"quoted\"\\"), Token("b"));  // label escaping
  core::RequestInfo request = SmallRequest();
  core::RouteState route;
  std::optional<pool::Grant> grant = pool_.TryAcquire(request, route);
  ASSERT_TRUE(grant.has_value());
  core::FlatHeaders headers{{"anthropic-ratelimit-unified-5h-utilization", "0.5"},
                            {"anthropic-ratelimit-unified-5h-reset",
                             absl::StrCat(absl::ToUnixSeconds(clock_.Now() + absl::Hours(1)))}};
  pool_.Observe(grant->lease, 200, headers);
  core::ResponseVerdict verdict;
  verdict.failure = core::FailureClass::kUpstream5xx;
  core::AttemptContext attempt;
  attempt.status = 502;
  pool_.OnFailure(grant->lease, request, route, verdict, attempt);
  pool::RequestFinished finished;
  finished.account = "A";
  finished.status = 200;
  finished.duration = absl::Milliseconds(300);
  finished.input_tokens = 3;
  finished.output_tokens = 4;
  finished.truncated = true;
  pool_.events().Publish(finished);
  pool_.events().Publish(pool::RefreshFinished{"A", true, 0, ""});
  pool_.events().Publish(pool::HoldEnded{7, pool::HoldOutcome::kAdmitted, absl::Seconds(1)});
  metrics_.RecordDropped(2);
  ASSERT_TRUE(events.Flush());
  StartServer();

  Client client(server_->port());
  const Response response = client.Get("/metrics");
  ASSERT_EQ(response.result_int(), 200);
  for (const char* name :
       {"maxpool_requests_total", "maxpool_failovers_total", "maxpool_oauth_refreshes_total",
        "maxpool_truncated_streams_total", "maxpool_holds_total", "maxpool_tokens_total",
        "maxpool_account_state_changes_total", "maxpool_metrics_events_dropped_total",
        "maxpool_request_duration_seconds_bucket", "maxpool_hold_wait_seconds_bucket",
        "maxpool_account_inflight", "maxpool_account_quota_utilization",
        "maxpool_account_quota_reset_seconds", "maxpool_account_state", "maxpool_account_enabled",
        "maxpool_held_requests", "maxpool_draining", "maxpool_build_info",
        "maxpool_account_load_requests"}) {
    EXPECT_THAT(response.body(), HasSubstr(absl::StrCat("\n", name))) << name;
  }

  TempDir dir;
  const std::filesystem::path input = dir.Write("metrics.txt", response.body());
  const std::filesystem::path output = dir.path() / "promtool.txt";
  const int rc = std::system(
      absl::StrCat("promtool check metrics < '", input.string(), "' > '", output.string(), "' 2>&1")
          .c_str());
  std::ifstream in(output);
  std::stringstream report;
  report << in.rdbuf();
  EXPECT_EQ(rc, 0) << report.str() << "\n--- input:\n" << response.body();
  EXPECT_EQ(report.str(), "") << report.str();
}

}  // namespace
}  // namespace maxpool::admin
