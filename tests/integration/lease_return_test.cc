// An attempt that fails for any reason hands its account's lease back: a fault injected at each
// step of an attempt (ProxyOptions::attempt_fault), and a credential too large to build a header
// with. The client always gets an answer (the other account's, or an error), no account is left
// with a request in flight, and the next request is served.

#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"
#include "fake/test_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/proxy_harness.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::ProxyHarness;
using namespace std::chrono_literals;

bool NothingInFlight(ProxyHarness& h) {
  return Eventually([&] {
    for (const core::Account& a : h.pool().Snapshot()) {
      if (a.state.in_flight != 0) return false;
    }
    return true;
  });
}

struct FaultCase {
  std::string name;
  proxy::AttemptStep step;
  bool stream;
};

class FaultAtStep : public ::testing::TestWithParam<FaultCase> {};

TEST_P(FaultAtStep, TheLeaseComesBackAndTheNextRequestIsServed) {
  const FaultCase& c = GetParam();
  ProxyHarness::Options o = ProxyHarness::DefaultOptions();
  auto fired = std::make_shared<std::atomic<bool>>(false);
  o.proxy.attempt_fault = [fired, step = c.step](proxy::AttemptStep at) {
    return at == step && !fired->exchange(true);  // once
  };
  ProxyHarness h(o);
  fake::FakeAccountSpec api;
  api.type = fake::AccountType::kApiKey;
  h.AddAccount("a", api);
  h.AddAccount("b", api, 1);
  h.Start();

  const fake::HttpResponse first = h.Post(c.stream);
  EXPECT_TRUE(fired->load()) << "the fault was never reached";
  EXPECT_NE(first.status, 0) << "the client got no answer";
  if (first.status == 200 && c.stream) {
    // Either the other account's whole answer, or (bytes already sent) an error event.
    const fake::SseParse sse = fake::ParseSse(first.body);
    ASSERT_FALSE(sse.events.empty());
    EXPECT_THAT(sse.events.back().event, ::testing::AnyOf("message_stop", "error"));
  }
  EXPECT_TRUE(NothingInFlight(h)) << "a lease was not handed back";
  const fake::HttpResponse second = h.Post(c.stream);
  EXPECT_EQ(second.status, 200);
  EXPECT_TRUE(NothingInFlight(h));
}

INSTANTIATE_TEST_SUITE_P(
    LeaseReturn, FaultAtStep,
    ::testing::Values(FaultCase{"connection_json", proxy::AttemptStep::kConnection, false},
                      FaultCase{"build_json", proxy::AttemptStep::kBuildRequest, false},
                      FaultCase{"send_json", proxy::AttemptStep::kSend, false},
                      FaultCase{"head_json", proxy::AttemptStep::kResponseHead, false},
                      FaultCase{"body_json", proxy::AttemptStep::kResponseBody, false},
                      FaultCase{"connection_stream", proxy::AttemptStep::kConnection, true},
                      FaultCase{"build_stream", proxy::AttemptStep::kBuildRequest, true},
                      FaultCase{"send_stream", proxy::AttemptStep::kSend, true},
                      FaultCase{"head_stream", proxy::AttemptStep::kResponseHead, true},
                      FaultCase{"body_stream", proxy::AttemptStep::kResponseBody, true},
                      FaultCase{"client_write_stream", proxy::AttemptStep::kClientWrite, true}),
    [](const ::testing::TestParamInfo<FaultCase>& p) { return p.param.name; });

TEST(LeaseReturn, AKeyTooLargeForAHeaderFailsOverAndLeaksNothing) {
  ProxyHarness h;
  fake::FakeAccountSpec api;
  api.type = fake::AccountType::kApiKey;
  h.AddAccount("huge", api, 0, [](core::AccountSettings&, pool::Credential& c) {
    c.secret = absl::StrCat("sk-ant-api03-", std::string(70000, 'x'));
  });
  h.AddAccount("ok", api, 1);
  h.Start();
  for (int i = 0; i < 3; ++i) {
    const fake::HttpResponse r = h.Post(false);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("x-maxpool-account").value_or(""), "ok");
  }
  EXPECT_TRUE(NothingInFlight(h));
}

}  // namespace
}  // namespace maxpool
