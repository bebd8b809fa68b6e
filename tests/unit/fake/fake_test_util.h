#pragma once

// Helpers shared by the fake upstream's tests: start a server on port 0, connect a client, and
// build Claude-Code-like requests.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "boost/json/parse.hpp"
#include "boost/json/serialize.hpp"
#include "boost/json/value.hpp"
#include "fake/fake_upstream.h"
#include "fake/test_client.h"
#include "gtest/gtest.h"

namespace maxpool::fake::testing {

inline constexpr char kOAuthToken[] = "sk-ant-oat01-test-a";
inline constexpr char kOAuthTokenB[] = "sk-ant-oat01-test-b";
inline constexpr char kApiKey[] = "sk-ant-api03-test-k";

inline std::unique_ptr<FakeUpstream> StartFake(FakeOptions options = {}) {
  auto fake = FakeUpstream::Start(std::move(options));
  if (!fake.ok()) {
    ADD_FAILURE() << fake.status();
    std::abort();
  }
  return *std::move(fake);
}

inline std::unique_ptr<BlockingHttpClient> ConnectTo(
    const FakeUpstream& fake, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  ClientOptions options;
  options.port = fake.port();
  options.timeout = timeout;
  auto client = BlockingHttpClient::Connect(options);
  if (!client.ok()) {
    ADD_FAILURE() << client.status();
    std::abort();
  }
  return *std::move(client);
}

inline FakeAccountSpec OAuthAccount(std::string credential = kOAuthToken) {
  FakeAccountSpec spec;
  spec.credential = std::move(credential);
  spec.type = AccountType::kOAuth;
  return spec;
}

inline FakeAccountSpec ApiKeyAccount(std::string credential = kApiKey) {
  FakeAccountSpec spec;
  spec.credential = std::move(credential);
  spec.type = AccountType::kApiKey;
  return spec;
}

// What Claude Code sends for a subscriber (anthropic-wire.md §1.2).
inline ClientHeaders OAuthHeaders(std::string_view token = kOAuthToken) {
  return {{"anthropic-version", "2023-06-01"},
          {"content-type", "application/json"},
          {"authorization", "Bearer " + std::string(token)},
          {"anthropic-beta", "claude-code-20250219,oauth-2025-04-20"},
          {"x-app", "cli"}};
}

inline ClientHeaders ApiKeyHeaders(std::string_view key = kApiKey) {
  return {{"anthropic-version", "2023-06-01"},
          {"content-type", "application/json"},
          {"x-api-key", std::string(key)}};
}

inline std::string MessageBody(bool stream, std::string_view model = "claude-sonnet-4-5",
                               std::string_view text = "Hello there") {
  return std::string(R"({"model":")") + std::string(model) +
         R"(","max_tokens":1024,"messages":[{"role":"user","content":")" + std::string(text) +
         R"("}],"stream":)" + (stream ? "true" : "false") + "}";
}

inline boost::json::value Json(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(boost::json::string_view(text), ec);
  EXPECT_FALSE(ec) << "not JSON: " << text;
  return v;
}

// The error type of an Anthropic error body ("" if it is not one).
inline std::string ErrorType(std::string_view body) {
  const boost::json::value v = Json(body);
  if (!v.is_object() || !v.as_object().contains("error")) return "";
  return std::string(v.at("error").at("type").as_string());
}

inline std::string ErrorMessage(std::string_view body) {
  const boost::json::value v = Json(body);
  if (!v.is_object() || !v.as_object().contains("error")) return "";
  return std::string(v.at("error").at("message").as_string());
}

// Checks a complete streamed answer against anthropic-wire.md §2.1/§2.2: exact framing
// ("event: X\ndata: {compact json}\n\n"), data type == event name, the event order with
// `text_events` deltas, cumulative usage. Returns the concatenated text.
inline std::string CheckMessageStream(std::string_view body, size_t text_events) {
  const SseParse parse = ParseSse(body);
  EXPECT_EQ(parse.residual, "");
  std::string rebuilt;
  std::vector<std::string> names;
  for (const SseEvent& e : parse.events) {
    rebuilt += "event: " + e.event + "\ndata: " + e.data + "\n\n";
    names.push_back(e.event);
    const boost::json::value data = Json(e.data);
    EXPECT_EQ(boost::json::serialize(data), e.data) << "not compact";
    EXPECT_EQ(std::string(data.at("type").as_string()), e.event);
  }
  EXPECT_EQ(rebuilt, body) << "framing";
  std::vector<std::string> expected = {"message_start", "content_block_start", "ping"};
  for (size_t i = 0; i < text_events; ++i) expected.push_back("content_block_delta");
  for (const char* tail : {"content_block_stop", "message_delta", "message_stop"}) {
    expected.push_back(tail);
  }
  EXPECT_EQ(names, expected);
  std::string text;
  if (names != expected) return text;
  const boost::json::value start = Json(parse.events.front().data);
  const boost::json::value& usage = start.at("message").at("usage");
  EXPECT_EQ(start.at("message").at("content").as_array().size(), 0u);
  EXPECT_TRUE(start.at("message").at("stop_reason").is_null());
  const boost::json::value delta = Json(parse.events[parse.events.size() - 2].data);
  EXPECT_GE(delta.at("usage").at("output_tokens").as_int64(), usage.at("output_tokens").as_int64());
  EXPECT_EQ(delta.at("usage").at("input_tokens").as_int64(), usage.at("input_tokens").as_int64());
  EXPECT_FALSE(delta.at("delta").at("stop_reason").is_null());
  for (size_t i = 0; i < text_events; ++i) {
    const boost::json::value d = Json(parse.events[3 + i].data);
    EXPECT_EQ(d.at("index").as_int64(), 0);
    EXPECT_EQ(std::string(d.at("delta").at("type").as_string()), "text_delta");
    text += std::string(d.at("delta").at("text").as_string());
  }
  return text;
}

}  // namespace maxpool::fake::testing
