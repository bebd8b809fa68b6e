#pragma once

// For end-to-end tests against the real `maxpool-fake-upstream`: the requests it attributed to
// each credential (GET /_fake/stats), and the curl arguments of one small POST /v1/messages that
// print its status. Header-only.

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "boost/json/parse.hpp"
#include "boost/json/value.hpp"
#include "support/curl.h"
#include "support/temp_dir.h"

namespace maxpool::testing {

// Credential -> requests, from the fake at `base` ("http://127.0.0.1:PORT"); empty if unreadable.
inline std::map<std::string, int64_t> FakeRequestsPerCredential(const TempDir& dir,
                                                                const std::string& base) {
  std::map<std::string, int64_t> served;
  boost::system::error_code ec;
  const boost::json::value stats = boost::json::parse(Curl(dir, base + "/_fake/stats"), ec);
  if (ec || !stats.is_object() || !stats.as_object().contains("stats")) return served;
  for (const auto& [credential, s] : stats.at("stats").as_object()) {
    served[std::string(credential)] = s.at("requests").as_int64();
  }
  return served;
}

// curl arguments of one small POST /v1/messages to the proxy on `port`; curl prints the status.
inline std::string MessagesCurlArgs(uint16_t port) {
  return absl::StrCat(
      "-o /dev/null -w '%{http_code}' -H 'content-type: application/json' ",
      "-H 'anthropic-version: 2023-06-01' -d "
      "'{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":32,\"messages\":[{\"role\":\"user\","
      "\"content\":\"hi\"}]}' http://127.0.0.1:",
      port, "/v1/messages");
}

}  // namespace maxpool::testing
