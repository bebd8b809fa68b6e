#include "fake/fake_account.h"

#include <map>

#include "boost/json/parse.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"

namespace maxpool::fake {
namespace {

using ::maxpool::testing::FakeClock;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::testing::HasSubstr;

std::map<std::string, std::string> Headers(const QuotaSnapshot& s, const UnifiedOverride& o = {}) {
  std::vector<std::pair<std::string, std::string>> list;
  AppendQuotaHeaders(s, o, list);
  return std::map<std::string, std::string>(list.begin(), list.end());
}

TEST(FakeAccountTest, FormatsUtilizationLikeTheApi) {
  EXPECT_EQ(FormatUtilization(0.42), "0.42");
  EXPECT_EQ(FormatUtilization(1.0), "1.0");
  EXPECT_EQ(FormatUtilization(0.0), "0.0");
  EXPECT_EQ(FormatUtilization(0.01 + 0.02), "0.03");
  EXPECT_EQ(FormatUtilization(1.02), "1.02");
  EXPECT_EQ(FormatRfc3339(absl::FromUnixSeconds(1740435930)), "2025-02-24T22:25:30Z");
}

// anthropic-wire.md §4.2: fractions, epoch-second resets, per-window status, claim.
TEST(FakeAccountTest, OAuthEmitsUnifiedHeaders) {
  FakeClock clock;
  FakeAccountSpec spec;
  spec.credential = "t";
  spec.utilization_5h = 0.42;
  spec.utilization_7d = 0.2;
  spec.reset_5h = clock.Now() + absl::Hours(2);
  FakeAccount account(spec, clock.Now());
  const auto h = Headers(account.Snapshot());
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-status"), "allowed");
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-5h-utilization"), "0.42");
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-7d-utilization"), "0.2");
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-5h-reset"),
            std::to_string(absl::ToUnixSeconds(clock.Now() + absl::Hours(2))));
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-7d-reset"),
            std::to_string(absl::ToUnixSeconds(clock.Now() + absl::Hours(24 * 7))));
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-5h-status"), "allowed");
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-representative-claim"), "five_hour");
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-reset"),
            h.at("anthropic-ratelimit-unified-5h-reset"));
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-fallback-percentage"), "0.5");
  EXPECT_EQ(h.count("anthropic-ratelimit-tokens-limit"), 0u);
}

TEST(FakeAccountTest, QuotaOverrideRejectsTheFiveHourWindow) {
  FakeClock clock;
  FakeAccountSpec spec;
  spec.credential = "t";
  spec.utilization_5h = 0.3;
  spec.utilization_7d = 0.59;
  FakeAccount account(spec, clock.Now());
  UnifiedOverride o;
  o.force_5h_exhausted = true;
  const auto h = Headers(account.Snapshot(), o);
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-status"), "rejected");
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-5h-status"), "rejected");
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-5h-utilization"), "1.0");
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-7d-status"), "allowed");
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-representative-claim"), "five_hour");
}

TEST(FakeAccountTest, ModelOverrideKeepsBucketsBelowThreshold) {
  FakeClock clock;
  FakeAccountSpec spec;
  spec.credential = "t";
  spec.utilization_5h = 0.9995;
  FakeAccount account(spec, clock.Now());
  UnifiedOverride o;
  o.cap_below_threshold = true;
  o.overall_rejected = true;
  o.representative_claim = "seven_day_opus";
  o.unified_reset = clock.Now() + absl::Seconds(7200);
  const auto h = Headers(account.Snapshot(), o);
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-status"), "rejected");
  EXPECT_LT(std::stod(h.at("anthropic-ratelimit-unified-5h-utilization")), 0.999);
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-representative-claim"), "seven_day_opus");
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-reset"),
            std::to_string(absl::ToUnixSeconds(clock.Now()) + 7200));
}

TEST(FakeAccountTest, SpendAdvancesAndExhaustsThenWindowRolls) {
  FakeClock clock;
  FakeAccountSpec spec;
  spec.credential = "t";
  spec.utilization_5h = 0.97;
  spec.increment_5h = 0.01;
  spec.increment_7d = 0.0;
  FakeAccount account(spec, clock.Now());
  account.Spend(10, 10);
  EXPECT_NEAR(account.Snapshot().utilization_5h, 0.98, 1e-9);
  EXPECT_EQ(account.Exhausted(), ExhaustedWindow::kNone);
  account.Spend(10, 10);
  account.Spend(10, 10);
  EXPECT_EQ(account.Snapshot().utilization_5h, 1.0);
  EXPECT_EQ(account.Exhausted(), ExhaustedWindow::kFiveHour);
  EXPECT_EQ(Headers(account.Snapshot()).at("anthropic-ratelimit-unified-status"), "rejected");
  const absl::Time old_reset = account.Snapshot().reset_5h;
  clock.Advance(absl::Hours(5) + absl::Seconds(1));
  account.Roll(clock.Now());
  EXPECT_EQ(account.Snapshot().utilization_5h, 0.0);
  EXPECT_EQ(account.Snapshot().reset_5h, old_reset + absl::Hours(5));
  EXPECT_EQ(account.Exhausted(), ExhaustedWindow::kNone);
}

TEST(FakeAccountTest, SevenDayExhaustionIsTheClaim) {
  FakeClock clock;
  FakeAccountSpec spec;
  spec.credential = "t";
  spec.utilization_7d = 1.0;
  FakeAccount account(spec, clock.Now());
  EXPECT_EQ(account.Exhausted(), ExhaustedWindow::kSevenDay);
  const auto h = Headers(account.Snapshot());
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-representative-claim"), "seven_day");
  EXPECT_EQ(h.at("anthropic-ratelimit-unified-reset"),
            h.at("anthropic-ratelimit-unified-7d-reset"));
}

// anthropic-wire.md §4.1: integers and RFC 3339 resets.
TEST(FakeAccountTest, ApiKeyEmitsStandardHeadersAndSpendsTokens) {
  FakeClock clock;
  FakeAccountSpec spec;
  spec.credential = "k";
  spec.type = AccountType::kApiKey;
  spec.requests_limit = 2;
  spec.tokens_limit = 1000;
  FakeAccount account(spec, clock.Now());
  account.Spend(100, 50);
  const auto h = Headers(account.Snapshot());
  EXPECT_EQ(h.at("anthropic-ratelimit-requests-limit"), "2");
  EXPECT_EQ(h.at("anthropic-ratelimit-requests-remaining"), "1");
  EXPECT_EQ(h.at("anthropic-ratelimit-tokens-remaining"), "850");
  EXPECT_EQ(h.at("anthropic-ratelimit-input-tokens-remaining"), "79900");
  EXPECT_EQ(h.at("anthropic-ratelimit-output-tokens-remaining"), "19950");
  EXPECT_EQ(h.at("anthropic-ratelimit-tokens-reset"),
            FormatRfc3339(clock.Now() + absl::Seconds(60)));
  EXPECT_EQ(h.count("anthropic-ratelimit-unified-status"), 0u);
  account.Spend(1, 1);
  EXPECT_EQ(account.Exhausted(), ExhaustedWindow::kApiRequests);
  clock.Advance(absl::Seconds(61));
  account.Roll(clock.Now());
  EXPECT_EQ(account.Exhausted(), ExhaustedWindow::kNone);
  EXPECT_EQ(account.Snapshot().requests_remaining, 2);
}

TEST(FakeAccountTest, ParsesSpecWithRelativeResetsAndScript) {
  FakeClock clock;
  auto spec = ParseAccountSpec(boost::json::parse(R"({
      "credential":"sk-ant-oat01-x","type":"oauth","utilization_5h":0.5,"reset_5h_in":3600,
      "reset_7d":1795700000,"increment_5h":0,"script":[{"kind":"quota_429","times":2}],
      "default":"overloaded_529"})"),
                               clock.Now());
  ASSERT_THAT(spec, IsOk());
  EXPECT_EQ(spec->utilization_5h, 0.5);
  EXPECT_EQ(spec->reset_5h, clock.Now() + absl::Hours(1));
  EXPECT_EQ(spec->reset_7d, absl::FromUnixSeconds(1795700000));
  EXPECT_EQ(spec->increment_5h, 0.0);
  EXPECT_EQ(spec->script.size(), 2u);
  EXPECT_EQ(spec->default_behaviour.kind, BehaviourKind::kOverloaded529);

  EXPECT_THAT(ParseAccountSpec(boost::json::parse(R"({"type":"oauth"})"), clock.Now()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("credential")));
  EXPECT_THAT(ParseAccountSpec(boost::json::parse(R"({"credential":"x","typo":1})"), clock.Now()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("typo")));
  EXPECT_THAT(
      ParseAccountSpec(boost::json::parse(R"({"credential":"x","type":"sso"})"), clock.Now()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("type")));
}

}  // namespace
}  // namespace maxpool::fake
