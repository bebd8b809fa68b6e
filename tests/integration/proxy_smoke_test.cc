// The proxy relays a JSON and a streamed answer from the account it chose (spec §4.8).

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/proxy_harness.h"

namespace maxpool {
namespace {

using ::maxpool::testing::ProxyHarness;
using ::testing::HasSubstr;

TEST(ProxySmoke, RelaysJsonAndStreamFromTheChosenAccount) {
  ProxyHarness h;
  h.AddAccount("A");
  h.Start();
  fake::HttpResponse json = h.Post(/*stream=*/false);
  EXPECT_EQ(json.status, 200);
  EXPECT_EQ(json.Header("x-maxpool-account"), "A");
  EXPECT_THAT(json.body, HasSubstr(R"("type":"message")"));
  fake::HttpResponse sse = h.Post(/*stream=*/true);
  EXPECT_EQ(sse.status, 200);
  EXPECT_THAT(sse.Header("content-type").value_or(""), HasSubstr("text/event-stream"));
  EXPECT_THAT(sse.body, HasSubstr("event: message_stop"));
}

}  // namespace
}  // namespace maxpool
