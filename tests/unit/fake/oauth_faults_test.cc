// Scripted token-endpoint faults (oauth_faults.h): parsing, and over HTTP reset / stall / status /
// invalid_grant, with and without consuming the presented refresh token.

#include "fake/oauth_faults.h"

#include <chrono>
#include <string>

#include "fake/fake_upstream.h"
#include "fake/test_client.h"
#include "fake_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "oauth_test_util.h"
#include "support/status_matchers.h"

namespace maxpool::fake {
namespace {

using ::maxpool::fake::testing::ConnectTo;
using ::maxpool::fake::testing::ErrorType;
using ::maxpool::fake::testing::Json;
using ::maxpool::fake::testing::kOAuthToken;
using ::maxpool::fake::testing::kRefreshToken;
using ::maxpool::fake::testing::OAuthAccount;
using ::maxpool::fake::testing::RefreshBody;
using ::maxpool::fake::testing::StartFake;
using ::maxpool::fake::testing::Str;
using ::maxpool::fake::testing::TokenHeaders;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

std::unique_ptr<FakeUpstream> FakeWithRefreshToken() {
  auto fake = StartFake();
  FakeAccountSpec spec = OAuthAccount();
  spec.oauth.refresh_token = kRefreshToken;
  EXPECT_THAT(fake->AddAccount(spec), IsOk());
  return fake;
}

// One token request on a fresh connection.
absl::StatusOr<HttpResponse> Refresh(const FakeUpstream& fake, std::string_view refresh_token,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto client = ConnectTo(fake, timeout);
  return client->Request("POST", "/v1/oauth/token", TokenHeaders(), RefreshBody(refresh_token));
}

TEST(TokenFaultTest, Parses) {
  auto f = ParseTokenFault(boost::json::value("reset"));
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(f->kind, TokenFaultKind::kReset);
  EXPECT_FALSE(f->consume);
  f = ParseTokenFault(Json(
      R"({"kind":"status","status":503,"body":"<html>down</html>","retry_after":30,"consume":true})"));
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(f->kind, TokenFaultKind::kStatus);
  EXPECT_EQ(f->status, 503);
  EXPECT_THAT(f->body, Optional(std::string("<html>down</html>")));
  EXPECT_THAT(f->retry_after, Optional(30));
  EXPECT_TRUE(f->consume);
  EXPECT_EQ(
      boost::json::serialize(TokenFaultToJson(*f)),
      R"({"kind":"status","consume":true,"status":503,"body":"<html>down</html>","retry_after":30})");

  auto script = ParseTokenFaults(Json(R"(["ok",{"kind":"stall","consume":true,"times":2},
                                          "invalid_grant"])"));
  ASSERT_THAT(script, IsOk());
  ASSERT_EQ(script->size(), 4u);
  EXPECT_EQ((*script)[1].kind, TokenFaultKind::kStall);
  EXPECT_TRUE((*script)[2].consume);
  EXPECT_EQ((*script)[3].kind, TokenFaultKind::kInvalidGrant);

  for (const char* bad : {R"("refuse")", R"({"kind":"status","status":200})", R"({"kind":"ok",
       "consume":true})",
                          R"({"kind":"reset","status":500})", R"({"kind":"reset","oops":1})",
                          R"({"status":500})", "7"}) {
    EXPECT_THAT(ParseTokenFault(Json(bad)), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_THAT(ParseTokenFaults(Json(R"([{"kind":"ok","times":0}])")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("times")));
}

TEST(TokenFaultTest, ResetWithoutConsumeLeavesTheTokenUsable) {
  auto fake = FakeWithRefreshToken();
  fake->ScriptTokenFaults({TokenFault::Of(TokenFaultKind::kReset)});
  EXPECT_THAT(Refresh(*fake, kRefreshToken), StatusIs(absl::StatusCode::kUnavailable));
  auto r = Refresh(*fake, kRefreshToken);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200) << r->body;
  const std::vector<PresentedRefresh> presented = fake->PresentedRefreshTokens();
  ASSERT_EQ(presented.size(), 2u);
  EXPECT_EQ(presented[0].fault, "reset");
  EXPECT_FALSE(presented[0].accepted);
  EXPECT_TRUE(presented[1].accepted);
  EXPECT_EQ(fake->TokenCalls(), 2);
  const std::vector<RecordedRequest> seen = fake->Requests();
  ASSERT_EQ(seen.size(), 2u);  // the reset request was seen by the server
  EXPECT_EQ(seen[0].behaviour, "token_reset");
  EXPECT_EQ(seen[0].credential, kOAuthToken);
}

TEST(TokenFaultTest, ResetWithConsumeRotatesButLosesTheAnswer) {
  auto fake = FakeWithRefreshToken();
  fake->ScriptTokenFaults({TokenFault::Of(TokenFaultKind::kReset, /*consume=*/true)});
  EXPECT_THAT(Refresh(*fake, kRefreshToken), StatusIs(absl::StatusCode::kUnavailable));
  auto r = Refresh(*fake, kRefreshToken);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Str(Json(r->body).at("error")), "invalid_grant");
  const OAuthAccountView view = *fake->OAuthAccount(kOAuthToken);
  EXPECT_NE(view.refresh_token, kRefreshToken);  // rotated, though nobody got the answer
  EXPECT_EQ(view.counters.rotations, 1);
  EXPECT_EQ(view.counters.rejected, 1);
  EXPECT_TRUE(fake->PresentedRefreshTokens()[0].accepted);
  // A test can still pick the rotated token up and go on.
  r = Refresh(*fake, view.refresh_token);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
}

TEST(TokenFaultTest, StallHoldsTheConnectionUntilTheClientGivesUp) {
  auto fake = FakeWithRefreshToken();
  fake->ScriptTokenFaults({TokenFault::Of(TokenFaultKind::kStall),
                           TokenFault::Of(TokenFaultKind::kStall, /*consume=*/true)});
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THAT(Refresh(*fake, kRefreshToken, std::chrono::milliseconds(300)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300));
  EXPECT_EQ(fake->OAuthAccount(kOAuthToken)->refresh_token, kRefreshToken);  // not consumed
  EXPECT_THAT(Refresh(*fake, kRefreshToken, std::chrono::milliseconds(300)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_NE(fake->OAuthAccount(kOAuthToken)->refresh_token, kRefreshToken);  // consumed
  auto r = Refresh(*fake, kRefreshToken);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 400);
}

TEST(TokenFaultTest, StatusFaultsAnswerTheScriptedStatus) {
  auto fake = FakeWithRefreshToken();
  TokenFault unavailable = TokenFault::Status(503);
  unavailable.retry_after = 7;
  TokenFault limited = TokenFault::Status(429);
  limited.body = R"({"error":"rate_limited"})";
  TokenFault html = TokenFault::Status(502);
  html.body = "<html>bad gateway</html>";
  fake->ScriptTokenFaults({unavailable, limited, html});

  auto r = Refresh(*fake, kRefreshToken);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 503);
  EXPECT_THAT(r->Header("retry-after"), Optional(std::string("7")));
  EXPECT_EQ(ErrorType(r->body), "api_error");
  r = Refresh(*fake, kRefreshToken);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->body, R"({"error":"rate_limited"})");
  EXPECT_THAT(r->Header("content-type"), Optional(std::string("application/json")));
  r = Refresh(*fake, kRefreshToken);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 502);
  EXPECT_EQ(r->body, "<html>bad gateway</html>");
  EXPECT_THAT(r->Header("content-type"), Optional(HasSubstr("text/plain")));
  // None consumed the token.
  r = Refresh(*fake, kRefreshToken);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
}

TEST(TokenFaultTest, ConsumingStatusFaultSpendsTheToken) {
  auto fake = FakeWithRefreshToken();
  TokenFault fault = TokenFault::Status(500);
  fault.consume = true;
  fake->ScriptTokenFaults({fault});
  auto r = Refresh(*fake, kRefreshToken);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 500);
  r = Refresh(*fake, kRefreshToken);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 400);
}

TEST(TokenFaultTest, InvalidGrantFaultRejectsAValidTokenWithoutSpendingIt) {
  auto fake = FakeWithRefreshToken();
  fake->ScriptTokenFaults({TokenFault::Of(TokenFaultKind::kInvalidGrant)});
  auto r = Refresh(*fake, kRefreshToken);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Str(Json(r->body).at("error")), "invalid_grant");
  EXPECT_EQ(Str(Json(r->body).at("error_description")), "Refresh token not found or invalid");
  EXPECT_EQ(fake->OAuthAccount(kOAuthToken)->counters.rejected, 1);
  r = Refresh(*fake, kRefreshToken);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
}

TEST(TokenFaultTest, TheDefaultAppliesOnceTheScriptIsEmpty) {
  auto fake = FakeWithRefreshToken();
  fake->SetDefaultTokenFault(TokenFault::Status(503));
  fake->ScriptTokenFaults({TokenFault::Of(TokenFaultKind::kInvalidGrant)});
  fake->ScriptTokenFaults({TokenFault::Of(TokenFaultKind::kOk)}, ScriptMode::kReplace);
  std::vector<int> statuses;
  for (int i = 0; i < 3; ++i) {
    auto r = Refresh(*fake, i == 0 ? std::string(kRefreshToken)
                                   : fake->OAuthAccount(kOAuthToken)->refresh_token);
    ASSERT_THAT(r, IsOk());
    statuses.push_back(r->status);
  }
  EXPECT_EQ(statuses, (std::vector<int>{200, 503, 503}));
  fake->SetDefaultTokenFault(TokenFault{});
  auto r = Refresh(*fake, fake->OAuthAccount(kOAuthToken)->refresh_token);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(fake->TokenCalls(), 4);
}

}  // namespace
}  // namespace maxpool::fake
