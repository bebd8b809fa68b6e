// HTTPS mode: a self-signed certificate made at test time with the openssl CLI, trusted by the
// client, which also checks the host name.

#include <cstdlib>

#include "fake/fake_upstream.h"
#include "fake/test_client.h"
#include "fake_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace maxpool::fake {
namespace {

using ::maxpool::fake::testing::CheckMessageStream;
using ::maxpool::fake::testing::MessageBody;
using ::maxpool::fake::testing::OAuthAccount;
using ::maxpool::fake::testing::OAuthHeaders;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::StatusIs;
using ::maxpool::testing::TempDir;

// Writes cert.pem and key.pem into `dir`. Returns false if openssl failed.
bool MakeSelfSignedCert(const TempDir& dir, const std::string& stem = "") {
  const std::string cert = (dir.path() / (stem + "cert.pem")).string();
  const std::string key = (dir.path() / (stem + "key.pem")).string();
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -days 2 -keyout '" +
      key + "' -out '" + cert + "' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

struct TlsFake {
  TempDir dir;
  std::unique_ptr<FakeUpstream> fake;
  ClientOptions client;
};

std::unique_ptr<TlsFake> StartTlsFake() {
  auto rig = std::make_unique<TlsFake>();
  if (!MakeSelfSignedCert(rig->dir)) {
    ADD_FAILURE() << "openssl req failed";
    return nullptr;
  }
  FakeOptions options;
  options.tls_cert_file = (rig->dir.path() / "cert.pem").string();
  options.tls_key_file = (rig->dir.path() / "key.pem").string();
  auto fake = FakeUpstream::Start(options);
  if (!fake.ok()) {
    ADD_FAILURE() << fake.status();
    return nullptr;
  }
  rig->fake = *std::move(fake);
  EXPECT_THAT(rig->fake->AddAccount(OAuthAccount()), IsOk());
  rig->client.port = rig->fake->port();
  rig->client.tls = true;
  rig->client.ca_file = options.tls_cert_file;
  rig->client.server_name = "localhost";
  return rig;
}

TEST(TlsTest, ServesHttpsToAClientThatTrustsTheCert) {
  auto rig = StartTlsFake();
  ASSERT_NE(rig, nullptr);
  EXPECT_EQ(rig->fake->base_url(), "https://127.0.0.1:" + std::to_string(rig->fake->port()));
  auto client = BlockingHttpClient::Connect(rig->client);
  ASSERT_THAT(client, IsOk());
  for (const bool stream : {true, false, true}) {  // keep-alive over TLS
    auto r =
        (*client)->Request("POST", "/v1/messages?beta=true", OAuthHeaders(), MessageBody(stream));
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->Header("anthropic-ratelimit-unified-5h-utilization").has_value());
    if (stream) CheckMessageStream(r->body, 4);
  }
  EXPECT_EQ(rig->fake->Stats().at(testing::kOAuthToken).streams_completed, 2);
}

TEST(TlsTest, DropMidStreamOverTls) {
  auto rig = StartTlsFake();
  ASSERT_NE(rig, nullptr);
  ASSERT_THAT(
      rig->fake->Script(testing::kOAuthToken, {Behaviour::Of(BehaviourKind::kDropMidStream)}),
      IsOk());
  auto client = BlockingHttpClient::Connect(rig->client);
  ASSERT_THAT(client, IsOk());
  ASSERT_THAT((*client)->Send("POST", "/v1/messages", OAuthHeaders(), MessageBody(true)), IsOk());
  ASSERT_THAT((*client)->ReadHeaders(), IsOk());
  std::string body;
  EXPECT_THAT((*client)->ReadBodyInto(body), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(ParseSse(body).residual.empty());
}

TEST(TlsTest, ClientRejectsAnUntrustedCert) {
  auto rig = StartTlsFake();
  ASSERT_NE(rig, nullptr);
  ASSERT_TRUE(MakeSelfSignedCert(rig->dir, "other-"));
  ClientOptions options = rig->client;
  options.ca_file = (rig->dir.path() / "other-cert.pem").string();
  EXPECT_THAT(BlockingHttpClient::Connect(options), StatusIs(absl::StatusCode::kUnavailable));
  options = rig->client;
  options.server_name = "example.com";  // not in the certificate
  EXPECT_THAT(BlockingHttpClient::Connect(options), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace maxpool::fake
