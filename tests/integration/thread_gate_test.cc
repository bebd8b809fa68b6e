// §15 scenario 60 through the proxy: a turn that continues a server-side thread held by another
// account is refused with the error code the client acts on, without an upstream call and
// without a mark on the account that was chosen; the third such turn is forwarded.

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/json/parse.hpp"
#include "gtest/gtest.h"
#include "support/proxy_harness.h"

namespace maxpool {
namespace {

using testing::ProxyHarness;

std::string ThreadedBody(const std::string& type) {
  return absl::StrCat(
      R"({"model":"claude-sonnet-4-5","max_tokens":64,"thread":{"type":")", type,
      R"(","previous_message_id":"msg_01"},"messages":[{"role":"user","content":"and then?"}]})");
}

int64_t Served(ProxyHarness& h, const std::string& credential) {
  const auto stats = h.upstream().Stats();
  const auto it = stats.find(credential);
  return it == stats.end() ? 0 : it->second.requests;
}

TEST(ThreadGate, Scenario60_AContinuedThreadOnAnotherAccountIsRefusedTwiceThenForwarded) {
  ProxyHarness h;
  const std::string a = h.AddAccount("A");
  const std::string b = h.AddAccount("B", {}, 1);
  h.Start();
  const fake::ClientHeaders session = {{"x-maxpool-session", "S"}};
  // The thread starts on A.
  fake::HttpResponse r = h.Post(false, session, ThreadedBody("create"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-maxpool-account").value_or(""), "A");
  // A goes away; B is chosen for the next turns.
  ASSERT_TRUE(h.pool().SetEnabled("A", false).ok());
  for (int i = 0; i < 2; ++i) {
    r = h.Post(false, session, ThreadedBody("continue"));
    EXPECT_EQ(r.status, 400) << r.body;
    boost::system::error_code ec;
    const boost::json::value body = boost::json::parse(r.body, ec);
    ASSERT_FALSE(ec) << r.body;
    EXPECT_EQ(body.at("error").at("type").as_string(), "invalid_request_error");
    EXPECT_EQ(body.at("error").at("details").at("error_code").as_string(),
              "thread_unsupported_request");
    // The message names the account.
    EXPECT_TRUE(absl::StrContains(std::string(body.at("error").at("message").as_string()), "\"B\""))
        << r.body;
  }
  EXPECT_EQ(Served(h, b), 0) << "a refused turn reached the upstream";
  for (const core::Account& account : h.pool().Snapshot()) {
    if (account.settings.name != "B") continue;
    EXPECT_EQ(account.state.in_flight, 0);
    EXPECT_EQ(account.state.failed_requests, 0);
    EXPECT_EQ(account.state.consecutive_failures, 0);
  }
  // The third is forwarded: a client that cannot resend is never stuck.
  r = h.Post(false, session, ThreadedBody("continue"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Served(h, b), 1);
  // An ordinary turn is never gated.
  EXPECT_EQ(h.Post(false, {{"x-maxpool-session", "other"}}).status, 200);
  (void)a;
}

}  // namespace
}  // namespace maxpool
