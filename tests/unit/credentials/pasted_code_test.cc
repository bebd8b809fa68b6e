#include "credentials/pasted_code.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"

namespace maxpool::credentials {
namespace {

using ::maxpool::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kState[] = "Xq3_state-Abc";

std::string Code(std::string_view text) {
  absl::StatusOr<std::string> code = ParsePastedCode(text, kState);
  EXPECT_TRUE(code.ok()) << code.status();
  return code.ok() ? *code : "<error>";
}

// Wire §5.3: the manual callback page shows "code#state".
TEST(ParsePastedCode, CodeHashStateWithMatchingState) {
  EXPECT_EQ(Code("authCode123#Xq3_state-Abc"), "authCode123");
  EXPECT_EQ(Code("  \tauthCode123#Xq3_state-Abc \r\n"), "authCode123");
}

TEST(ParsePastedCode, CodeHashStateFromAnotherAttemptIsRefused) {
  absl::StatusOr<std::string> code = ParsePastedCode("secretCode#otherState", kState);
  EXPECT_THAT(code,
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("another login attempt"), Not(HasSubstr("secretCode")))));
}

TEST(ParsePastedCode, TrailingHashMeansNoState) { EXPECT_EQ(Code("authCode123#"), "authCode123"); }

TEST(ParsePastedCode, OnlyTheFirstHashSplits) {
  // "a#b#c": the state is "b#c", which does not match.
  EXPECT_THAT(ParsePastedCode("a#Xq3_state-Abc#c", kState),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(ParsePastedCode, EmptyInputAsksForTheCode) {
  for (std::string_view text : {"", "   ", "\n", " \t\r\n", "#Xq3_state-Abc"}) {
    EXPECT_THAT(ParsePastedCode(text, kState), StatusIs(absl::StatusCode::kInvalidArgument,
                                                        "paste the code shown after you sign in"))
        << "text: \"" << text << "\"";
  }
}

TEST(ParsePastedCode, BareCodeIsTrimmed) { EXPECT_EQ(Code("  rawCode-_.~42 \n"), "rawCode-_.~42"); }

TEST(ParsePastedCode, BareCodeWithInnerSpacesIsRefused) {
  EXPECT_THAT(ParsePastedCode("here is my code", kState),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("spaces")));
}

// Spec §7.2 step 4(b): a pasted callback URL.
TEST(ParsePastedCode, CallbackUrlWithMatchingState) {
  EXPECT_EQ(Code("http://localhost:54545/callback?code=abc123&state=Xq3_state-Abc"), "abc123");
  EXPECT_EQ(Code("https://platform.claude.com/oauth/code/callback?state=Xq3_state-Abc&code=xyz"),
            "xyz");
  EXPECT_EQ(Code("HTTPS://example.com/cb?code=up"), "up");
}

TEST(ParsePastedCode, CallbackUrlValuesArePercentDecoded) {
  EXPECT_EQ(Code("http://localhost/callback?code=a%2Bb%2Fc%3D&state=Xq3%5Fstate-Abc"), "a+b/c=");
}

TEST(ParsePastedCode, CallbackUrlFragmentIsIgnored) {
  EXPECT_EQ(Code("http://localhost/callback?code=abc&state=Xq3_state-Abc#done"), "abc");
}

// Found by fuzzing (tests/fuzz/corpus/oauth_fuzz/crash-empty-query-fragment): an empty query
// followed by a fragment crashed `maxpool login` inside Boost.URL 1.81.
TEST(ParsePastedCode, CallbackUrlWithAnEmptyQueryAndAFragmentHasNoCode) {
  for (const char* url : {"http://k?#r=rroea", "http://localhost/callback?#", "http://k?&#x"}) {
    EXPECT_THAT(ParsePastedCode(url, kState),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no code parameter")))
        << url;
  }
  EXPECT_EQ(Code("http://localhost/callback?code=a+b&&x&state=Xq3_state-Abc#code=no"), "a b");
}

TEST(ParsePastedCode, CallbackUrlWithoutStateIsAccepted) {
  EXPECT_EQ(Code("http://localhost:1/callback?code=abc"), "abc");
}

TEST(ParsePastedCode, CallbackUrlWithAnotherStateIsRefused) {
  EXPECT_THAT(ParsePastedCode("http://localhost:1/callback?code=secretCode&state=nope", kState),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("another login attempt"), Not(HasSubstr("secretCode")))));
}

TEST(ParsePastedCode, CallbackUrlWithoutCodeIsRefused) {
  EXPECT_THAT(ParsePastedCode("http://localhost:1/callback?state=Xq3_state-Abc", kState),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no code")));
  EXPECT_THAT(
      ParsePastedCode("http://localhost:1/callback?code=&state=Xq3_state-Abc", kState),
      StatusIs(absl::StatusCode::kInvalidArgument, "paste the code shown after you sign in"));
}

TEST(ParsePastedCode, CallbackUrlWithErrorNamesIt) {
  EXPECT_THAT(ParsePastedCode("http://localhost:1/callback?error=access_denied&state=Xq3_state-Abc",
                              kState),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("access_denied")));
}

TEST(ParsePastedCode, UnparsableUrlIsRefused) {
  EXPECT_THAT(ParsePastedCode("http://exa mple/?code=x", kState),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace maxpool::credentials
