#include "redis/redis_url.h"

#include <gtest/gtest.h>

namespace maxpool::redis {
namespace {

TEST(ParseRedisUrlTest, PlainAndTlsWithTheirDefaults) {
  absl::StatusOr<RedisEndpoint> plain = ParseRedisUrl("redis://redis.pool.svc");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->host, "redis.pool.svc");
  EXPECT_EQ(plain->port, 6379);
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->db, 0);
  EXPECT_EQ(plain->password, "");
  absl::StatusOr<RedisEndpoint> tls = ParseRedisUrl("rediss://maxpool:s%40cret@10.0.0.7:6380/3");
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->host, "10.0.0.7");
  EXPECT_EQ(tls->port, 6380);
  EXPECT_EQ(tls->db, 3);
  EXPECT_EQ(tls->username, "maxpool");
  EXPECT_EQ(tls->password, "s@cret");
  EXPECT_EQ(tls->Describe(), "rediss://10.0.0.7:6380/3");  // no credentials
  absl::StatusOr<RedisEndpoint> v6 = ParseRedisUrl("redis://:pw@[::1]:7000");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->password, "pw");
  EXPECT_EQ(v6->Describe(), "redis://[::1]:7000/0");
}

TEST(ParseRedisUrlTest, MistakesAreNamedWithoutThePassword) {
  for (const char* bad : {"", "redis.pool.svc:6379", "http://redis:6379", "redis://",
                          "redis://:hunter2@host:0", "redis://:hunter2@host/x"}) {
    const absl::StatusOr<RedisEndpoint> parsed = ParseRedisUrl(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().message().find("hunter2"), std::string::npos)
        << parsed.status().message();
  }
  EXPECT_NE(ParseRedisUrl("http://redis:6379").status().message().find("\"http\""),
            std::string::npos);
}

}  // namespace
}  // namespace maxpool::redis
