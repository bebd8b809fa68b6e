#include "core/request_classifier.h"

#include <gtest/gtest.h>

#include <string>

namespace maxpool::core {
namespace {

RequestInfo Classify(std::string_view body, const FlatHeaders& headers = {},
                     std::string_view target = "/v1/messages?beta=true") {
  return ClassifyRequest("POST", target, body, headers);
}

// A JSON body of exactly `size` bytes: {"model":"m","pad":"xxx..."}.
std::string JsonOfSize(size_t size) {
  const std::string head = R"({"model":"m","pad":")";
  const std::string tail = R"("})";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

// §2.1 on a typical Claude Code request.
TEST(ClassifyRequestTest, SmallStreamingRequest) {
  const RequestInfo info =
      Classify(R"({"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,)"
               R"("messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]})");
  EXPECT_EQ(info.weight, 1);
  EXPECT_TRUE(info.streaming);
  EXPECT_EQ(info.model, "claude-sonnet-4-5");
  EXPECT_EQ(info.family, ModelFamily::kSonnet);
  EXPECT_TRUE(info.body_scanned);
  EXPECT_FALSE(info.requires_thinking_integrity);
  EXPECT_FALSE(info.has_image);
  EXPECT_FALSE(info.is_count_tokens);
  EXPECT_EQ(info.profile, "claude");
  EXPECT_EQ(info.session_key, "");
  EXPECT_FALSE(info.client_tolerance.has_value());
}

// §2.1: weight = max(1, ceil(bytes / 64000)).
TEST(ClassifyRequestTest, WeightBySize) {
  EXPECT_EQ(Classify(JsonOfSize(64000)).weight, 1);
  EXPECT_EQ(Classify(JsonOfSize(64001)).weight, 2);
  EXPECT_EQ(Classify(JsonOfSize(128001)).weight, 3);
  EXPECT_EQ(Classify(JsonOfSize(128001)).body_bytes, 128001u);
  EXPECT_EQ(Classify("").weight, 1);
}

// §2.1: +1 for max_tokens > 16000, +1 for a truthy thinking or effort.
TEST(ClassifyRequestTest, WeightForBigMaxTokensAndThinking) {
  EXPECT_EQ(Classify(R"({"max_tokens":16000})").weight, 1);
  EXPECT_EQ(Classify(R"({"max_tokens":16001})").weight, 2);
  EXPECT_EQ(Classify(R"({"max_tokens":16000.5})").weight, 2);
  EXPECT_EQ(Classify(R"({"max_tokens":"20000"})").weight, 2);  // JavaScript coerces
  EXPECT_EQ(Classify(R"({"max_tokens":{"n":99999}})").weight, 1);

  const RequestInfo thinking =
      Classify(R"({"max_tokens":32000,"thinking":{"type":"enabled","budget_tokens":10000}})");
  EXPECT_EQ(thinking.weight, 3);
  EXPECT_TRUE(thinking.requires_thinking_integrity);
  EXPECT_EQ(Classify(R"({"effort":"high"})").weight, 2);
  EXPECT_EQ(Classify(R"({"effort":"high","thinking":true})").weight, 2);  // one point for both
  EXPECT_EQ(Classify(R"({"thinking":null,"effort":""})").weight, 1);
  EXPECT_FALSE(Classify(R"({"thinking":false,"effort":0})").requires_thinking_integrity);
}

// §2.1 requiresAnthropicThinkingIntegrity: thinking blocks, signature deltas or objects with
// signature plus thinking, at any depth.
TEST(ClassifyRequestTest, SignedThinkingAtAnyDepth) {
  auto requires_integrity = [](std::string_view body) {
    return Classify(body).requires_thinking_integrity;
  };
  EXPECT_TRUE(requires_integrity(
      R"({"messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"hm",)"
      R"("signature":"EqQBCkgIAR"}]}]})"));
  EXPECT_TRUE(requires_integrity(
      R"({"messages":[{"role":"assistant","content":[{"type":"redacted_thinking","data":"x"}]}]})"));
  EXPECT_TRUE(requires_integrity(R"({"a":[[{"delta":{"type":"signature_delta"}}]]})"));
  EXPECT_TRUE(requires_integrity(R"({"x":{"y":{"signature":"s","thinking":"t"}}})"));
  EXPECT_FALSE(requires_integrity(R"({"x":{"signature":"s"},"y":{"thinking":"t"}})"));
  EXPECT_FALSE(requires_integrity(R"({"messages":[{"content":"thinking about signature"}]})"));
  // The weight counts only top-level thinking/effort.
  EXPECT_EQ(Classify(R"({"x":{"type":"thinking","thinking":"t"}})").weight, 1);
}

// §2.1 hasImage: any type:"image" block at any depth, tool_result included.
TEST(ClassifyRequestTest, ImagesAtAnyDepth) {
  EXPECT_TRUE(Classify(R"({"messages":[{"role":"user","content":[{"type":"tool_result",)"
                       R"("tool_use_id":"toolu_1","content":[{"type":"image","source":)"
                       R"({"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}]}]})")
                  .has_image);
  EXPECT_FALSE(
      Classify(R"({"messages":[{"content":[{"type":"text","text":"image"}]}]})").has_image);
  // A large base64 payload streams through the scan.
  const std::string big = R"({"model":"claude-opus-4","messages":[{"content":[{"type":"image",)"
                          R"("source":{"data":")" +
                          std::string(200000, 'A') + R"("}}]}]})";
  const RequestInfo info = Classify(big);
  EXPECT_TRUE(info.has_image);
  EXPECT_EQ(info.weight, 4);
  EXPECT_EQ(info.family, ModelFamily::kOpus);
}

// §2.1: only top-level members count as model/stream/max_tokens; the last duplicate wins.
TEST(ClassifyRequestTest, TopLevelFieldsOnly) {
  const RequestInfo info =
      Classify(R"({"model":"claude-opus-4","metadata":{"model":"claude-haiku","stream":true,)"
               R"("max_tokens":99999,"thinking":true}})");
  EXPECT_EQ(info.model, "claude-opus-4");
  EXPECT_FALSE(info.streaming);
  EXPECT_EQ(info.weight, 1);
  EXPECT_FALSE(info.requires_thinking_integrity);

  EXPECT_FALSE(Classify(R"({"stream":true,"stream":false})").streaming);
  EXPECT_EQ(Classify(R"({"model":"claude-opus-4","model":7})").model, "");
}

// §2.1 truthy `stream`, JavaScript-style.
TEST(ClassifyRequestTest, StreamTruthiness) {
  EXPECT_TRUE(Classify(R"({"stream":1})").streaming);
  EXPECT_TRUE(Classify(R"({"stream":"yes"})").streaming);
  EXPECT_TRUE(Classify(R"({"stream":{}})").streaming);
  EXPECT_TRUE(Classify(R"({"stream":[]})").streaming);
  EXPECT_FALSE(Classify(R"({"stream":0})").streaming);
  EXPECT_FALSE(Classify(R"({"stream":""})").streaming);
  EXPECT_FALSE(Classify(R"({"stream":null})").streaming);
}

// §2.1: non-JSON bodies give only the size weight and are not migration-safe.
TEST(ClassifyRequestTest, NonJsonBodyIsNotScanned) {
  for (std::string_view body :
       {std::string_view(R"({"model":"claude-opus-4","stream":true,"max_tokens":32000)"),
        std::string_view(R"({"model":"claude-opus-4","stream":true} trailing)"),
        std::string_view("model=claude-opus-4&stream=true"), std::string_view("")}) {
    const RequestInfo info = Classify(body);
    EXPECT_FALSE(info.body_scanned) << body;
    EXPECT_EQ(info.model, "") << body;
    EXPECT_EQ(info.family, ModelFamily::kNone) << body;
    EXPECT_FALSE(info.streaming) << body;
    EXPECT_EQ(info.weight, 1) << body;
  }
  EXPECT_EQ(Classify(std::string(130000, 'x')).weight, 3);
  // Nesting beyond the scanner's depth limit counts as not scanned.
  EXPECT_FALSE(Classify(std::string(300, '[') + std::string(300, ']')).body_scanned);
  // A JSON value that is not an object parses but carries no fields.
  const RequestInfo array = Classify(R"([{"stream":true}])");
  EXPECT_TRUE(array.body_scanned);
  EXPECT_FALSE(array.streaming);
}

// §2.1 isCountTokens: /v1/messages/count_tokens at a word boundary, query string ignored.
TEST(ClassifyRequestTest, CountTokensPath) {
  auto is_count = [](std::string_view target) {
    return Classify("{}", {}, target).is_count_tokens;
  };
  EXPECT_TRUE(is_count("/v1/messages/count_tokens"));
  EXPECT_TRUE(is_count("/v1/messages/count_tokens?beta=true"));
  EXPECT_TRUE(is_count("/v1/messages/count_tokens/"));
  EXPECT_TRUE(is_count("/api/anthropic/v1/messages/count_tokens"));
  EXPECT_FALSE(is_count("/v1/messages/count_tokensx"));
  EXPECT_FALSE(is_count("/v1/messages/count_tokens_v2"));
  EXPECT_FALSE(is_count("/v1/messages?next=/v1/messages/count_tokens"));
  EXPECT_FALSE(is_count("/v1/messages"));
}

// §6.2 profile: x-maxpool-profile (legacy x-teamclaude-profile), else the default-profile
// header, else "claude"; lower-cased and trimmed.
TEST(ClassifyRequestTest, Profile) {
  EXPECT_EQ(Classify("{}", {{"x-maxpool-profile", " ALL "}}).profile, "all");
  EXPECT_EQ(Classify("{}", {{"x-teamclaude-profile", "GLM"}}).profile, "glm");
  EXPECT_EQ(Classify("{}", {{"x-maxpool-default-profile", "Team"}}).profile, "team");
  EXPECT_EQ(Classify("{}", {{"x-teamclaude-default-profile", "Team"}}).profile, "team");
  EXPECT_EQ(
      Classify("{}", {{"x-maxpool-profile", "  "}, {"x-maxpool-default-profile", "all"}}).profile,
      "all");
  EXPECT_EQ(
      Classify("{}", {{"x-maxpool-profile", "work"}, {"x-maxpool-default-profile", "all"}}).profile,
      "work");
  EXPECT_EQ(Classify("{}", {{"x-maxpool-profile", ""}}).profile, "claude");
}

// §2.1 sessionKey: x-maxpool-session (legacy x-teamclaude-session), else Claude Code's id.
TEST(ClassifyRequestTest, SessionKey) {
  EXPECT_EQ(Classify("{}", {{"x-maxpool-session", " s1 "}, {"x-claude-code-session-id", "cc"}})
                .session_key,
            "s1");
  EXPECT_EQ(Classify("{}", {{"x-teamclaude-session", "legacy"}}).session_key, "legacy");
  EXPECT_EQ(Classify("{}", {{"x-claude-code-session-id", "6f1c-uuid"}}).session_key, "6f1c-uuid");
}

// §2.1 and §15 scenario 31: clientToleranceMs = floor(0.8 x header) only above 300000.
TEST(ClassifyRequestTest, ClientTolerance) {
  EXPECT_EQ(Classify("{}", {{"x-maxpool-client-stream-idle-ms", "10800000"}}).client_tolerance,
            absl::Milliseconds(8640000));
  EXPECT_EQ(Classify("{}", {{"x-maxpool-client-stream-idle-ms", "300001"}}).client_tolerance,
            absl::Milliseconds(240000));
  EXPECT_EQ(Classify("{}", {{"x-teamclaude-client-stream-idle-ms", "600000"}}).client_tolerance,
            absl::Milliseconds(480000));
  EXPECT_FALSE(
      Classify("{}", {{"x-maxpool-client-stream-idle-ms", "300000"}}).client_tolerance.has_value());
  EXPECT_FALSE(
      Classify("{}", {{"x-maxpool-client-stream-idle-ms", "lots"}}).client_tolerance.has_value());
}

TEST(ControlHeaderTest, FallsBackToLegacyPrefixOnlyForMaxpoolHeaders) {
  const FlatHeaders headers{{"x-teamclaude-zai-token", " tok "}, {"x-other", "v"}};
  EXPECT_EQ(ControlHeader(headers, "x-maxpool-zai-token"), "tok");
  EXPECT_EQ(ControlHeader(headers, "x-other"), "v");
  EXPECT_EQ(ControlHeader(headers, "x-missing"), "");
  EXPECT_EQ(ControlHeader(headers, "x-maxpool-missing"), "");
}

// §12.4: the root's thread.type, and nothing else that looks like it.
TEST(ClassifyRequestTest, ThreadIntentFromTheRootThreadObject) {
  EXPECT_EQ(
      Classify(R"({"model":"m","thread":{"type":"continue","previous_message_id":"x"}})").thread,
      ThreadIntent::kContinue);
  EXPECT_EQ(
      Classify(R"({"thread":{"previous_message_id":"x","type":"create"},"model":"m"})").thread,
      ThreadIntent::kCreate);
  EXPECT_EQ(Classify(R"({"model":"m","thread":{"type":"fork"}})").thread, ThreadIntent::kNone);
  EXPECT_EQ(Classify(R"({"model":"m","thread":"continue"})").thread, ThreadIntent::kNone);
  EXPECT_EQ(Classify(R"({"model":"m","metadata":{"thread":{"type":"continue"}}})").thread,
            ThreadIntent::kNone);
  EXPECT_EQ(Classify(R"({"model":"m","thread":{"inner":{"type":"continue"}}})").thread,
            ThreadIntent::kNone);
  EXPECT_EQ(Classify(R"({"model":"m","messages":[{"type":"continue"}]})").thread,
            ThreadIntent::kNone);
}

}  // namespace
}  // namespace maxpool::core
