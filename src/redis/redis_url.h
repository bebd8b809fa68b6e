#pragma once

// Where a Redis server is, from a URL: redis://[[user]:password@]host[:port][/db] for plain TCP,
// rediss://… for TLS. The port defaults to 6379, the database to 0. Percent-escapes in the user
// and password are decoded. Pure; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace maxpool::redis {

struct RedisEndpoint {
  std::string host;
  uint16_t port = 6379;
  bool tls = false;
  std::string username;  // "" = the default user
  std::string password;  // "" = no AUTH
  int db = 0;

  // "redis://host:port/db" or "rediss://…", without the credentials (safe to log).
  std::string Describe() const;
};

// Errors: InvalidArgument naming what is wrong (scheme, host, port, database), never quoting
// the password.
[[nodiscard]] absl::StatusOr<RedisEndpoint> ParseRedisUrl(std::string_view url);

}  // namespace maxpool::redis
