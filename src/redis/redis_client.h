#pragma once

// One connection to a Redis server, over TCP or TLS (rediss://, verified against the system CA
// store plus an optional CA file, with the host name checked). Commands are sent one at a time and
// each waits for its reply, within a timeout. The connection is made by the first command and
// made again by the next one after any failure: AUTH (when the endpoint has a password) and
// SELECT (when its database is not 0) follow every connect.
//
// Errors: Unavailable (cannot connect, or the connection broke), DeadlineExceeded (no reply in
// time; the connection is dropped, so a late reply can never be taken for the next command's),
// PermissionDenied (the server refused the credentials), DataLoss (not RESP). A Redis error reply
// ("WRONGTYPE …") is a reply of kind kError, not a failure. No message contains the password.
//
// Thread-safe: commands from several threads are serialised.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "redis/redis_reply.h"
#include "redis/redis_url.h"

namespace maxpool::redis {

struct RedisConnection;  // redis_client.cc

struct RedisClientOptions {
  std::chrono::milliseconds timeout{2000};  // connecting (with AUTH and SELECT), and each command
  std::string ca_file;                      // rediss://: CA certificates on top of the system's
};

// A Lua script and its SHA-1, for EVALSHA.
struct RedisScript {
  explicit RedisScript(std::string source);
  std::string source;
  std::string sha1;  // lower-case hex
};

class RedisClient {
 public:
  // Errors: InvalidArgument when the CA file cannot be read. Does not connect yet.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RedisClient>> Create(
      RedisEndpoint endpoint, RedisClientOptions options = {});
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command. When it fails on a connection that was open before it (the server closed it
  // while it sat idle, or restarted), it is sent once more on a new connection: send only
  // commands that are safe to repeat.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& argv);
  // EVALSHA; when the server does not have the script (NOSCRIPT), EVAL with its source.
  absl::StatusOr<RedisReply> Eval(const RedisScript& script, const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args);

  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  RedisClient(RedisEndpoint endpoint, RedisClientOptions options);
  // One attempt: connects when needed, sends, waits for the reply within the timeout.
  absl::StatusOr<RedisReply> SendOnce(const std::vector<std::string>& argv)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RedisEndpoint endpoint_;
  const RedisClientOptions options_;
  absl::Mutex mu_;
  std::unique_ptr<RedisConnection> connection_ ABSL_GUARDED_BY(mu_);
};

}  // namespace maxpool::redis
