#include "credentials/redact.h"

#include <string>

#include "gtest/gtest.h"

namespace maxpool::credentials {
namespace {

constexpr char kAccess[] = "sk-ant-oat01-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abc";
constexpr char kRefresh[] = "sk-ant-ort01-ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210-_xyz";
constexpr char kApiKey[] = "sk-ant-api03-KeyKeyKeyKeyKeyKeyKeyKeyKeyKey";

bool Leaks(const std::string& text, std::string_view secret) {
  return text.find(secret) != std::string::npos;
}

TEST(FingerprintTest, IsEightHexCharactersOfSha256AndStable) {
  // SHA-256("abc") = ba7816bf...
  EXPECT_EQ(Fingerprint("abc"), "ba7816bf");
  EXPECT_EQ(Fingerprint(kAccess), Fingerprint(kAccess));
  EXPECT_NE(Fingerprint(kAccess), Fingerprint(kRefresh));
}

TEST(MaskSecretTest, ShowsOnlyTheFingerprint) {
  EXPECT_EQ(MaskSecret("abc"), "[redacted ba7816bf]");
  EXPECT_EQ(MaskSecret(""), "[empty]");
}

TEST(RedactTest, AnthropicTokensKeepTheirKindButNotTheirSecret) {
  const std::string text = std::string("refreshed ") + kAccess + " and " + kApiKey + ".";
  const std::string redacted = Redact(text);
  EXPECT_FALSE(Leaks(redacted, kAccess));
  EXPECT_FALSE(Leaks(redacted, kApiKey));
  EXPECT_NE(redacted.find("sk-ant-oat01-…[redacted " + Fingerprint(kAccess) + "]"),
            std::string::npos)
      << redacted;
  EXPECT_NE(redacted.find("sk-ant-api03-…"), std::string::npos) << redacted;
  EXPECT_TRUE(redacted.ends_with("]."));
}

TEST(RedactTest, BearerValuesAreMaskedWhateverTheirShape) {
  const std::string redacted = Redact("Authorization: Bearer opaque.token-123 sent");
  EXPECT_FALSE(Leaks(redacted, "opaque")) << redacted;
  EXPECT_NE(redacted.find("Authorization: Bearer [redacted"), std::string::npos) << redacted;
}

TEST(RedactTest, CredentialHeadersAreMasked) {
  const std::string redacted = Redact("x-api-key: customkey123\r\nhost: example");
  EXPECT_FALSE(Leaks(redacted, "customkey123")) << redacted;
  EXPECT_NE(redacted.find("host: example"), std::string::npos);
}

TEST(RedactTest, SecretJsonFieldsAreMaskedAndOtherFieldsKept) {
  const std::string body =
      R"({"access_token":"opaque-a","refresh_token" : "opaque-r","expires_in":3600,)"
      R"("accessToken":"opaque-b","code":"the-code","email":"a@example.com"})";
  const std::string redacted = Redact(body);
  for (const char* secret : {"opaque-a", "opaque-r", "opaque-b", "the-code"}) {
    EXPECT_FALSE(Leaks(redacted, secret)) << secret << " in " << redacted;
  }
  EXPECT_NE(redacted.find(R"("expires_in":3600)"), std::string::npos);
  EXPECT_NE(redacted.find(R"("email":"a@example.com")"), std::string::npos);
}

TEST(RedactTest, EscapedQuotesInsideASecretValueDoNotEndIt) {
  const std::string redacted = Redact(R"({"password":"a\"b-secret","next":1})");
  EXPECT_FALSE(Leaks(redacted, "b-secret")) << redacted;
  EXPECT_NE(redacted.find(R"("next":1)"), std::string::npos) << redacted;
}

TEST(RedactTest, TextWithoutSecretsIsUnchanged) {
  const std::string text = "POST /v1/messages → work (200, 3.2s) \"model\":\"claude\"";
  EXPECT_EQ(Redact(text), text);
}

}  // namespace
}  // namespace maxpool::credentials
