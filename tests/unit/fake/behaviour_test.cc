#include "fake/behaviour.h"

#include "boost/json/parse.hpp"
#include "boost/json/serialize.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"

namespace maxpool::fake {
namespace {

using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::testing::HasSubstr;

boost::json::value J(std::string_view text) { return boost::json::parse(text); }

TEST(BehaviourTest, EveryKindNameRoundTrips) {
  for (std::string_view name :
       {"ok", "fixed", "quota_429", "throttle_429", "upstream_throttle_429", "model_429",
        "headerless_429", "overloaded_529", "server_error", "unauthorized_401", "banned_403",
        "reset_before_headers", "stall", "stall_before_headers", "slow_stream", "drop_mid_stream",
        "delay_headers", "stream_error"}) {
    const auto kind = BehaviourKindFromName(name);
    ASSERT_TRUE(kind.has_value()) << name;
    EXPECT_EQ(BehaviourKindName(*kind), name);
  }
  EXPECT_FALSE(BehaviourKindFromName("nope").has_value());
}

TEST(BehaviourTest, ParsesParameters) {
  auto b = ParseBehaviour(J(R"({"kind":"throttle_429","retry_after":120,"should_retry":false,
                                "message":"slow down"})"));
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->kind, BehaviourKind::kThrottle429);
  EXPECT_EQ(b->retry_after, 120);
  EXPECT_EQ(b->should_retry, false);
  EXPECT_EQ(b->message, "slow down");

  b = ParseBehaviour(J(R"({"kind":"drop_mid_stream","after_events":4,"events":6,
                           "text_bytes":300,"delay_ms":5,"ping_ms":2})"));
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->after_events, 4);
  EXPECT_EQ(b->events, 6);
  EXPECT_EQ(b->text_bytes, 300);
  EXPECT_EQ(b->delay_ms, 5);
  EXPECT_EQ(b->ping_ms, 2);
}

TEST(BehaviourTest, BareNameIsAKind) {
  auto b = ParseBehaviour(J(R"("overloaded_529")"));
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->kind, BehaviourKind::kOverloaded529);
}

TEST(BehaviourTest, RejectsTyposAndBadValues) {
  EXPECT_THAT(ParseBehaviour(J(R"({"kind":"ok","retry_afer":1})")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("retry_afer")));
  EXPECT_THAT(ParseBehaviour(J(R"({"kind":"teapot"})")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("teapot")));
  EXPECT_THAT(ParseBehaviour(J(R"({"retry_after":1})")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kind")));
  EXPECT_THAT(ParseBehaviour(J(R"({"kind":"server_error","status":501})")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("status")));
  EXPECT_THAT(ParseBehaviour(J(R"({"kind":"ok","delay_ms":-1})")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseBehaviour(J(R"({"kind":"ok","times":2})")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("times")));
}

TEST(BehaviourTest, ScriptExpandsTimes) {
  auto script = ParseBehaviours(J(R"([{"kind":"quota_429","times":3},"ok",
                                      {"kind":"server_error","status":503}])"));
  ASSERT_THAT(script, IsOk());
  ASSERT_EQ(script->size(), 5u);
  EXPECT_EQ((*script)[0].kind, BehaviourKind::kQuota429);
  EXPECT_EQ((*script)[2].kind, BehaviourKind::kQuota429);
  EXPECT_EQ((*script)[3].kind, BehaviourKind::kOk);
  EXPECT_EQ((*script)[4].status, 503);
}

TEST(BehaviourTest, JsonFormRoundTrips) {
  auto b = ParseBehaviour(J(R"({"kind":"model_429","retry_after":7200,"message":"m"})"));
  ASSERT_THAT(b, IsOk());
  const boost::json::object json = BehaviourToJson(*b);
  auto again = ParseBehaviour(json);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(boost::json::serialize(BehaviourToJson(*again)), boost::json::serialize(json));
}

}  // namespace
}  // namespace maxpool::fake
