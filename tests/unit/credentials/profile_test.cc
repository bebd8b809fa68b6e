#include "credentials/profile.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"

namespace maxpool::credentials {
namespace {

using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::testing::HasSubstr;

// Wire §5.4 capture shape.
constexpr char kMaxProfile[] = R"({
  "account": {"uuid": "4f1c-acc", "full_name": "Ada Lovelace", "display_name": "Ada",
              "email": "ada@example.com", "has_claude_max": true, "has_claude_pro": false,
              "created_at": "2024-10-22T07:21:47.099776Z"},
  "organization": {"uuid": "9e2d-org", "name": "ada@example.com's Organization",
                   "organization_type": "claude_max", "billing_type": "stripe_subscription",
                   "rate_limit_tier": "default_claude_max_5x", "seat_tier": null,
                   "has_extra_usage_enabled": true, "subscription_status": "active",
                   "subscription_created_at": "2025-01-01T00:00:00Z"},
  "application": {"uuid": "app-1", "name": "Claude Code", "slug": "claude-code"}
})";

TEST(ParseProfile, FullCapture) {
  absl::StatusOr<Profile> profile = ParseProfile(kMaxProfile);
  ASSERT_THAT(profile, IsOk());
  EXPECT_EQ(profile->uuid, "4f1c-acc");
  EXPECT_EQ(profile->email, "ada@example.com");
  EXPECT_EQ(profile->display_name, "Ada");
  EXPECT_EQ(profile->organization_uuid, "9e2d-org");
  EXPECT_EQ(profile->organization_name, "ada@example.com's Organization");
  EXPECT_EQ(profile->organization_type, "claude_max");
  EXPECT_EQ(profile->tier, "max");
}

std::string Tier(std::string_view account_flags, std::string_view organization_type) {
  const std::string body = std::string(R"({"account":{"uuid":"u")") + std::string(account_flags) +
                           R"(},"organization":{"organization_type":)" +
                           std::string(organization_type) + "}}";
  absl::StatusOr<Profile> profile = ParseProfile(body);
  EXPECT_THAT(profile, IsOk()) << body;
  return profile.ok() ? profile->tier : "<error>";
}

TEST(ParseProfile, TierPrefersTheAccountFlagsThenTheOrganizationType) {
  EXPECT_EQ(Tier(R"(,"has_claude_max":true,"has_claude_pro":true)", R"("claude_pro")"), "max");
  EXPECT_EQ(Tier(R"(,"has_claude_max":false,"has_claude_pro":true)", R"("claude_max")"), "pro");
  EXPECT_EQ(Tier(R"(,"has_claude_max":false,"has_claude_pro":false)", R"("claude_team")"), "team");
  EXPECT_EQ(Tier("", R"("claude_enterprise")"), "enterprise");
  EXPECT_EQ(Tier("", R"("claude_max")"), "max");
  EXPECT_EQ(Tier("", R"("claude_pro")"), "pro");
  EXPECT_EQ(Tier("", R"("api_individual")"), "");
  EXPECT_EQ(Tier(R"(,"has_claude_max":null)", "null"), "");
}

TEST(ParseProfile, OnlyTheAccountUuidIsRequired) {
  absl::StatusOr<Profile> profile = ParseProfile(R"({"account":{"uuid":"u-1"}})");
  ASSERT_THAT(profile, IsOk());
  EXPECT_EQ(profile->uuid, "u-1");
  EXPECT_EQ(profile->email, "");
  EXPECT_EQ(profile->organization_uuid, "");
  EXPECT_EQ(profile->tier, "");
}

TEST(ParseProfile, EscapedStringsAreDecoded) {
  absl::StatusOr<Profile> profile =
      ParseProfile(R"({"account":{"uuid":"u","display_name":"Ren\u00e9e \"R\""}})");
  ASSERT_THAT(profile, IsOk());
  EXPECT_EQ(profile->display_name, "Ren\u00e9e \"R\"");
}

TEST(ParseProfile, MissingFieldsAreNamed) {
  EXPECT_THAT(ParseProfile(R"({"organization":{"uuid":"o"}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "profile response: account is missing"));
  EXPECT_THAT(ParseProfile(R"({"account":null})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("account is missing")));
  EXPECT_THAT(
      ParseProfile(R"({"account":{"email":"a@b"}})"),
      StatusIs(absl::StatusCode::kInvalidArgument, "profile response: account.uuid is missing"));
  EXPECT_THAT(ParseProfile(R"({"account":{"uuid":""}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("account.uuid is missing")));
}

TEST(ParseProfile, WrongKindsAreNamed) {
  EXPECT_THAT(ParseProfile(R"({"account":[]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("account is an array")));
  EXPECT_THAT(ParseProfile(R"({"account":{"uuid":42}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("account.uuid is a number")));
  EXPECT_THAT(
      ParseProfile(R"({"account":{"uuid":"u","email":{}}})"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("account.email is an object")));
  EXPECT_THAT(ParseProfile(R"({"account":{"uuid":"u","has_claude_max":"yes"}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("account.has_claude_max is a string, expected a boolean")));
  EXPECT_THAT(ParseProfile(R"({"account":{"uuid":"u"},"organization":"o"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("organization is a string")));
  EXPECT_THAT(ParseProfile(R"({"account":{"uuid":"u"},"organization":{"organization_type":1}})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("organization.organization_type is a number")));
}

TEST(ParseProfile, NotAJsonObject) {
  for (std::string_view body : {"", "[]", "null", "Unauthorized", R"({"account":)"}) {
    EXPECT_THAT(ParseProfile(body),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a JSON object")))
        << body;
  }
}

}  // namespace
}  // namespace maxpool::credentials
