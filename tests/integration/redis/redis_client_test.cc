// The Redis client against a real redis-server: commands and replies, AUTH, a reconnect after the
// server restarts, a timeout that drops the connection, Lua scripts, and TLS.

#include "redis/redis_client.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/redis_server.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"

namespace maxpool::redis {
namespace {

using ::maxpool::testing::RedisServer;

std::unique_ptr<RedisClient> ClientFor(const std::string& url, RedisClientOptions options = {}) {
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(url);
  EXPECT_TRUE(endpoint.ok()) << endpoint.status();
  absl::StatusOr<std::unique_ptr<RedisClient>> client =
      RedisClient::Create(*endpoint, std::move(options));
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

TEST(RedisClientTest, CommandsAndTheirReplies) {
  RedisServer server;
  std::unique_ptr<RedisClient> client = ClientFor(server.url());
  absl::StatusOr<RedisReply> reply = client->Command({"SET", "k", std::string("v\0w", 3)});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text, "OK");
  reply = client->Command({"GET", "k"});
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->text, std::string("v\0w", 3));
  EXPECT_TRUE(client->Command({"GET", "missing"})->is_nil());
  EXPECT_EQ(client->Command({"INCRBY", "n", "5"})->integer, 5);
  client->Command({"RPUSH", "list", "a", "b"}).IgnoreError();
  reply = client->Command({"LRANGE", "list", "0", "-1"});
  ASSERT_EQ(reply->elements.size(), 2u);
  EXPECT_EQ(reply->elements[1].text, "b");
  // A Redis error is a reply, and the connection goes on.
  reply = client->Command({"INCR", "k"});
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE(reply->is_error()) << reply->text;
  EXPECT_EQ(client->Command({"PING"})->text, "PONG");
}

TEST(RedisClientTest, PasswordAndDatabaseFromTheUrl) {
  RedisServer server({.password = "s3cret-pw"});
  std::unique_ptr<RedisClient> right =
      ClientFor("redis://:s3cret-pw@127.0.0.1:" + std::to_string(server.port()) + "/2");
  ASSERT_TRUE(right->Command({"SET", "where", "db2"}).ok());
  std::unique_ptr<RedisClient> db0 =
      ClientFor("redis://:s3cret-pw@127.0.0.1:" + std::to_string(server.port()));
  EXPECT_TRUE(db0->Command({"GET", "where"})->is_nil());
  std::unique_ptr<RedisClient> wrong =
      ClientFor("redis://:not-it@127.0.0.1:" + std::to_string(server.port()));
  const absl::StatusOr<RedisReply> refused = wrong->Command({"PING"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied) << refused.status();
  EXPECT_EQ(refused.status().message().find("not-it"), std::string::npos);
  std::unique_ptr<RedisClient> none =
      ClientFor("redis://127.0.0.1:" + std::to_string(server.port()));
  const absl::StatusOr<RedisReply> anonymous = none->Command({"GET", "where"});
  ASSERT_TRUE(anonymous.ok());
  EXPECT_TRUE(anonymous->is_error());  // NOAUTH
}

TEST(RedisClientTest, ReconnectsAfterTheServerRestarts) {
  RedisServer server;
  std::unique_ptr<RedisClient> client = ClientFor(server.url());
  ASSERT_TRUE(client->Command({"SET", "k", "1"}).ok());
  server.Stop();
  const absl::StatusOr<RedisReply> down = client->Command({"GET", "k"});
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable) << down.status();
  EXPECT_NE(down.status().message().find("redis://127.0.0.1:"), std::string::npos);
  server.Restart();
  const absl::StatusOr<RedisReply> back = client->Command({"GET", "k"});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->is_nil());  // a fresh dataset
  // A restart between two commands is not even seen: the stale connection's failure is retried.
  ASSERT_TRUE(client->Command({"SET", "k", "2"}).ok());
  server.Restart();
  const absl::StatusOr<RedisReply> unseen = client->Command({"SET", "k", "3"});
  ASSERT_TRUE(unseen.ok()) << unseen.status();
  EXPECT_EQ(client->Command({"GET", "k"})->text, "3");
}

// A reply that comes too late is never taken for the next command's.
TEST(RedisClientTest, ATimeoutDropsTheConnection) {
  RedisServer server;
  std::unique_ptr<RedisClient> client =
      ClientFor(server.url(), {.timeout = std::chrono::milliseconds(300), .ca_file = ""});
  ASSERT_TRUE(client->Command({"SET", "k", "v"}).ok());
  // The server answers this one after a second: too late.
  const absl::StatusOr<RedisReply> slow = client->Command({"BLPOP", "empty", "1"});
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kDeadlineExceeded) << slow.status();
  const absl::StatusOr<RedisReply> next = client->Command({"GET", "k"});
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->text, "v");
}

TEST(RedisClientTest, ScriptsAreLoadedWhenTheServerDoesNotHaveThem) {
  RedisServer server;
  std::unique_ptr<RedisClient> client = ClientFor(server.url());
  const RedisScript script(
      "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])");
  EXPECT_EQ(script.sha1.size(), 40u);
  for (int i = 1; i <= 2; ++i) {
    const absl::StatusOr<RedisReply> reply = client->Eval(script, {"{p}:a", "{p}:n"}, {"x"});
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->integer, i) << reply->text;
  }
  ASSERT_TRUE(client->Command({"SCRIPT", "FLUSH"}).ok());
  EXPECT_EQ(client->Eval(script, {"{p}:a", "{p}:n"}, {"y"})->integer, 3);
  EXPECT_EQ(client->Command({"GET", "{p}:a"})->text, "y");
}

TEST(RedisClientTest, TlsIsVerifiedAgainstTheGivenCa) {
  ::maxpool::testing::TempDir dir;
  const ::maxpool::testing::TestCerts certs = ::maxpool::testing::TestCerts::Make(dir.path());
  ASSERT_TRUE(certs.ok);
  RedisServer server({.password = "", .tls = &certs});
  std::unique_ptr<RedisClient> trusted = ClientFor(
      server.url(), {.timeout = std::chrono::seconds(5), .ca_file = certs.ca_cert.string()});
  const absl::StatusOr<RedisReply> pong = trusted->Command({"PING"});
  ASSERT_TRUE(pong.ok()) << pong.status() << server.log();
  EXPECT_EQ(pong->text, "PONG");
  // Without the CA, the server's certificate is refused.
  std::unique_ptr<RedisClient> stranger = ClientFor(server.url());
  const absl::StatusOr<RedisReply> refused = stranger->Command({"PING"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
}

}  // namespace
}  // namespace maxpool::redis
