#include "redis/redis_reply.h"

#include <gtest/gtest.h>

#include <string>

namespace maxpool::redis {
namespace {

TEST(EncodeCommandTest, BinarySafeBulkStrings) {
  EXPECT_EQ(EncodeCommand({"SET", "k", std::string("a\0b\r\n", 5)}),
            std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na\0b\r\n\r\n", 31));
}

// Replies arrive in pieces of any size; each is taken out once it is whole.
TEST(RespDecoderTest, RepliesSplitAnywhere) {
  const std::string wire =
      "+OK\r\n:42\r\n$5\r\nhello\r\n$-1\r\n-ERR wrong\r\n*2\r\n$1\r\na\r\n*1\r\n:7\r\n";
  for (size_t step = 1; step <= wire.size(); ++step) {
    RespDecoder decoder;
    std::vector<RedisReply> replies;
    for (size_t at = 0; at < wire.size(); at += step) {
      decoder.Feed(std::string_view(wire).substr(at, step));
      for (;;) {
        absl::StatusOr<std::optional<RedisReply>> next = decoder.Next();
        ASSERT_TRUE(next.ok()) << next.status();
        if (!next->has_value()) break;
        replies.push_back(**next);
      }
    }
    ASSERT_EQ(replies.size(), 6u) << "step " << step;
    EXPECT_EQ(replies[0].kind, RedisReply::Kind::kStatus);
    EXPECT_EQ(replies[0].text, "OK");
    EXPECT_EQ(replies[1].integer, 42);
    EXPECT_EQ(replies[2].text, "hello");
    EXPECT_TRUE(replies[3].is_nil());
    EXPECT_TRUE(replies[4].is_error());
    EXPECT_EQ(replies[4].text, "ERR wrong");
    ASSERT_EQ(replies[5].elements.size(), 2u);
    EXPECT_EQ(replies[5].elements[0].text, "a");
    EXPECT_EQ(replies[5].elements[1].elements[0].integer, 7);
  }
}

TEST(RespDecoderTest, GarbageIsAProtocolError) {
  RespDecoder decoder;
  decoder.Feed("HTTP/1.1 400 Bad Request\r\n");
  EXPECT_FALSE(decoder.Next().ok());
}

}  // namespace
}  // namespace maxpool::redis
