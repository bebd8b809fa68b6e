#include "credentials/oauth_constants.h"

#include <string>
#include <string_view>

#include "absl/strings/str_split.h"
#include "boost/url/parse.hpp"
#include "core/absl_view.h"
#include "gtest/gtest.h"

namespace maxpool::credentials {
namespace {

boost::core::string_view BoostView(std::string_view s) { return {s.data(), s.size()}; }

// Spec §7.1 / wire §5.1, copied independently of the header.
TEST(OAuthConstants, MatchTheSpec) {
  EXPECT_EQ(kOAuthClientId, "9d1c250a-e61b-44d9-88ed-5944d1962f5e");
  EXPECT_EQ(kOAuthAuthorizeUrl, "https://claude.ai/oauth/authorize");
  EXPECT_EQ(kOAuthDefaultTokenUrl, "https://platform.claude.com/v1/oauth/token");
  EXPECT_EQ(kOAuthTokenUrlEnv, "MAXPOOL_OAUTH_TOKEN_ENDPOINT");
  EXPECT_EQ(kOAuthProfileUrl, "https://api.anthropic.com/api/oauth/profile");
  EXPECT_EQ(kOAuthUsageUrl, "https://api.anthropic.com/api/oauth/usage");
  EXPECT_EQ(kOAuthSuccessPageUrl, "https://platform.claude.com/oauth/code/success?app=claude-code");
  EXPECT_EQ(kOAuthBeta, "oauth-2025-04-20");
  EXPECT_EQ(kOAuthRefreshUserAgent, "axios/1.13.6");
  EXPECT_EQ(kOAuthRefreshAccept, "application/json, text/plain, */*");
  EXPECT_EQ(kOAuthDefaultExpiresInSeconds, 3600);
  EXPECT_EQ(kOAuthRefreshLeadTime, absl::Minutes(5));
  EXPECT_EQ(kOAuthRefreshTimeout, absl::Seconds(30));
  EXPECT_EQ(kOAuthRefreshTimeoutMin, absl::Seconds(10));
  EXPECT_EQ(kOAuthLoginTimeout, absl::Minutes(5));
  EXPECT_EQ(kOAuthLoginTimeoutMin, absl::Seconds(60));
}

TEST(OAuthConstants, ScopesAreTheSixSingleSpacedLoginScopes) {
  const std::vector<std::string> scopes = absl::StrSplit(core::AbslView(kOAuthScopes), ' ');
  EXPECT_EQ(scopes, (std::vector<std::string>{"org:create_api_key", "user:profile",
                                              "user:inference", "user:sessions:claude_code",
                                              "user:mcp_servers", "user:file_upload"}));
  EXPECT_NE(kOAuthScopes.find(kOAuthInferenceScope), std::string_view::npos);
}

TEST(OAuthConstants, UrlsAreAbsoluteHttps) {
  for (std::string_view url : {kOAuthAuthorizeUrl, kOAuthDefaultTokenUrl, kOAuthProfileUrl,
                               kOAuthUsageUrl, kOAuthSuccessPageUrl}) {
    auto parsed = boost::urls::parse_absolute_uri(BoostView(url));
    ASSERT_TRUE(parsed.has_value()) << url;
    EXPECT_EQ(parsed->scheme(), "https") << url;
  }
  // Profile and usage never follow the configured upstream (wire §5.1 BASE_API_URL).
  EXPECT_EQ(boost::urls::parse_absolute_uri(BoostView(kOAuthProfileUrl))->host(),
            "api.anthropic.com");
  EXPECT_EQ(boost::urls::parse_absolute_uri(BoostView(kOAuthUsageUrl))->host(),
            "api.anthropic.com");
}

}  // namespace
}  // namespace maxpool::credentials
