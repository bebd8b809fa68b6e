// §15 scenario 49: a client that is not on loopback must send the proxy's key (x-api-key), a
// loopback client need not. The proxy listens on every address and the test reaches it through
// one of this machine's own non-loopback addresses, so the server sees a remote peer.

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "support/proxy_harness.h"

namespace maxpool {
namespace {

using testing::ProxyHarness;

// An IPv4 address of this machine that is not loopback, if it has one.
std::optional<std::string> NonLoopbackAddress() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return std::nullopt;
  std::optional<std::string> found;
  for (ifaddrs* i = list; i != nullptr && !found; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
    char text[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text)) != nullptr) found = text;
  }
  freeifaddrs(list);
  return found;
}

fake::HttpResponse PostFrom(ProxyHarness& h, const std::string& host, fake::ClientHeaders extra) {
  fake::ClientOptions o;
  o.host = host;
  o.port = h.port();
  auto client = fake::BlockingHttpClient::Connect(o);
  EXPECT_TRUE(client.ok()) << client.status();
  if (!client.ok()) return {};
  fake::ClientHeaders headers = ProxyHarness::JsonHeaders();
  for (auto& header : extra) headers.push_back(std::move(header));
  auto response =
      (*client)->Request("POST", "/v1/messages", headers, ProxyHarness::MessageBody(false));
  EXPECT_TRUE(response.ok()) << response.status();
  return response.ok() ? *response : fake::HttpResponse{};
}

TEST(ClientAuth, Scenario49_RemoteClientsNeedTheKeyLoopbackClientsDoNot) {
  const std::optional<std::string> remote = NonLoopbackAddress();
  if (!remote) GTEST_SKIP() << "this machine has no non-loopback IPv4 address to connect through";
  ProxyHarness::Options options = ProxyHarness::DefaultOptions();
  options.proxy.host = "0.0.0.0";
  options.proxy.api_key = "mp-remote-key";
  ProxyHarness h(options);
  h.AddAccount("a");
  h.Start();

  const fake::HttpResponse refused = PostFrom(h, *remote, {});
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_TRUE(absl::StrContains(refused.body, "\"authentication_error\"")) << refused.body;
  const fake::HttpResponse wrong = PostFrom(h, *remote, {{"x-api-key", "mp-wrong-key"}});
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  const fake::HttpResponse keyed = PostFrom(h, *remote, {{"x-api-key", "mp-remote-key"}});
  EXPECT_EQ(keyed.status, 200) << keyed.body;
  const fake::HttpResponse local = PostFrom(h, "127.0.0.1", {});
  EXPECT_EQ(local.status, 200) << local.body;
  // Only the two admitted requests reached the upstream.
  int64_t served = 0;
  for (const auto& [credential, stats] : h.upstream().Stats()) served += stats.requests;
  EXPECT_EQ(served, 2);
}

}  // namespace
}  // namespace maxpool
