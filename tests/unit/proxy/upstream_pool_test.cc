// proxy::ParseOrigin: an upstream base URL as the data plane connects to it (the URL itself is
// parsed by net::ParseHttpUrl, tested in tests/unit/net).

#include "proxy/upstream_pool.h"

#include "gtest/gtest.h"

namespace maxpool::proxy {
namespace {

TEST(ParseOrigin, TheDefaultUpstream) {
  absl::StatusOr<Origin> origin = ParseOrigin("https://api.anthropic.com");
  ASSERT_TRUE(origin.ok()) << origin.status();
  EXPECT_TRUE(origin->tls);
  EXPECT_EQ(origin->host, "api.anthropic.com");
  EXPECT_EQ(origin->port, "443");
  EXPECT_EQ(origin->path_prefix, "");
  EXPECT_EQ(origin->key(), "https://api.anthropic.com:443");
  EXPECT_EQ(origin->authority(), "api.anthropic.com");
}

TEST(ParseOrigin, ALoopbackUpstreamWithAPrefix) {
  absl::StatusOr<Origin> origin = ParseOrigin("http://127.0.0.1:8080/prefix//");
  ASSERT_TRUE(origin.ok()) << origin.status();
  EXPECT_FALSE(origin->tls);
  EXPECT_EQ(origin->host, "127.0.0.1");
  EXPECT_EQ(origin->port, "8080");
  EXPECT_EQ(origin->path_prefix, "/prefix");
  EXPECT_EQ(origin->key(), "http://127.0.0.1:8080");
  EXPECT_EQ(origin->authority(), "127.0.0.1:8080");
}

TEST(ParseOrigin, ErrorsNameTheUpstreamUrl) {
  EXPECT_EQ(ParseOrigin("nope").status().message(), R"(upstream URL "nope" is not a valid URL)");
  EXPECT_EQ(ParseOrigin("ftp://h").status().message(),
            R"(upstream URL "ftp://h" must start with https:// or http://)");
  EXPECT_EQ(ParseOrigin("http://api.example.com").status().message(),
            R"(upstream URL "http://api.example.com" uses plain http to a host that is not )"
            "loopback; use https://");
}

// Bugs fixed by the shared parser: an empty port became an empty service name, an out-of-range
// port was taken as is, and a password in the URL was silently dropped.
TEST(ParseOrigin, PortsAndUserInfoAreChecked) {
  absl::StatusOr<Origin> empty_port = ParseOrigin("http://localhost:/x");
  ASSERT_TRUE(empty_port.ok()) << empty_port.status();
  EXPECT_EQ(empty_port->port, "80");
  EXPECT_FALSE(ParseOrigin("https://example.com:70000").ok());
  EXPECT_FALSE(ParseOrigin("https://user:pw@example.com").ok());
}

}  // namespace
}  // namespace maxpool::proxy
