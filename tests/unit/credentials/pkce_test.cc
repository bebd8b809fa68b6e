#include "credentials/pkce.h"

#include <set>
#include <string>
#include <string_view>

#include "boost/url/parse.hpp"
#include "credentials/oauth_constants.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"

namespace maxpool::credentials {
namespace {

using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::testing::HasSubstr;

// RFC 7636 appendix B: the 32 octets of the example verifier.
constexpr unsigned char kRfc7636VerifierOctets[] = {
    116, 24,  223, 180, 151, 153, 224, 37,  79, 250, 96, 125, 216, 173, 187, 186,
    22,  212, 37,  77,  105, 214, 191, 240, 91, 88,  5,  88,  83,  132, 141, 121};
constexpr std::string_view kRfc7636Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kRfc7636Challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

std::string_view Bytes(const unsigned char* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

bool IsBase64UrlNoPad(std::string_view s) {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// RFC 4648 §10 vectors, in the url alphabet without padding.
TEST(Base64UrlNoPad, Rfc4648VectorsWithoutPadding) {
  EXPECT_EQ(Base64UrlNoPad(""), "");
  EXPECT_EQ(Base64UrlNoPad("f"), "Zg");
  EXPECT_EQ(Base64UrlNoPad("fo"), "Zm8");
  EXPECT_EQ(Base64UrlNoPad("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlNoPad("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlNoPad("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlNoPad("foobar"), "Zm9vYmFy");
}

TEST(Base64UrlNoPad, UsesTheUrlAlphabet) {
  // Standard base64 of fb ff bf is "+/+/": url-safe is "-_-_".
  const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(Base64UrlNoPad(Bytes(bytes, sizeof bytes)), "-_-_");
  const unsigned char two[] = {0xfb, 0xff};
  EXPECT_EQ(Base64UrlNoPad(Bytes(two, sizeof two)), "-_8");
}

// RFC 7636 appendix B: S256 of the example verifier.
TEST(S256Challenge, Rfc7636AppendixB) {
  EXPECT_EQ(S256Challenge(kRfc7636Verifier), kRfc7636Challenge);
}

TEST(MakePkce, DeterministicOverloadFollowsRfc7636) {
  const PkceSession session =
      MakePkce(Bytes(kRfc7636VerifierOctets, sizeof kRfc7636VerifierOctets), "state-bytes");
  EXPECT_EQ(session.verifier, kRfc7636Verifier);
  EXPECT_EQ(session.challenge, kRfc7636Challenge);
  EXPECT_EQ(session.state, Base64UrlNoPad("state-bytes"));
}

// Spec §7.2 step 1: 32 random bytes each → 43 base64url characters, no padding.
TEST(MakePkce, RandomSessionsAreWellFormedAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<PkceSession> session = MakePkce();
    ASSERT_THAT(session, IsOk());
    EXPECT_EQ(session->verifier.size(), 43u);
    EXPECT_EQ(session->state.size(), 43u);
    EXPECT_EQ(session->challenge.size(), 43u);
    EXPECT_TRUE(IsBase64UrlNoPad(session->verifier)) << session->verifier;
    EXPECT_TRUE(IsBase64UrlNoPad(session->state)) << session->state;
    EXPECT_EQ(session->challenge, S256Challenge(session->verifier));
    EXPECT_NE(session->verifier, session->state);
    EXPECT_TRUE(seen.insert(session->verifier).second);
    EXPECT_TRUE(seen.insert(session->state).second);
  }
}

PkceSession Rfc7636Session() {
  return MakePkce(Bytes(kRfc7636VerifierOctets, sizeof kRfc7636VerifierOctets), "abc");
}

// Spec §7.2 step 3, byte for byte.
TEST(AuthorizeUrl, ExactQueryInSpecOrder) {
  const PkceSession pkce = Rfc7636Session();
  absl::StatusOr<std::string> url = AuthorizeUrl(
      kOAuthAuthorizeUrl, kOAuthClientId, "http://localhost:54545/callback", kOAuthScopes, pkce);
  ASSERT_THAT(url, IsOk());
  EXPECT_EQ(*url,
            "https://claude.ai/oauth/authorize?code=true"
            "&client_id=9d1c250a-e61b-44d9-88ed-5944d1962f5e"
            "&response_type=code"
            "&redirect_uri=http%3A%2F%2Flocalhost%3A54545%2Fcallback"
            "&scope=org%3Acreate_api_key+user%3Aprofile+user%3Ainference"
            "+user%3Asessions%3Aclaude_code+user%3Amcp_servers+user%3Afile_upload"
            "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
            "&code_challenge_method=S256"
            "&state=" +
                pkce.state);
}

// Whatever the values hold, a URL parser gets them back intact.
TEST(AuthorizeUrl, AwkwardValuesRoundTripThroughAUrlParser) {
  PkceSession pkce{"verifier", "chal/len+ge=", "st&ate#x%y é"};
  const std::string client = "client id&x=1";
  const std::string redirect = "http://localhost:1/cb?x=1&y=2#frag";
  const std::string scopes = "a:b c+d";
  absl::StatusOr<std::string> url =
      AuthorizeUrl("https://auth.example/authorize", client, redirect, scopes, pkce);
  ASSERT_THAT(url, IsOk());
  auto parsed = boost::urls::parse_absolute_uri(*url);
  ASSERT_TRUE(parsed.has_value()) << *url;
  EXPECT_FALSE(parsed->has_fragment()) << *url;
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& param : parsed->params()) params.emplace_back(param.key, param.value);
  EXPECT_EQ(params,
            (std::vector<std::pair<std::string, std::string>>{{"code", "true"},
                                                              {"client_id", client},
                                                              {"response_type", "code"},
                                                              {"redirect_uri", redirect},
                                                              {"scope", scopes},
                                                              {"code_challenge", pkce.challenge},
                                                              {"code_challenge_method", "S256"},
                                                              {"state", pkce.state}}));
  EXPECT_EQ(url->find(' '), std::string::npos);
  EXPECT_EQ(url->find("verifier"), std::string::npos);  // the verifier never leaves the process
}

TEST(AuthorizeUrl, KeepsAnExistingQuery) {
  const PkceSession pkce = Rfc7636Session();
  absl::StatusOr<std::string> url =
      AuthorizeUrl("https://auth.example/authorize?tenant=x", "c", "r", "s", pkce);
  ASSERT_THAT(url, IsOk());
  EXPECT_THAT(*url, ::testing::StartsWith("https://auth.example/authorize?tenant=x&code=true&"));
  url = AuthorizeUrl("https://auth.example/authorize?", "c", "r", "s", pkce);
  ASSERT_THAT(url, IsOk());
  EXPECT_THAT(*url, ::testing::StartsWith("https://auth.example/authorize?code=true&"));
}

TEST(AuthorizeUrl, RejectsBasesThatAreNotAbsoluteHttpUrls) {
  const PkceSession pkce = Rfc7636Session();
  EXPECT_THAT(AuthorizeUrl("claude.ai/oauth/authorize", "c", "r", "s", pkce),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an absolute URL")));
  EXPECT_THAT(AuthorizeUrl("ftp://claude.ai/authorize", "c", "r", "s", pkce),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("http or https")));
  EXPECT_THAT(AuthorizeUrl("https://claude.ai/authorize#x", "c", "r", "s", pkce),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("fragment")));
  EXPECT_THAT(AuthorizeUrl("", "c", "r", "s", pkce), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace maxpool::credentials
