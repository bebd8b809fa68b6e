#include "fake/message_builder.h"

#include "fake/sse_writer.h"
#include "fake_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"

namespace maxpool::fake {
namespace {

using ::maxpool::fake::testing::CheckMessageStream;
using ::maxpool::fake::testing::Json;
using ::maxpool::fake::testing::MessageBody;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::testing::HasSubstr;

TEST(MessageBuilderTest, ParsesAndEstimatesInputTokens) {
  auto r = ParseMessageRequest(MessageBody(true, "claude-opus-4-8", "0123456789abcdef"),
                               MessageEndpoint::kMessages);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->model, "claude-opus-4-8");
  EXPECT_TRUE(r->stream);
  EXPECT_EQ(r->max_tokens, 1024);
  EXPECT_EQ(r->input_tokens, 5);  // "user" + 16 bytes of text = 20 bytes, 4 bytes a token
}

TEST(MessageBuilderTest, CountTokensAgreesWithMessages) {
  const std::string body =
      R"({"model":"m","system":"be brief","messages":[{"role":"user","content":[{"type":"text","text":"abc"}]}]})";
  auto counted = ParseMessageRequest(body, MessageEndpoint::kCountTokens);
  ASSERT_THAT(counted, IsOk());
  auto message = ParseMessageRequest(
      R"({"model":"m","max_tokens":5,"system":"be brief","messages":[{"role":"user","content":[{"type":"text","text":"abc"}]}]})",
      MessageEndpoint::kMessages);
  ASSERT_THAT(message, IsOk());
  EXPECT_EQ(counted->input_tokens, message->input_tokens);
  EXPECT_EQ(counted->seed, message->seed);
  EXPECT_EQ(CountTokensJson(counted->input_tokens),
            "{\"input_tokens\":" + std::to_string(counted->input_tokens) + "}");
}

TEST(MessageBuilderTest, RejectsInvalidBodiesWithApiMessages) {
  EXPECT_THAT(ParseMessageRequest("{nope", MessageEndpoint::kMessages),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
  EXPECT_THAT(ParseMessageRequest(R"({"max_tokens":1,"messages":[]})", MessageEndpoint::kMessages),
              StatusIs(absl::StatusCode::kInvalidArgument, "model: Field required"));
  EXPECT_THAT(ParseMessageRequest(R"({"model":"m","messages":[]})", MessageEndpoint::kMessages),
              StatusIs(absl::StatusCode::kInvalidArgument, "max_tokens: Field required"));
  EXPECT_THAT(ParseMessageRequest(R"({"model":"m","messages":[]})", MessageEndpoint::kCountTokens),
              IsOk());
  EXPECT_THAT(ParseMessageRequest(R"({"model":"m","max_tokens":1})", MessageEndpoint::kMessages),
              StatusIs(absl::StatusCode::kInvalidArgument, "messages: Field required"));
}

TEST(MessageBuilderTest, AnswerIsDeterministicAndSized) {
  MessageRequest a;
  a.seed = 42;
  a.max_tokens = 1000;
  const Answer one = MakeAnswer(a, 100);
  EXPECT_EQ(one.text.size(), 100u);
  EXPECT_EQ(one.text, MakeAnswer(a, 100).text);
  EXPECT_EQ(one.output_tokens, 25);
  EXPECT_EQ(one.stop_reason, "end_turn");
  MessageRequest b = a;
  b.seed = 43;
  EXPECT_NE(MakeAnswer(b, 100).text, one.text);
  for (const char c : one.text) EXPECT_TRUE(std::isalpha(c) || c == ' ' || c == '.') << c;
}

TEST(MessageBuilderTest, MaxTokensCutsTheAnswer) {
  MessageRequest r;
  r.max_tokens = 3;
  const Answer answer = MakeAnswer(r, 100);
  EXPECT_EQ(answer.text.size(), 12u);
  EXPECT_EQ(answer.output_tokens, 3);
  EXPECT_EQ(answer.stop_reason, "max_tokens");
}

// anthropic-wire.md §1.4.
TEST(MessageBuilderTest, MessageJsonHasTheMessageShape) {
  MessageRequest r;
  r.model = "claude-\"odd\"";
  r.input_tokens = 12;
  Answer answer;
  answer.text = "Hello";
  answer.output_tokens = 6;
  const boost::json::value m = Json(MessageJson(r, answer, "msg_01X"));
  EXPECT_EQ(m.at("id").as_string(), "msg_01X");
  EXPECT_EQ(m.at("type").as_string(), "message");
  EXPECT_EQ(m.at("role").as_string(), "assistant");
  EXPECT_EQ(m.at("model").as_string(), "claude-\"odd\"");
  EXPECT_EQ(m.at("content").at(0).at("type").as_string(), "text");
  EXPECT_EQ(m.at("content").at(0).at("text").as_string(), "Hello");
  EXPECT_EQ(m.at("stop_reason").as_string(), "end_turn");
  EXPECT_TRUE(m.at("stop_sequence").is_null());
  EXPECT_EQ(m.at("usage").at("input_tokens").as_int64(), 12);
  EXPECT_EQ(m.at("usage").at("output_tokens").as_int64(), 6);
  EXPECT_EQ(m.at("usage").at("service_tier").as_string(), "standard");
}

// anthropic-wire.md §2.1, §2.2.
TEST(SseWriterTest, StreamHasTheExactSequenceAndFraming) {
  MessageRequest r;
  r.model = "claude-sonnet-4-5";
  r.input_tokens = 25;
  r.max_tokens = 100;
  const Answer answer = MakeAnswer(r, 50);
  StreamShape shape;
  shape.text_events = 5;
  const SseBody body = BuildMessageStream(r, answer, "msg_01A", shape);
  ASSERT_EQ(body.events(), 3u + 5u + 3u);
  std::string sse;
  for (size_t i = 0; i < body.events(); ++i) sse += body.Event(i);
  EXPECT_EQ(CheckMessageStream(sse, 5), answer.text);
  const boost::json::value start = Json(ParseSse(sse).events[0].data);
  EXPECT_EQ(start.at("message").at("model").as_string(), "claude-sonnet-4-5");
  EXPECT_EQ(start.at("message").at("usage").at("input_tokens").as_int64(), 25);
  const boost::json::value delta = Json(ParseSse(sse).events[9].data);
  EXPECT_EQ(delta.at("usage").at("output_tokens").as_int64(), answer.output_tokens);
}

TEST(SseWriterTest, EachEventIsOneHttpChunk) {
  SseBody body;
  body.Add("ping", R"({"type":"ping"})");
  body.Finish();
  const std::string event = "event: ping\ndata: {\"type\":\"ping\"}\n\n";
  EXPECT_EQ(body.Event(0), event);
  char hex[16];
  std::snprintf(hex, sizeof hex, "%zx", event.size());
  EXPECT_EQ(body.Chunk(0), std::string(hex) + "\r\n" + event + "\r\n");
  EXPECT_EQ(body.wire(), std::string(body.Chunk(0)) + "0\r\n\r\n");
  EXPECT_EQ(body.Range(1, 1), "0\r\n\r\n");
  EXPECT_EQ(PingChunk(), body.Chunk(0));
}

TEST(SseWriterTest, ErrorCutReplacesTheTail) {
  MessageRequest r;
  r.model = "m";
  const Answer answer = MakeAnswer(r, 20);
  StreamShape shape;
  shape.text_events = 2;
  shape.error_after = 4;
  shape.request_id = "req_1";
  const SseBody body = BuildMessageStream(r, answer, "msg_01A", shape);
  std::string sse;
  for (size_t i = 0; i < body.events(); ++i) sse += body.Event(i);
  const SseParse parse = ParseSse(sse);
  ASSERT_EQ(parse.events.size(), 5u);
  EXPECT_EQ(parse.events[3].event, "content_block_delta");
  EXPECT_EQ(parse.events[4].event, "error");
  const boost::json::value error = Json(parse.events[4].data);
  EXPECT_EQ(error.at("type").as_string(), "error");
  EXPECT_EQ(error.at("error").at("type").as_string(), "overloaded_error");
  EXPECT_EQ(error.at("error").at("message").as_string(), "Overloaded");
  EXPECT_EQ(error.at("request_id").as_string(), "req_1");
}

TEST(MessageBuilderTest, LooksStreamingWithoutParsing) {
  EXPECT_TRUE(LooksStreaming(R"({"model":"m","stream": true})"));
  EXPECT_TRUE(LooksStreaming(R"({"stream"  :true,"x":1})"));
  EXPECT_FALSE(LooksStreaming(R"({"stream":false})"));
  EXPECT_FALSE(LooksStreaming(R"({"model":"m"})"));
}

// anthropic-wire.md §1.6.
TEST(MessageBuilderTest, ModelsPagesNewestFirst) {
  auto page = ModelsPageJson("/v1/models?limit=2");
  ASSERT_THAT(page, IsOk());
  const boost::json::value p = Json(*page);
  ASSERT_EQ(p.at("data").as_array().size(), 2u);
  EXPECT_TRUE(p.at("has_more").as_bool());
  EXPECT_EQ(p.at("first_id").as_string(), p.at("data").at(0).at("id").as_string());
  EXPECT_EQ(p.at("data").at(0).at("type").as_string(), "model");
  const std::string last(p.at("last_id").as_string());
  auto next = ModelsPageJson("/v1/models?limit=100&after_id=" + last);
  ASSERT_THAT(next, IsOk());
  EXPECT_FALSE(Json(*next).at("has_more").as_bool());
  EXPECT_THAT(ModelsPageJson("/v1/models?limit=0"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ModelJson(last), IsOk());
  EXPECT_THAT(ModelJson("gpt-4"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace maxpool::fake
