// `maxpool probe [URL]` through app::Run over real loopback sockets: the default URL from
// $MAXPOOL_ADMIN_HOST/$MAXPOOL_ADMIN_PORT, 200 from the admin listener's /livez, a 503 /readyz
// while draining, nothing listening, a server that never answers (the 2 s limit), and the
// command-line errors.

#include "app/probe_command.h"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "admin/admin_server.h"
#include "admin/metrics.h"
#include "app/cli.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pool/pool.h"
#include "support/env_lookup.h"
#include "support/fake_clock.h"
#include "support/scripted_upstream.h"
#include "support/status_matchers.h"

namespace maxpool::app {
namespace {

using ::maxpool::testing::EnvFrom;

using ::maxpool::testing::FakeClock;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::ScriptedUpstream;
using ::maxpool::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using Vars = std::map<std::string, std::string>;

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

Result RunCli(const std::vector<std::string>& args, Vars vars = {}) {
  std::ostringstream out, err;
  const int code = app::Run(args, EnvFrom(std::move(vars)), out, err);
  return {code, out.str(), err.str()};
}

// A loopback port nothing listens on (bound, then closed).
uint16_t ClosedPort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

TEST(DefaultProbeUrlTest, AdminListenerLivezOnLoopback) {
  EXPECT_THAT(DefaultProbeUrl(EnvFrom({})), IsOk());
  EXPECT_EQ(*DefaultProbeUrl(EnvFrom({})), "http://127.0.0.1:3458/livez");
  EXPECT_EQ(*DefaultProbeUrl(EnvFrom({{"MAXPOOL_ADMIN_HOST", ""}, {"MAXPOOL_ADMIN_PORT", ""}})),
            "http://127.0.0.1:3458/livez");
  EXPECT_EQ(*DefaultProbeUrl(EnvFrom({{"MAXPOOL_ADMIN_HOST", "0.0.0.0"}})),
            "http://127.0.0.1:3458/livez");
  EXPECT_EQ(
      *DefaultProbeUrl(EnvFrom({{"MAXPOOL_ADMIN_HOST", "::"}, {"MAXPOOL_ADMIN_PORT", "9100"}})),
      "http://127.0.0.1:9100/livez");
  EXPECT_EQ(*DefaultProbeUrl(EnvFrom({{"MAXPOOL_ADMIN_HOST", "::1"}})), "http://[::1]:3458/livez");
  EXPECT_EQ(*DefaultProbeUrl(EnvFrom({{"MAXPOOL_ADMIN_HOST", "localhost"}})),
            "http://localhost:3458/livez");
}

TEST(DefaultProbeUrlTest, RefusesAPortThatIsNoPort) {
  for (const char* port : {"abc", "0", "65536", "-1", "3458x"}) {
    EXPECT_THAT(DefaultProbeUrl(EnvFrom({{"MAXPOOL_ADMIN_PORT", port}})),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("MAXPOOL_ADMIN_PORT")))
        << port;
  }
  const Result result = RunCli({"probe"}, {{"MAXPOOL_ADMIN_PORT", "abc"}});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_EQ(result.err,
            "maxpool: probe: MAXPOOL_ADMIN_PORT must be a port from 1 to 65535; got \"abc\"\n");
}

class ProbeAdminTest : public ::testing::Test {
 protected:
  ProbeAdminTest() : pool_(clock_, pool::PoolOptions{}), metrics_(pool_, admin::MetricsOptions{}) {}

  void SetUp() override {
    admin::AdminOptions options;
    options.port = 0;
    options.draining = [this] { return draining_.load(); };
    absl::StatusOr<std::unique_ptr<admin::AdminServer>> server =
        admin::AdminServer::Start(metrics_, options);
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
  }

  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", server_->port(), path);
  }

  FakeClock clock_;
  pool::Pool pool_;
  admin::Metrics metrics_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<admin::AdminServer> server_;
};

TEST_F(ProbeAdminTest, LivezOfTheAdminPortFromTheEnvironmentIsHealthy) {
  const Result result = RunCli({"probe"}, {{"MAXPOOL_ADMIN_HOST", "0.0.0.0"},
                                           {"MAXPOOL_ADMIN_PORT", absl::StrCat(server_->port())}});
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(result.out, absl::StrCat("maxpool probe: 200 from ", Url("/livez"), "\n"));
  EXPECT_EQ(result.err, "");
}

TEST_F(ProbeAdminTest, AnExplicitUrlWinsOverTheEnvironment) {
  const Result result = RunCli({"probe", Url("/readyz")}, {{"MAXPOOL_ADMIN_PORT", "abc"}});
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_EQ(result.out, absl::StrCat("maxpool probe: 200 from ", Url("/readyz"), "\n"));
}

TEST_F(ProbeAdminTest, AnswerOtherThan200FailsWithTheStatusAndTheBody) {
  draining_ = true;
  Result result = RunCli({"probe", Url("/readyz")});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err,
            absl::StrCat("maxpool: probe ", Url("/readyz"), " answered 503 (draining)\n"));

  result = RunCli({"probe", Url("/no-such-path")});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_THAT(result.err,
              StartsWith(absl::StrCat("maxpool: probe ", Url("/no-such-path"), " answered 404")));
}

TEST(ProbeTest, NothingListeningFailsWithOneLine) {
  const uint16_t port = ClosedPort();
  const Result result = RunCli({"probe"}, {{"MAXPOOL_ADMIN_PORT", absl::StrCat(port)}});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, StartsWith(absl::StrCat("maxpool: probe failed: GET http://127.0.0.1:",
                                                  port, "/livez: connect: ")));
  EXPECT_THAT(result.err, HasSubstr("(ECONNREFUSED)\n"));
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1);
}

TEST(ProbeTest, AServerThatNeverAnswersFailsWithinTheLimit) {
  ScriptedUpstream silent;
  ScriptedUpstream::Reply late(ScriptedUpstream::Json(200, "{}"));
  late.delay = std::chrono::milliseconds(5000);
  silent.SetDefault(late);
  const auto start = std::chrono::steady_clock::now();
  const Result result = RunCli({"probe", silent.base_url() + "/livez"});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_THAT(result.err, StartsWith("maxpool: probe failed: GET "));
  EXPECT_THAT(result.err, HasSubstr("(ETIMEDOUT)"));
  EXPECT_GE(elapsed, std::chrono::milliseconds(1900));
  EXPECT_LT(elapsed, std::chrono::milliseconds(4500));
  ASSERT_EQ(silent.requests().size(), 1u);
  EXPECT_THAT(silent.requests()[0].head, StartsWith("GET /livez HTTP/1.1\r\n"));
}

TEST(ProbeTest, PlainHttpToAHostThatIsNotLoopbackIsRefusedWithoutConnecting) {
  const Result result = RunCli({"probe", "http://192.0.2.1:3458/livez"});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_THAT(result.err, StartsWith("maxpool: probe failed: GET "));
  EXPECT_THAT(result.err, HasSubstr("not loopback"));
}

TEST(ProbeTest, BadCommandLines) {
  Result result = RunCli({"probe", "ftp://127.0.0.1/livez"});
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_EQ(result.err,
            "maxpool: probe needs an http:// or https:// URL, like http://127.0.0.1:3458/livez; "
            "got \"ftp://127.0.0.1/livez\" (see `maxpool probe --help`)\n");

  result = RunCli({"probe", "http://127.0.0.1:1/a", "http://127.0.0.1:1/b"});
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_THAT(result.err, StartsWith("maxpool: probe takes at most one URL"));

  result = RunCli({"probe", "--no-tui"});
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_THAT(result.err, StartsWith("maxpool: --no-tui only applies to"));
}

TEST(ProbeTest, HelpIsItsOwn) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"probe", "--help"}, {"help", "probe"}, {"probe", "http://127.0.0.1:1/", "-h"}}) {
    const Result result = RunCli(args);
    EXPECT_EQ(result.code, kExitOk);
    EXPECT_EQ(result.out, ProbeUsageText());
  }
  EXPECT_THAT(ProbeUsageText(), StartsWith("usage: maxpool probe [URL]\n"));
  EXPECT_THAT(ProbeUsageText(), HasSubstr("MAXPOOL_ADMIN_PORT"));
}

}  // namespace
}  // namespace maxpool::app
