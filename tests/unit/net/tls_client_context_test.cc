#include "net/tls_client_context.h"

#include <openssl/ssl.h>

#include <future>
#include <string>
#include <thread>

#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/stream.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"

namespace maxpool::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ::maxpool::testing::StatusIs;
using ::maxpool::testing::TempDir;
using ::maxpool::testing::TestCerts;
using ::testing::HasSubstr;

// Accepts one connection on loopback with a server that speaks at most `max_version`, and
// reports whether the TLS handshake completed. The client side is a context of
// MakeTlsClientContext that trusts the test CA, at OpenSSL security level 0: the policy of a
// system whose OpenSSL still allows TLS 1.0 and 1.1 (Debian's default level refuses them by
// itself), so only the context's own minimum version stands between it and an old server.
bool HandshakeWithServerCappedAt(int max_version) {
  TempDir dir;
  const TestCerts certs = TestCerts::Make(dir.path());
  EXPECT_TRUE(certs.ok);
  asio::ssl::context server_tls(asio::ssl::context::tls_server);
  // Security level 0 lets OpenSSL offer TLS 1.0 and 1.1 at all, as an old server would.
  SSL_CTX_set_security_level(server_tls.native_handle(), 0);
  SSL_CTX_set_min_proto_version(server_tls.native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(server_tls.native_handle(), max_version);
  server_tls.use_certificate_chain_file(certs.server_cert.string());
  server_tls.use_private_key_file(certs.server_key.string(), asio::ssl::context::pem);

  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::thread server([&] {
    asio::ssl::stream<tcp::socket> stream(acceptor.accept(), server_tls);
    boost::system::error_code ignored;
    stream.handshake(asio::ssl::stream_base::server, ignored);
  });

  auto client_tls = MakeTlsClientContext(certs.ca_cert.string());
  EXPECT_TRUE(client_tls.ok()) << client_tls.status();
  SSL_CTX_set_security_level((*client_tls)->native_handle(), 0);
  asio::ssl::stream<tcp::socket> client(io, **client_tls);
  client.next_layer().connect(acceptor.local_endpoint());
  boost::system::error_code ec;
  client.handshake(asio::ssl::stream_base::client, ec);
  client.next_layer().close();
  server.join();
  return !ec;
}

TEST(TlsClientContextTest, RefusesAServerThatOffersOnlyTls11EvenWhereTheSystemAllowsIt) {
  EXPECT_FALSE(HandshakeWithServerCappedAt(TLS1_1_VERSION));
}

TEST(TlsClientContextTest, CompletesAHandshakeWithATls12ServerItsCaVouchesFor) {
  EXPECT_TRUE(HandshakeWithServerCappedAt(TLS1_2_VERSION));
}

TEST(TlsClientContextTest, RequiresTls12OrLaterAndVerifiesPeers) {
  auto context = MakeTlsClientContext("");
  ASSERT_TRUE(context.ok()) << context.status();
  EXPECT_EQ(SSL_CTX_get_min_proto_version((*context)->native_handle()), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_verify_mode((*context)->native_handle()) & SSL_VERIFY_PEER,
            SSL_VERIFY_PEER);
}

TEST(TlsClientContextTest, MissingCaFileIsInvalidArgumentNamingIt) {
  EXPECT_THAT(MakeTlsClientContext("/nonexistent/ca.pem"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/nonexistent/ca.pem")));
}

}  // namespace
}  // namespace maxpool::net
