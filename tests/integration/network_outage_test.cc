// A network outage: every account's upstream refuses connections for the whole soak budget
// (spec §4.5 network class, §5.1 soak). The client gets its 503 `connection_unavailable` (JSON)
// or an SSE error event (streams), the process stays up, and the next request is served once an
// upstream is back. The pool runs on a clock 20 times faster than the real one, so the 45 s and
// 120 s budgets pass in seconds; run under ASan, this is the test of the exchange's failure path.

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "fake/test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/proxy_harness.h"
#include "support/scaled_clock.h"
#include "support/tcp_relay.h"

namespace maxpool {
namespace {

using ::maxpool::testing::ProxyHarness;
using ::maxpool::testing::ScaledClock;
using ::maxpool::testing::TcpRelay;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

// Two API-key accounts whose upstream is a relay to the fake, switched off: connections to it
// are refused until the test switches it on.
class NetworkOutage : public ::testing::Test {
 protected:
  NetworkOutage() : harness_(Options(clock_)), relay_(harness_.upstream().port()) {
    for (const char* name : {"a", "b"}) {
      fake::FakeAccountSpec spec;
      spec.type = fake::AccountType::kApiKey;
      harness_.AddAccount(name, spec);
      harness_.Redirect(name, absl::StrCat("http://127.0.0.1:", relay_.port()));
    }
    harness_.Start();
  }

  static ProxyHarness::Options Options(const ScaledClock& clock) {
    ProxyHarness::Options o = ProxyHarness::DefaultOptions();
    o.clock = &clock;
    o.proxy.heartbeat = 200ms;
    o.proxy.stream_grace = 200ms;
    o.pool.queue.poll = absl::Milliseconds(100);
    return o;
  }

  ScaledClock clock_{20};
  ProxyHarness harness_;
  TcpRelay relay_;
};

TEST_F(NetworkOutage, JsonRequestGets503AfterTheSoakAndTheServerServesOnceTheUpstreamIsBack) {
  auto client = harness_.Client(60s);
  auto refused = client->Request("POST", "/v1/messages", ProxyHarness::JsonHeaders(),
                                 ProxyHarness::MessageBody(false));
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->status, 503);
  EXPECT_THAT(refused->body, HasSubstr("connection_unavailable"));
  EXPECT_THAT(refused->body, HasSubstr("ECONNREFUSED"));
  EXPECT_EQ(harness_.upstream().Requests().size(), 0u);

  relay_.On();
  // The accounts' network cooldowns (5 s on the pool's clock) end within a second of real time.
  const auto until = std::chrono::steady_clock::now() + 10s;
  int status = 0;
  while (status != 200 && std::chrono::steady_clock::now() < until) {
    status = harness_.Post(false).status;
  }
  EXPECT_EQ(status, 200);
}

TEST_F(NetworkOutage, StreamEndsWithAnSseErrorAfterTheSoakAndTheServerServesOnceTheUpstreamIsBack) {
  auto client = harness_.Client(60s);
  auto refused = client->Request("POST", "/v1/messages", ProxyHarness::JsonHeaders(),
                                 ProxyHarness::MessageBody(true));
  ASSERT_TRUE(refused.ok()) << refused.status();
  ASSERT_EQ(refused->status, 200);  // the heartbeat stream was committed while held
  const fake::SseParse sse = fake::ParseSse(refused->body);
  ASSERT_FALSE(sse.events.empty()) << refused->body;
  EXPECT_EQ(sse.events.back().event, "error");
  EXPECT_THAT(sse.events.back().data, HasSubstr("connection_unavailable"));
  EXPECT_EQ(harness_.upstream().Requests().size(), 0u);

  relay_.On();
  const auto until = std::chrono::steady_clock::now() + 10s;
  int status = 0;
  std::string body;
  while (body.find("message_stop") == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    const fake::HttpResponse r = harness_.Post(true);
    status = r.status;
    body = r.body;
  }
  EXPECT_EQ(status, 200);
  EXPECT_THAT(body, HasSubstr("message_stop"));
}

}  // namespace
}  // namespace maxpool
