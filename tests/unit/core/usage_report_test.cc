#include "core/usage_report.h"

#include <gtest/gtest.h>

#include <string>

#include "core/account.h"
#include "core/model_family.h"
#include "core/quota_headers.h"
#include "core/score.h"
#include "core/settings.h"
#include "support/fake_clock.h"

namespace maxpool::core {
namespace {

const absl::Time kNow = testing::FakeClock::DefaultStart();  // 2026-11-26T12:00:00Z

absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

// The captured answer of anthropic-wire.md §5.5, codename buckets trimmed.
constexpr char kCapturedUsage[] = R"({
  "five_hour":{"utilization":10.0,"resets_at":"2026-08-04T16:20:00.001100+00:00","limit_dollars":null},
  "seven_day":{"utilization":29.0,"resets_at":"2026-08-06T19:00:00.001127+00:00"},
  "seven_day_opus":null,"seven_day_sonnet":null,
  "extra_usage":{"is_enabled":false,"monthly_limit":4000,"used_credits":0.0,"utilization":0.0},
  "limits":[
    {"kind":"session","group":"session","percent":10,"severity":"normal",
     "resets_at":"2026-08-04T16:20:00.001100+00:00","scope":null,"is_active":false},
    {"kind":"weekly_all","group":"weekly","percent":29,"severity":"normal",
     "resets_at":"2026-08-06T19:00:00.001127+00:00","scope":null,"is_active":false},
    {"kind":"weekly_scoped","group":"weekly","percent":32,"severity":"normal",
     "resets_at":"2026-08-06T19:00:00.001127+00:00",
     "scope":{"model":{"id":"x","display_name":"Fable"},"surface":null},"is_active":true}],
  "spend":{},"member_dashboard_available":false})";

TEST(ParseOAuthUsageTest, CapturedAnswerInHeaderUnits) {
  absl::StatusOr<UsageReport> report = ParseOAuthUsage(kCapturedUsage);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->session.has_value());
  EXPECT_DOUBLE_EQ(report->session->utilization, 0.10);
  EXPECT_EQ(report->session->reset, Utc(2026, 8, 4, 16, 20, 0) + absl::Microseconds(1100));
  ASSERT_TRUE(report->weekly.has_value());
  EXPECT_DOUBLE_EQ(report->weekly->utilization, 0.29);
  EXPECT_EQ(report->weekly->reset, Utc(2026, 8, 6, 19, 0, 0) + absl::Microseconds(1127));
  EXPECT_TRUE(report->scoped_known);
  const std::optional<ScopedWeekly>& fable = report->scoped[FamilyIndex(ModelFamily::kFable)];
  ASSERT_TRUE(fable.has_value());
  EXPECT_DOUBLE_EQ(fable->utilization, 0.32);
  EXPECT_TRUE(fable->is_active);
  EXPECT_EQ(fable->severity, "normal");
  EXPECT_FALSE(report->scoped[FamilyIndex(ModelFamily::kOpus)].has_value());
  EXPECT_FALSE(report->weekly_absent);
}

TEST(ParseOAuthUsageTest, ResetsAsEpochSecondsMillisecondsOrNumericText) {
  absl::StatusOr<UsageReport> report = ParseOAuthUsage(R"({"limits":[
      {"kind":"session","percent":50,"resets_at":1795698000},
      {"kind":"weekly_all","percent":150,"resetsAt":"1795698000123"}]})");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->session->reset, absl::FromUnixSeconds(1795698000));
  EXPECT_EQ(report->weekly->reset, absl::FromUnixMillis(1795698000123));
  // Over the limit: clamped, the raw value kept.
  EXPECT_DOUBLE_EQ(report->weekly->utilization, 1.0);
  EXPECT_DOUBLE_EQ(report->weekly->raw, 1.5);
}

// The legacy buckets are percent too: a genuine 1 % is 0.01, not 100 % (the reference's
// "> 1 means percent" guess reads it as full).
TEST(ParseOAuthUsageTest, LegacyBucketsArePercent) {
  absl::StatusOr<UsageReport> report = ParseOAuthUsage(
      R"({"five_hour":{"utilization":1.0,"resets_at":"2026-08-04T16:20:00Z"},"seven_day":null})");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_DOUBLE_EQ(report->session->utilization, 0.01);
  EXPECT_EQ(report->session->reset, Utc(2026, 8, 4, 16, 20, 0));
  EXPECT_FALSE(report->weekly.has_value());
  EXPECT_TRUE(report->weekly_absent);
  EXPECT_FALSE(report->scoped_known);
}

TEST(ParseOAuthUsageTest, HostileBodiesAreErrorsOrSkipped) {
  EXPECT_FALSE(ParseOAuthUsage("").ok());
  EXPECT_FALSE(ParseOAuthUsage("[1,2]").ok());
  EXPECT_FALSE(ParseOAuthUsage("{\"limits\":").ok());
  const absl::StatusOr<UsageReport> odd = ParseOAuthUsage(
      R"({"limits":[7,{"kind":"session","percent":"ten"},{"kind":"weekly_scoped","percent":5,
          "scope":{"model":{"display_name":"Unheard Of"}}},{"kind":"weekly_all","percent":20,
          "resets_at":"not a time"}]})");
  ASSERT_TRUE(odd.ok()) << odd.status();
  EXPECT_FALSE(odd->session.has_value());
  EXPECT_DOUBLE_EQ(odd->weekly->utilization, 0.20);
  EXPECT_FALSE(odd->weekly->reset.has_value());
  for (const auto& scoped : odd->scoped) EXPECT_FALSE(scoped.has_value());
}

TEST(ApplyOAuthUsageTest, OverwritesWhatItReadAndStampsTheProbe) {
  QuotaReading quota;
  quota.unified_5h = 0.9;
  quota.unified_5h_reset = kNow + absl::Hours(1);
  quota.unified_7d = 0.5;
  quota.unified_7d_reset = kNow + absl::Hours(30);
  UsageReport report;
  report.session = UsageWindow{0.2, 0.2, kNow + absl::Hours(4)};
  report.weekly_absent = false;
  ApplyOAuthUsage(quota, report, kNow);
  EXPECT_EQ(quota.unified_5h, 0.2);
  EXPECT_EQ(quota.unified_5h_reset, kNow + absl::Hours(4));
  // Not in the report: kept.
  EXPECT_EQ(quota.unified_7d, 0.5);
  EXPECT_EQ(quota.unified_7d_reset, kNow + absl::Hours(30));
  EXPECT_EQ(quota.last_probe_ok_at, kNow);
}

// §14 item 20 through the probe: a live reactive scoped limit survives a probe that omits it.
TEST(ApplyOAuthUsageTest, ScopedLimitsReplacedButLiveReactiveEntryKept) {
  QuotaReading quota;
  RecordModelScopedLimit(quota, ModelFamily::kOpus, absl::Minutes(30), kNow);
  ScopedWeekly old_sonnet;
  old_sonnet.utilization = 0.7;
  quota.scoped_weekly[FamilyIndex(ModelFamily::kSonnet)] = old_sonnet;
  const absl::StatusOr<UsageReport> report = ParseOAuthUsage(R"({"limits":[
      {"kind":"weekly_scoped","percent":12,"scope":{"model":{"display_name":"Haiku"}}}]})");
  ASSERT_TRUE(report.ok());
  ApplyOAuthUsage(quota, *report, kNow + absl::Minutes(1));
  EXPECT_TRUE(quota.scoped_weekly[FamilyIndex(ModelFamily::kOpus)].has_value());
  EXPECT_FALSE(quota.scoped_weekly[FamilyIndex(ModelFamily::kSonnet)].has_value());
  ASSERT_TRUE(quota.scoped_weekly[FamilyIndex(ModelFamily::kHaiku)].has_value());
  EXPECT_DOUBLE_EQ(quota.scoped_weekly[FamilyIndex(ModelFamily::kHaiku)]->utilization, 0.12);
  EXPECT_TRUE(quota.weekly_absent);
}

// §15 scenario 59: a z.ai answer with only a 3-unit (session) tokens limit.
TEST(ParseZaiUsageTest, Scenario59_SessionOnlyMeansNoWeek) {
  const absl::Time reset = kNow + absl::Hours(2);
  const std::string body =
      absl::StrCat(R"({"code":200,"msg":"ok","data":{"limits":[{"type":"TOKENS_LIMIT","unit":3,)",
                   R"("percentage":40,"nextResetTime":)", absl::ToUnixMillis(reset), "}]}}");
  absl::StatusOr<UsageReport> report = ParseZaiUsage(body, kNow);
  ASSERT_TRUE(report.ok()) << report.status();
  Account account;
  account.settings.type = AccountType::kProvider;
  account.settings.provider = Provider::kZai;
  account.state.quota.provider_wk = 0.9;  // a week read before, now proven absent
  ApplyProviderUsage(account.state.quota, *report, kNow);
  EXPECT_EQ(account.state.quota.provider_ses, 0.40);
  EXPECT_EQ(account.state.quota.provider_ses_reset, reset);
  EXPECT_FALSE(account.state.quota.provider_wk.has_value());
  EXPECT_TRUE(account.state.quota.weekly_absent);
  EXPECT_EQ(account.state.quota.last_probe_ok_at, kNow);
  // 1 - 0.6 * (1 - 0.40 / 0.65)
  EXPECT_NEAR(FastRefillMultiplier(account, SchedulerSettings{}), 0.769, 0.001);
}

TEST(ParseZaiUsageTest, UnitsTypesAndTheHigherOfTwo) {
  const int64_t soon = absl::ToUnixMillis(kNow + absl::Hours(3));
  const int64_t later = absl::ToUnixMillis(kNow + absl::Hours(100));
  const std::string body = absl::StrCat(
      R"({"code":200,"data":{"limits":[)",
      R"({"type":"TOKENS_LIMIT","unit":5,"percentage":10,"nextResetTime":)", soon, "},",
      R"({"type":"TOKENS_LIMIT","unit":3,"percentage":30,"nextResetTime":)", soon, "},",
      R"({"type":"TOKENS_LIMIT","unit":5,"percentage":55,"nextResetTime":)", later, "},",
      R"({"type":"CREDIT_LIMIT","unit":9,"percentage":99},)",
      R"({"type":"TIME_LIMIT","unit":6,"percentage":99}]}})");
  absl::StatusOr<UsageReport> report = ParseZaiUsage(body, kNow);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_DOUBLE_EQ(report->session->utilization, 0.30);
  EXPECT_DOUBLE_EQ(report->weekly->utilization, 0.55);
  EXPECT_FALSE(report->weekly_absent);
}

TEST(ParseZaiUsageTest, EnvelopeRequired) {
  EXPECT_FALSE(ParseZaiUsage(R"({"code":401,"msg":"bad token"})", kNow).ok());
  EXPECT_FALSE(ParseZaiUsage(R"({"code":200})", kNow).ok());
  EXPECT_FALSE(ParseZaiUsage("<html>", kNow).ok());
}

}  // namespace
}  // namespace maxpool::core
