// net::ParseHttpUrl, the one parser of outbound URLs: what it takes apart, what it refuses, and
// the messages (which never show a query or a password).

#include "net/http_url.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace maxpool::net {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseHttpUrl, AnHttpsUrlWithItsDefaultPort) {
  absl::StatusOr<HttpUrl> url = ParseHttpUrl("https://api.anthropic.com/v1/oauth/token?a=b");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "api.anthropic.com");
  EXPECT_EQ(url->host_text, "api.anthropic.com");
  EXPECT_FALSE(url->address.has_value());
  EXPECT_EQ(url->port, "443");
  EXPECT_EQ(url->port_number, 443);
  EXPECT_EQ(url->path, "/v1/oauth/token");
  EXPECT_EQ(url->query, "a=b");
  EXPECT_EQ(url->authority(), "api.anthropic.com");
  EXPECT_FALSE(url->loopback());
}

TEST(ParseHttpUrl, PlainHttpToLoopbackWithAPort) {
  for (const char* text : {"http://127.0.0.1:8080/prefix", "http://localhost:8080/prefix",
                           "HTTP://LocalHost:8080/prefix"}) {
    absl::StatusOr<HttpUrl> url = ParseHttpUrl(text);
    ASSERT_TRUE(url.ok()) << text << ": " << url.status();
    EXPECT_FALSE(url->tls);
    EXPECT_EQ(url->scheme, "http");
    EXPECT_EQ(url->port, "8080");
    EXPECT_EQ(url->path, "/prefix");
    EXPECT_FALSE(url->query.has_value());
    EXPECT_TRUE(url->loopback());
  }
}

TEST(ParseHttpUrl, AnIpv6LiteralKeepsItsBracketsInTheHostHeaderOnly) {
  absl::StatusOr<HttpUrl> url = ParseHttpUrl("http://[::1]:9000");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->host_text, "[::1]");
  ASSERT_TRUE(url->address.has_value());
  EXPECT_TRUE(url->address->is_v6());
  EXPECT_EQ(url->authority(), "[::1]:9000");
  EXPECT_EQ(url->path, "");
}

TEST(ParseHttpUrl, AnEmptyPortIsTheSchemesDefault) {
  absl::StatusOr<HttpUrl> url = ParseHttpUrl("https://example.com:/x");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->port, "443");
  EXPECT_EQ(url->authority(), "example.com");
}

TEST(ParseHttpUrl, TheMessagesNameTheProblem) {
  const struct {
    const char* url;
    const char* message;
  } kCases[] = {
      {"not a url", R"("not a url" is not a valid URL)"},
      {"ftp://127.0.0.1/x", R"("ftp://127.0.0.1/x" must start with https:// or http://)"},
      {"https:///nohost", R"("https:///nohost" has no host)"},
      {"https://example.com:99999/", R"("https://example.com:99999/" has an invalid port)"},
      {"https://example.com:0/", R"("https://example.com:0/" has an invalid port)"},
      {"http://example.com/x",
       R"("http://example.com/x" uses plain http to a host that is not loopback; use https://)"},
      {"http://[2001:db8::1]/x",
       R"("http://[2001:db8::1]/x" uses plain http to a host that is not loopback; use https://)"},
  };
  for (const auto& c : kCases) {
    absl::StatusOr<HttpUrl> url = ParseHttpUrl(c.url);
    ASSERT_FALSE(url.ok()) << c.url;
    EXPECT_EQ(url.status().code(), absl::StatusCode::kInvalidArgument) << c.url;
    EXPECT_EQ(url.status().message(), c.message) << c.url;
  }
}

TEST(ParseHttpUrl, TheLabelComesFirst) {
  absl::StatusOr<HttpUrl> url = ParseHttpUrl("http://example.com", "upstream URL");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.status().message(),
            R"(upstream URL "http://example.com" uses plain http to a host that is not loopback; )"
            "use https://");
}

TEST(ParseHttpUrl, NeitherAQueryNorAPasswordIsShown) {
  absl::StatusOr<HttpUrl> query = ParseHttpUrl("http://example.com/x?token=sekrit#frag");
  ASSERT_FALSE(query.ok());
  EXPECT_THAT(query.status().message(), Not(HasSubstr("sekrit")));
  EXPECT_THAT(query.status().message(), Not(HasSubstr("frag")));
  absl::StatusOr<HttpUrl> user = ParseHttpUrl("https://user:pw@example.com:8443/");
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().message(), "URL of https://example.com:8443 must not carry user info");
  absl::StatusOr<HttpUrl> labelled = ParseHttpUrl("https://user:pw@example.com/", "upstream URL");
  ASSERT_FALSE(labelled.ok());
  EXPECT_EQ(labelled.status().message(),
            "upstream URL of https://example.com must not carry user info");
}

}  // namespace
}  // namespace maxpool::net
