#include "redis/redis_url.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/url/parse.hpp"

namespace maxpool::redis {

std::string RedisEndpoint::Describe() const {
  const bool v6 = host.find(':') != std::string::npos;
  return absl::StrCat(tls ? "rediss" : "redis", "://", v6 ? "[" : "", host, v6 ? "]" : "", ":",
                      port, "/", db);
}

absl::StatusOr<RedisEndpoint> ParseRedisUrl(std::string_view text) {
  boost::system::result<boost::urls::url_view> url = boost::urls::parse_absolute_uri(text);
  if (!url) {
    return absl::InvalidArgumentError(
        "the Redis URL is not a URL; expected redis://[:password@]host[:port][/db] or rediss://…");
  }
  RedisEndpoint endpoint;
  const std::string scheme(url->scheme());
  if (scheme == "rediss") {
    endpoint.tls = true;
  } else if (scheme != "redis") {
    return absl::InvalidArgumentError(
        absl::StrCat("the Redis URL's scheme must be redis or rediss, not \"", scheme, "\""));
  }
  endpoint.host = std::string(url->host_address());
  if (endpoint.host.empty()) return absl::InvalidArgumentError("the Redis URL has no host");
  if (url->has_port()) {
    const uint16_t port = url->port_number();
    if (port == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the Redis URL's port must be 1..65535, not \"", std::string(url->port()), "\""));
    }
    endpoint.port = port;
  }
  if (url->has_userinfo()) {
    endpoint.username = std::string(url->user());
    endpoint.password = std::string(url->password());
  }
  std::string path(url->path());
  if (!path.empty() && path.front() == '/') path.erase(0, 1);
  if (!path.empty() && (!absl::SimpleAtoi(path, &endpoint.db) || endpoint.db < 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the Redis URL's database must be a number, not \"", path, "\""));
  }
  return endpoint;
}

}  // namespace maxpool::redis
