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

// Found by fuzzing (tests/fuzz/corpus/shared_store_fuzz/oom-huge-array): an array header is
// allocated whole before any element arrives, so "*666666662" alone would cost 5 GB. A reply
// that declares more elements than the budget is refused, whether in one array or spread over
// nested ones, and the decoder allocates nothing for it.
TEST(RespDecoderTest, AReplyDeclaringMoreElementsThanTheBudgetIsRefused) {
  {
    RespDecoder decoder;
    decoder.Feed("*666666662\r\n:1\r\n");
    absl::StatusOr<std::optional<RedisReply>> reply = decoder.Next();
    ASSERT_FALSE(reply.ok());
    EXPECT_NE(reply.status().message().find("more than 1048576 elements"), std::string::npos)
        << reply.status();
  }
  {
    RespDecoder decoder;  // the nested arrays count with their parent
    decoder.Feed("*2\r\n*1048576\r\n");
    EXPECT_FALSE(decoder.Next().ok());
  }
  // Within the budget, one reply after another: each has its own.
  RespDecoder decoder;
  std::string big = "*600000\r\n";
  for (int i = 0; i < 600000; ++i) big += ":1\r\n";
  decoder.Feed(big + big);
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::optional<RedisReply>> reply = decoder.Next();
    ASSERT_TRUE(reply.ok()) << reply.status();
    ASSERT_TRUE(reply->has_value());
    EXPECT_EQ((*reply)->elements.size(), 600000u);
  }
}

}  // namespace
}  // namespace maxpool::redis
