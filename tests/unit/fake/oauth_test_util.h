#pragma once

// Helpers for the fake upstream's OAuth tests: token-request bodies as Claude Code / maxpool send
// them (anthropic-wire.md §5.3), and the headers of the /api/oauth/* resource calls.

#include <string>
#include <string_view>

#include "boost/json/object.hpp"
#include "boost/json/serialize.hpp"
#include "fake/test_client.h"
#include "fake_test_util.h"

namespace maxpool::fake::testing {

inline constexpr char kClientId[] = "9d1c250a-e61b-44d9-88ed-5944d1962f5e";
inline constexpr char kRefreshToken[] = "sk-ant-ort01-test-a";
inline constexpr char kRedirectUri[] = "http://localhost:54545/callback";

inline std::string RefreshBody(std::string_view refresh_token) {
  return boost::json::serialize(boost::json::object{
      {"grant_type", "refresh_token"},
      {"refresh_token", boost::json::string_view(refresh_token.data(), refresh_token.size())},
      {"client_id", kClientId}});
}

inline std::string CodeBody(std::string_view code, std::string_view verifier,
                            std::string_view state = "state-1",
                            std::string_view redirect_uri = kRedirectUri) {
  auto s = [](std::string_view v) { return boost::json::string_view(v.data(), v.size()); };
  return boost::json::serialize(boost::json::object{{"grant_type", "authorization_code"},
                                                    {"code", s(code)},
                                                    {"code_verifier", s(verifier)},
                                                    {"state", s(state)},
                                                    {"redirect_uri", s(redirect_uri)},
                                                    {"client_id", kClientId}});
}

// What maxpool sends to the token endpoint (maxpool-behaviour.md §7.3).
inline ClientHeaders TokenHeaders() {
  return {{"content-type", "application/json"},
          {"accept", "application/json, text/plain, */*"},
          {"user-agent", "axios/1.13.6"}};
}

// Bearer (and, by default, the oauth beta) for GET /api/oauth/{profile,usage}.
inline ClientHeaders ResourceHeaders(std::string_view token, bool beta = true) {
  ClientHeaders headers = {{"authorization", "Bearer " + std::string(token)},
                           {"accept", "application/json"}};
  if (beta) headers.emplace_back("anthropic-beta", "oauth-2025-04-20");
  return headers;
}

inline std::string Str(const boost::json::value& v) { return std::string(v.as_string()); }

}  // namespace maxpool::fake::testing
