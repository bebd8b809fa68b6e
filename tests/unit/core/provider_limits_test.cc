#include "core/provider_limits.h"

#include <gtest/gtest.h>

#include <string>

#include "support/fake_clock.h"

namespace maxpool::core {
namespace {

const absl::Time kNow = testing::FakeClock::DefaultStart();  // 2026-11-26T12:00:00Z

absl::Duration Zai(std::string_view body) {
  return ProviderRetryAfterFromBody(Provider::kZai, body, kNow);
}
absl::Duration Kimi(std::string_view body) {
  return ProviderRetryAfterFromBody(Provider::kKimi, body, kNow);
}

// §15 scenario 57: GLM 1308 without retry-after -> 3600 s; Kimi "after 20 seconds" -> 20 s.
TEST(ProviderRetryAfterTest, Scenario57_ProviderBodies) {
  EXPECT_EQ(Zai(R"({"error":{"code":"1308","message":"Usage limit reached for 5 hour."}})"),
            absl::Seconds(3600));
  EXPECT_EQ(Kimi(R"({"error":{"message":"request reached organization max RPM: 20, please try )"
                 R"(again after 20 seconds","type":"rate_limit_reached_error"}})"),
            absl::Seconds(20));
}

// §3.3 z.ai codes: 1302/1303/1305 -> 60 s; 1304/1308/1310 -> 3600 s; others -> 60 s.
TEST(ProviderRetryAfterTest, ZaiBusinessCodes) {
  EXPECT_EQ(Zai(R"({"error":{"code":1302,"message":"Rate limit reached for requests"}})"),
            absl::Seconds(60));
  EXPECT_EQ(Zai(R"({"error":{"code":"1303"}})"), absl::Seconds(60));
  EXPECT_EQ(Zai(R"({"error":{"code":"1305"}})"), absl::Seconds(60));
  EXPECT_EQ(Zai(R"({"error":{"code":"1304"}})"), absl::Seconds(3600));
  EXPECT_EQ(Zai(R"({"error":{"code":1310}})"), absl::Seconds(3600));
  EXPECT_EQ(Zai(R"({"type":"error","error":{"type":"rate_limit_error","code":"1113",)"
                R"("message":"[1113][Insufficient balance or no resource package.][2026]"}})"),
            absl::Seconds(60));
  // The code inside the message when the field is missing (anthropic-wire §7.1 format).
  EXPECT_EQ(Zai(R"({"error":{"message":"[1310][Weekly/Monthly Limit Exhausted.][abc]"}})"),
            absl::Seconds(3600));
}

// §3.3 z.ai: a reset time in the message wins over the code. z.ai prints China time without an
// offset: 22:00 at UTC+8 is 14:00Z, two hours after kNow.
TEST(ProviderRetryAfterTest, ZaiResetTimeInMessage) {
  EXPECT_EQ(Zai(R"({"error":{"code":"1308","message":"[1308][Usage limit reached for 5 hour. )"
                R"(Your limit will reset at 2026-11-26 22:00:00][20260922232915e8288c]"}})"),
            absl::Seconds(7200));
  EXPECT_EQ(Zai(R"({"error":{"code":"1302","message":"next_flush_time: `1795694700000`"}})"),
            absl::Seconds(300));
  EXPECT_EQ(Zai(R"({"error":{"message":"Limit will Reset At 2026-11-26T12:00:30Z."}})"),
            absl::Seconds(30));
  // Clamped to a day.
  EXPECT_EQ(Zai(R"({"error":{"code":"1310","message":"reset at 2026-12-30 00:00:00"}})"),
            absl::Seconds(86400));
  // A reset time already past is ignored: the code decides.
  EXPECT_EQ(Zai(R"({"error":{"code":"1308","message":"reset at 2020-01-01 00:00:00"}})"),
            absl::Seconds(3600));
}

// §3.3 Kimi: "after N seconds" clamped to [1, 86400], else by type.
TEST(ProviderRetryAfterTest, KimiSecondsAndTypes) {
  EXPECT_EQ(Kimi(R"({"error":{"message":"try again after 0 seconds"}})"), absl::Seconds(1));
  EXPECT_EQ(Kimi(R"({"error":{"message":"try again AFTER 1.5 seconds"}})"), absl::Seconds(2));
  EXPECT_EQ(Kimi(R"({"error":{"message":"after 100000 seconds"}})"), absl::Seconds(86400));
  EXPECT_EQ(Kimi(R"({"error":{"message":"The engine is currently overloaded, please try again )"
                 R"(later","type":"engine_overloaded_error"}})"),
            absl::Seconds(60));
  EXPECT_EQ(Kimi(R"({"error":{"message":"You exceeded your current quota, please check your )"
                 R"(plan and billing details","type":"exceeded_current_quota_error"}})"),
            absl::Seconds(3600));
  EXPECT_EQ(Kimi(R"({"error":{"message":"afterwards, 5 seconds"}})"), absl::Seconds(60));
}

// §3.3 "anything else -> 60 s": other providers, non-JSON bodies, unknown shapes.
TEST(ProviderRetryAfterTest, AnythingElseIsSixtySeconds) {
  EXPECT_EQ(ProviderRetryAfterFromBody(Provider::kAnthropic, R"({"error":{"code":"1308"}})", kNow),
            absl::Seconds(60));
  EXPECT_EQ(Zai("<html>Too Many Requests</html>"), absl::Seconds(60));
  EXPECT_EQ(Kimi(""), absl::Seconds(60));
  EXPECT_EQ(Kimi(R"({"error":{"type":"exceeded_current_quota_error"})"), absl::Seconds(60));
  // A body that is not JSON is read as the message text.
  EXPECT_EQ(Kimi("Too many requests, try again after 20 seconds"), absl::Seconds(20));
}

TEST(ParseErrorBodyTest, ReadsErrorObjectOrTopLevel) {
  ErrorBody nested = ParseErrorBody(
      R"({"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}})");
  EXPECT_TRUE(nested.json);
  EXPECT_EQ(nested.type, "rate_limit_error");
  EXPECT_EQ(nested.message, "Rate limited");
  EXPECT_EQ(nested.code, "");

  ErrorBody top = ParseErrorBody(R"({"type":"overloaded_error","code":1308,"message":"m"})");
  EXPECT_EQ(top.type, "overloaded_error");
  EXPECT_EQ(top.code, "1308");
  EXPECT_EQ(top.message, "m");

  ErrorBody text = ParseErrorBody("  upstream connect error  \n");
  EXPECT_FALSE(text.json);
  EXPECT_EQ(text.message, "upstream connect error");
  EXPECT_EQ(text.type, "");
}

}  // namespace
}  // namespace maxpool::core
