#include "net/http_client.h"

// The OAuth HTTP client against a small in-test server on 127.0.0.1, plain and TLS (with a
// certificate made here with OpenSSL). The heart of it is `request_sent` (spec §7.3: a spent
// refresh token is never re-sent): false only for failures before the first request byte.

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"
#include "boost/beast/ssl/ssl_stream.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "net/tls_client_context.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace maxpool::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ::maxpool::testing::StatusIs;
using ::maxpool::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr char kRefreshToken[] = "sk-ant-ort01-SecretRefreshTokenValue";
constexpr char kAccessToken[] = "sk-ant-oat01-SecretAccessTokenValue";
constexpr std::chrono::seconds kWaitLimit{20};  // generous: only a failing test waits this long

// --- A self-signed certificate, made with the OpenSSL API -------------------------------------

template <auto kFree>
struct Freer {
  template <class T>
  void operator()(T* p) const {
    kFree(p);
  }
};

struct CertFiles {
  std::string cert;
  std::string key;
};

// Writes <stem>cert.pem and <stem>key.pem (P-256, CA:TRUE, the given subjectAltName such as
// "DNS:localhost,IP:127.0.0.1") into `dir`. nullopt if OpenSSL failed.
std::optional<CertFiles> MakeSelfSignedCert(const TempDir& dir, const std::string& stem,
                                            const std::string& san) {
  std::unique_ptr<EVP_PKEY_CTX, Freer<EVP_PKEY_CTX_free>> keygen(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw_key = nullptr;
  if (!keygen || EVP_PKEY_keygen_init(keygen.get()) <= 0 ||
      EVP_PKEY_CTX_set_group_name(keygen.get(), "P-256") <= 0 ||
      EVP_PKEY_generate(keygen.get(), &raw_key) <= 0) {
    return std::nullopt;
  }
  std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY_free>> key(raw_key);
  std::unique_ptr<X509, Freer<X509_free>> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) return std::nullopt;
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 2 * 86400);
  X509_set_pubkey(cert.get(), key.get());
  const std::string cn = "maxpool test " + stem;
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::pair<int, std::string> extensions[] = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_subject_key_identifier, "hash"},
      {NID_subject_alt_name, san},
  };
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
    if (extension == nullptr) return std::nullopt;
    X509_add_ext(cert.get(), extension, -1);
    X509_EXTENSION_free(extension);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) return std::nullopt;

  CertFiles files{(dir.path() / (stem + "cert.pem")).string(),
                  (dir.path() / (stem + "key.pem")).string()};
  std::unique_ptr<FILE, Freer<std::fclose>> cert_out(std::fopen(files.cert.c_str(), "w"));
  std::unique_ptr<FILE, Freer<std::fclose>> key_out(std::fopen(files.key.c_str(), "w"));
  if (!cert_out || !key_out || PEM_write_X509(cert_out.get(), cert.get()) != 1 ||
      PEM_write_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return std::nullopt;
  }
  return files;
}

std::unique_ptr<asio::ssl::context> ServerTls(const CertFiles& files) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  context->use_certificate_chain_file(files.cert);
  context->use_private_key_file(files.key, asio::ssl::context::pem);
  return context;
}

std::unique_ptr<asio::ssl::context> ClientTls(const std::string& extra_ca_file = "") {
  auto context = net::MakeTlsClientContext(extra_ca_file);
  EXPECT_TRUE(context.ok()) << context.status();
  return context.ok() ? *std::move(context) : nullptr;
}

// --- A tiny HTTP server on 127.0.0.1 ----------------------------------------------------------

// What the server does with each connection.
enum class Mode {
  kRespond,          // read the request, write the canned response, close
  kCloseAfterRead,   // read the request, close gracefully (FIN) without answering
  kResetAfterRead,   // read the request, reset the connection (RST)
  kStallAfterRead,   // read the request, then say nothing until the server is destroyed
  kStallBeforeRead,  // accept, then do nothing at all (no TLS handshake either)
};

class TestServer {
 public:
  // `tls`: serve HTTPS with it (not owned; must outlive the server); nullptr for plain HTTP.
  explicit TestServer(Mode mode, std::string response = "", asio::ssl::context* tls = nullptr)
      : mode_(mode),
        response_(std::move(response)),
        tls_(tls),
        acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    asio::co_spawn(io_, Accept(this), Check);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() {
    io_.stop();
    thread_.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string Url(std::string_view scheme, std::string_view host, std::string_view path) const {
    return std::string(scheme) + "://" + std::string(host) + ":" + std::to_string(port()) +
           std::string(path);
  }

  // The first complete request the server read, waiting up to kWaitLimit for it.
  std::optional<http::request<http::string_body>> WaitForRequest() {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](std::vector<http::request<http::string_body>>* r) { return !r->empty(); },
            &requests_),
        absl::FromChrono(kWaitLimit));
    if (requests_.empty()) return std::nullopt;
    return requests_.front();
  }
  // Requests read so far (no waiting).
  size_t request_count() {
    absl::MutexLock lock(&mu_);
    return requests_.size();
  }
  // Waits until `n` connections were accepted.
  bool WaitForConnections(int n) {
    absl::MutexLock lock(&mu_);
    wanted_connections_ = n;
    return mu_.AwaitWithTimeout(absl::Condition(this, &TestServer::HasWantedConnections),
                                absl::FromChrono(kWaitLimit));
  }

 private:
  bool HasWantedConnections() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return accepted_ >= wanted_connections_;
  }

  static void Check(std::exception_ptr e) {
    if (e) ADD_FAILURE() << "test server coroutine threw";
  }

  static asio::awaitable<void> Stall() {
    asio::steady_timer forever(co_await asio::this_coro::executor);
    forever.expires_at(asio::steady_timer::time_point::max());
    co_await forever.async_wait(kTuple);
  }

  static asio::awaitable<void> Accept(TestServer* self) {
    for (;;) {
      auto [ec, socket] = co_await self->acceptor_.async_accept(kTuple);
      if (ec) co_return;
      {
        absl::MutexLock lock(&self->mu_);
        ++self->accepted_;
      }
      asio::co_spawn(self->io_, Session(self, std::move(socket)), Check);
    }
  }

  static asio::awaitable<void> Session(TestServer* self, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    if (self->mode_ == Mode::kStallBeforeRead) {
      co_await Stall();
      co_return;
    }
    if (self->tls_ == nullptr) {
      co_await Exchange(self, stream);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), *self->tls_);
    auto [ec] = co_await tls.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) co_return;  // e.g. the client rejected our certificate
    co_await Exchange(self, tls);
  }

  template <class Stream>
  static asio::awaitable<void> Exchange(TestServer* self, Stream& stream) {
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    auto [ec, n] = co_await http::async_read(stream, buffer, request, kTuple);
    if (ec) co_return;
    {
      absl::MutexLock lock(&self->mu_);
      self->requests_.push_back(request);
    }
    beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
    boost::system::error_code ignored;
    switch (self->mode_) {
      case Mode::kRespond: {
        auto [wec, written] =
            co_await asio::async_write(stream, asio::buffer(self->response_), kTuple);
        if (wec) break;
        tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
        // Let the client read to the end before the socket goes (its close ends this read).
        auto drained = co_await http::async_read(stream, buffer, request, kTuple);
        static_cast<void>(drained);
        break;
      }
      case Mode::kCloseAfterRead:
        tcp_layer.socket().shutdown(tcp::socket::shutdown_both, ignored);
        tcp_layer.socket().close(ignored);
        break;
      case Mode::kResetAfterRead:
        tcp_layer.socket().set_option(asio::socket_base::linger(true, 0), ignored);
        tcp_layer.socket().close(ignored);
        break;
      case Mode::kStallAfterRead:
      case Mode::kStallBeforeRead:
        co_await Stall();
        break;
    }
  }

  const Mode mode_;
  const std::string response_;
  asio::ssl::context* const tls_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  absl::Mutex mu_;
  std::vector<http::request<http::string_body>> requests_ ABSL_GUARDED_BY(mu_);
  int accepted_ ABSL_GUARDED_BY(mu_) = 0;
  int wanted_connections_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

std::string RawResponse(std::string_view status_line, std::string_view body,
                        std::string_view extra_headers = "") {
  return std::string(status_line) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + std::string(extra_headers) + "\r\n" + std::string(body);
}

// A refresh call as §7.3 makes it, to `url`.
HttpCall RefreshCall(std::string url) {
  HttpCall call;
  call.method = HttpMethod::kPost;
  call.url = std::move(url);
  call.body = std::string(R"({"grant_type":"refresh_token","refresh_token":")") + kRefreshToken +
              R"(","client_id":"x"})";
  call.timeout = std::chrono::seconds(20);
  return call;
}

// A port nobody listens on (bound, then released).
uint16_t ClosedPort() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const uint16_t port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

void ExpectNoSecrets(const HttpOutcome& outcome) {
  EXPECT_THAT(outcome.message, Not(HasSubstr(kRefreshToken)));
  EXPECT_THAT(outcome.message, Not(HasSubstr(kAccessToken)));
  EXPECT_THAT(outcome.message, Not(HasSubstr("grant_type")));
}

// --- Plain HTTP on loopback --------------------------------------------------------------------

TEST(OAuthHttpTest, A400JsonBodyIsAResponseNotAFailure) {
  const std::string error_body = R"({"error":"invalid_grant","error_description":"revoked"})";
  TestServer server(Mode::kRespond,
                    RawResponse("HTTP/1.1 400 Bad Request", error_body, "X-Request-Id: r-1\r\n"));
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  const HttpOutcome outcome =
      SendJsonBlocking(*tls, RefreshCall(server.Url("http", "127.0.0.1", "/v1/oauth/token")));
  ASSERT_TRUE(outcome.ok()) << outcome.message;
  EXPECT_EQ(outcome.error, TransportError::kNone);
  EXPECT_TRUE(outcome.request_sent);
  EXPECT_FALSE(outcome.ambiguous());
  EXPECT_TRUE(outcome.ToStatus().ok());
  EXPECT_EQ(outcome.response->status, 400);
  EXPECT_EQ(outcome.response->body, error_body);
  EXPECT_EQ(outcome.response->Header("x-request-id"), "r-1");
  EXPECT_EQ(outcome.response->Header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(outcome.response->Header("absent"), std::nullopt);
}

TEST(OAuthHttpTest, SendsJsonWithTheRefreshHeadersAndConnectionClose) {
  // §7.3: Content-Type application/json, Accept "application/json, text/plain, */*",
  // User-Agent axios/1.13.6; one request per connection.
  TestServer server(Mode::kRespond, RawResponse("HTTP/1.1 200 OK", R"({"access_token":"a"})"));
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  const HttpCall call = RefreshCall(server.Url("http", "127.0.0.1", "/v1/oauth/token"));
  const HttpOutcome outcome = SendJsonBlocking(*tls, call);
  ASSERT_TRUE(outcome.ok()) << outcome.message;
  EXPECT_EQ(outcome.response->status, 200);
  auto request = server.WaitForRequest();
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->method(), http::verb::post);
  EXPECT_EQ(request->target(), "/v1/oauth/token");
  EXPECT_EQ((*request)[http::field::host], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ((*request)[http::field::content_type], "application/json");
  EXPECT_EQ((*request)[http::field::accept], "application/json, text/plain, */*");
  EXPECT_EQ((*request)[http::field::user_agent], "axios/1.13.6");
  EXPECT_EQ((*request)[http::field::connection], "close");
  EXPECT_EQ((*request)[http::field::content_length], std::to_string(call.body.size()));
  EXPECT_EQ(request->body(), call.body);
}

TEST(OAuthHttpTest, GetWithCallerHeadersOverridingDefaults) {
  TestServer server(Mode::kRespond, RawResponse("HTTP/1.1 200 OK", R"({"account":{}})"));
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  HttpCall call;
  call.method = HttpMethod::kGet;
  call.url = server.Url("http", "127.0.0.1", "/api/oauth/profile?x=1");
  call.headers = {{"Authorization", std::string("Bearer ") + kAccessToken},
                  {"user-agent", "claude-code/2.0"},
                  {"Connection", "keep-alive"}};
  const HttpOutcome outcome = SendJsonBlocking(*tls, call);
  ASSERT_TRUE(outcome.ok()) << outcome.message;
  auto request = server.WaitForRequest();
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->method(), http::verb::get);
  EXPECT_EQ(request->target(), "/api/oauth/profile?x=1");
  EXPECT_EQ((*request)[http::field::authorization], std::string("Bearer ") + kAccessToken);
  EXPECT_EQ((*request)[http::field::user_agent], "claude-code/2.0");
  EXPECT_EQ((*request)[http::field::connection], "close");   // never overridden
  EXPECT_EQ(request->count(http::field::content_type), 0u);  // no body, no content type
  EXPECT_EQ(request->count(http::field::user_agent), 1u);
}

TEST(OAuthHttpTest, LocalhostIsResolvedAndAllowedOverPlainHttp) {
  TestServer server(Mode::kRespond, RawResponse("HTTP/1.1 204 No Content", ""));
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  const HttpOutcome outcome =
      SendJsonBlocking(*tls, RefreshCall(server.Url("http", "localhost", "/")));
  ASSERT_TRUE(outcome.ok()) << outcome.message;
  EXPECT_EQ(outcome.response->status, 204);
  auto request = server.WaitForRequest();
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ((*request)[http::field::host], "localhost:" + std::to_string(server.port()));
}

TEST(OAuthHttpTest, PlainHttpToANonLoopbackHostIsRefusedWithoutNetworking) {
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  for (const std::string url :
       {"http://example.com/v1/oauth/token", "http://10.0.0.1:8080/x", "ftp://127.0.0.1/x",
        "not a url", "https:///nohost", "http://[2001:db8::1]/x", "https://user:pw@example.com/"}) {
    const HttpOutcome outcome = SendJsonBlocking(*tls, RefreshCall(url));
    EXPECT_FALSE(outcome.ok()) << url;
    EXPECT_EQ(outcome.error, TransportError::kInvalidRequest) << url << ": " << outcome.message;
    EXPECT_FALSE(outcome.request_sent) << url;
    EXPECT_THAT(outcome.ToStatus(), StatusIs(absl::StatusCode::kInvalidArgument)) << url;
    EXPECT_THAT(outcome.message, Not(HasSubstr("pw@"))) << url;
    ExpectNoSecrets(outcome);
  }
}

TEST(OAuthHttpTest, AQueryNeverAppearsInMessages) {
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  const HttpOutcome outcome =
      SendJsonBlocking(*tls, RefreshCall("http://example.com/x?token=sekrit"));
  EXPECT_EQ(outcome.error, TransportError::kInvalidRequest);
  EXPECT_THAT(outcome.message, Not(HasSubstr("sekrit")));
}

TEST(OAuthHttpTest, HeaderWithALineBreakIsRefusedWithoutEchoingItsValue) {
  TestServer server(Mode::kRespond, RawResponse("HTTP/1.1 200 OK", "{}"));
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  HttpCall call = RefreshCall(server.Url("http", "127.0.0.1", "/"));
  call.headers = {{"Authorization", std::string("Bearer ") + kAccessToken + "\r\nX-Evil: 1"}};
  const HttpOutcome outcome = SendJsonBlocking(*tls, call);
  EXPECT_EQ(outcome.error, TransportError::kInvalidRequest);
  EXPECT_FALSE(outcome.request_sent);
  EXPECT_THAT(outcome.message, HasSubstr("Authorization"));
  ExpectNoSecrets(outcome);
  EXPECT_EQ(server.request_count(), 0u);
}

TEST(OAuthHttpTest, ConnectionRefusedIsNotSent) {
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  const HttpOutcome outcome = SendJsonBlocking(
      *tls, RefreshCall("http://127.0.0.1:" + std::to_string(ClosedPort()) + "/v1/oauth/token"));
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error, TransportError::kConnectionRefused) << outcome.message;
  EXPECT_FALSE(outcome.request_sent);
  EXPECT_FALSE(outcome.ambiguous());
  EXPECT_THAT(outcome.message, HasSubstr("ECONNREFUSED"));
  EXPECT_THAT(outcome.ToStatus(), StatusIs(absl::StatusCode::kUnavailable));
  ExpectNoSecrets(outcome);
}

TEST(OAuthHttpTest, ServerThatReadsThenClosesLeavesAnAmbiguousFailure) {
  TestServer server(Mode::kCloseAfterRead);
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  HttpCall call = RefreshCall(server.Url("http", "127.0.0.1", "/v1/oauth/token"));
  call.headers = {{"Authorization", std::string("Bearer ") + kAccessToken}};
  const HttpOutcome outcome = SendJsonBlocking(*tls, call);
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error, TransportError::kConnectionReset) << outcome.message;
  EXPECT_TRUE(outcome.request_sent);
  EXPECT_TRUE(outcome.ambiguous());
  ExpectNoSecrets(outcome);
  auto request = server.WaitForRequest();  // the server did consume the token
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->body(), call.body);
}

TEST(OAuthHttpTest, ServerThatReadsThenResetsLeavesAnAmbiguousFailure) {
  TestServer server(Mode::kResetAfterRead);
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  const HttpOutcome outcome =
      SendJsonBlocking(*tls, RefreshCall(server.Url("http", "127.0.0.1", "/v1/oauth/token")));
  EXPECT_EQ(outcome.error, TransportError::kConnectionReset) << outcome.message;
  EXPECT_TRUE(outcome.request_sent);
  EXPECT_THAT(outcome.message, HasSubstr("ECONNRESET"));
  ExpectNoSecrets(outcome);
  EXPECT_TRUE(server.WaitForRequest().has_value());
}

TEST(OAuthHttpTest, ServerThatReadsThenStallsTimesOutAmbiguously) {
  TestServer server(Mode::kStallAfterRead);
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  HttpCall call = RefreshCall(server.Url("http", "127.0.0.1", "/v1/oauth/token"));
  call.timeout = std::chrono::milliseconds(300);
  const HttpOutcome outcome = SendJsonBlocking(*tls, call);
  EXPECT_EQ(outcome.error, TransportError::kTimeout) << outcome.message;
  EXPECT_TRUE(outcome.request_sent);
  EXPECT_TRUE(outcome.ambiguous());
  EXPECT_THAT(outcome.ToStatus(), StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(outcome.message, HasSubstr("ETIMEDOUT"));
  ExpectNoSecrets(outcome);
  EXPECT_TRUE(server.WaitForRequest().has_value());
}

TEST(OAuthHttpTest, ResponseBodyOverTheLimitIsAFailureAfterSending) {
  TestServer server(Mode::kRespond, RawResponse("HTTP/1.1 200 OK", std::string(4096, 'x')));
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  HttpCall call = RefreshCall(server.Url("http", "127.0.0.1", "/"));
  call.max_response_body = 1024;
  const HttpOutcome outcome = SendJsonBlocking(*tls, call);
  EXPECT_EQ(outcome.error, TransportError::kProtocol) << outcome.message;
  EXPECT_TRUE(outcome.request_sent);
  EXPECT_THAT(outcome.message, HasSubstr("1024"));
}

TEST(OAuthHttpTest, BodyDelimitedByCloseIsComplete) {
  TestServer server(Mode::kRespond, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"ok\":true}");
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  const HttpOutcome outcome =
      SendJsonBlocking(*tls, RefreshCall(server.Url("http", "127.0.0.1", "/")));
  ASSERT_TRUE(outcome.ok()) << outcome.message;
  EXPECT_EQ(outcome.response->body, "{\"ok\":true}");
}

// How a caller inside a coroutine uses it: co_await with the call moved in.
asio::awaitable<void> SendFromCoroutine(asio::ssl::context& tls, std::string url,
                                        std::optional<HttpOutcome>& out) {
  HttpCall call = RefreshCall(std::move(url));
  HttpOutcome outcome = co_await SendJson(tls, std::move(call));
  out = std::move(outcome);
}

TEST(OAuthHttpTest, AwaitableFormRunsOnTheCallersExecutor) {
  TestServer server(Mode::kRespond, RawResponse("HTTP/1.1 201 Created", "{}"));
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  asio::io_context io;
  std::optional<HttpOutcome> outcome;
  bool done = false;
  asio::co_spawn(io, SendFromCoroutine(*tls, server.Url("http", "localhost", "/"), outcome),
                 [&done](std::exception_ptr e) {
                   EXPECT_FALSE(e);
                   done = true;
                 });
  io.run();
  ASSERT_TRUE(done);
  ASSERT_TRUE(outcome.has_value());
  ASSERT_TRUE(outcome->ok()) << outcome->message;
  EXPECT_EQ(outcome->response->status, 201);
}

// --- TLS ------------------------------------------------------------------------------------

struct TlsRig {
  TempDir dir;
  CertFiles files;
  std::unique_ptr<asio::ssl::context> server_tls;
};

std::unique_ptr<TlsRig> MakeTlsRig(const std::string& san = "DNS:localhost,IP:127.0.0.1") {
  auto rig = std::make_unique<TlsRig>();
  std::optional<CertFiles> files = MakeSelfSignedCert(rig->dir, "server-", san);
  if (!files.has_value()) {
    ADD_FAILURE() << "could not make a certificate";
    return nullptr;
  }
  rig->files = *files;
  rig->server_tls = ServerTls(rig->files);
  return rig;
}

TEST(OAuthHttpTlsTest, TrustedCertificateByNameAndByAddress) {
  auto rig = MakeTlsRig();
  ASSERT_NE(rig, nullptr);
  TestServer server(Mode::kRespond, RawResponse("HTTP/1.1 200 OK", R"({"access_token":"t"})"),
                    rig->server_tls.get());
  auto tls = ClientTls(rig->files.cert);
  ASSERT_NE(tls, nullptr);
  for (const char* host : {"localhost", "127.0.0.1"}) {
    const HttpOutcome outcome =
        SendJsonBlocking(*tls, RefreshCall(server.Url("https", host, "/v1/oauth/token")));
    ASSERT_TRUE(outcome.ok()) << host << ": " << outcome.message;
    EXPECT_EQ(outcome.response->status, 200);
    EXPECT_EQ(outcome.response->body, R"({"access_token":"t"})");
  }
  auto request = server.WaitForRequest();
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ((*request)[http::field::host], "localhost:" + std::to_string(server.port()));
}

TEST(OAuthHttpTlsTest, UntrustedCertificateFailsBeforeSending) {
  auto rig = MakeTlsRig();
  ASSERT_NE(rig, nullptr);
  std::optional<CertFiles> other =
      MakeSelfSignedCert(rig->dir, "other-", "DNS:localhost,IP:127.0.0.1");
  ASSERT_TRUE(other.has_value());
  TestServer server(Mode::kRespond, RawResponse("HTTP/1.1 200 OK", "{}"), rig->server_tls.get());
  for (const std::string& ca : {other->cert, std::string()}) {  // another CA; the system store
    auto tls = ClientTls(ca);
    ASSERT_NE(tls, nullptr);
    const HttpOutcome outcome =
        SendJsonBlocking(*tls, RefreshCall(server.Url("https", "localhost", "/v1/oauth/token")));
    EXPECT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error, TransportError::kTls) << outcome.message;
    EXPECT_FALSE(outcome.request_sent);
    EXPECT_THAT(outcome.message, HasSubstr("TLS handshake"));
    EXPECT_THAT(outcome.message, HasSubstr("certificate verify failed"));
    ExpectNoSecrets(outcome);
  }
  EXPECT_EQ(server.request_count(), 0u);
}

TEST(OAuthHttpTlsTest, CertificateForAnotherHostFailsBeforeSending) {
  auto rig = MakeTlsRig("DNS:example.com");
  ASSERT_NE(rig, nullptr);
  TestServer server(Mode::kRespond, RawResponse("HTTP/1.1 200 OK", "{}"), rig->server_tls.get());
  auto tls = ClientTls(rig->files.cert);  // trusted, but not for "localhost" or 127.0.0.1
  ASSERT_NE(tls, nullptr);
  for (const char* host : {"localhost", "127.0.0.1"}) {
    const HttpOutcome outcome = SendJsonBlocking(*tls, RefreshCall(server.Url("https", host, "/")));
    EXPECT_EQ(outcome.error, TransportError::kTls) << host << ": " << outcome.message;
    EXPECT_THAT(outcome.message, HasSubstr("mismatch"));
    EXPECT_FALSE(outcome.request_sent);
  }
  EXPECT_EQ(server.request_count(), 0u);
}

TEST(OAuthHttpTlsTest, HandshakeThatNeverCompletesIsAConnectTimeoutBeforeSending) {
  TestServer server(Mode::kStallBeforeRead);
  auto tls = ClientTls();
  ASSERT_NE(tls, nullptr);
  HttpCall call = RefreshCall(server.Url("https", "127.0.0.1", "/v1/oauth/token"));
  call.connect_timeout = std::chrono::milliseconds(300);
  const HttpOutcome outcome = SendJsonBlocking(*tls, call);
  EXPECT_EQ(outcome.error, TransportError::kTimeout) << outcome.message;
  EXPECT_FALSE(outcome.request_sent);
  EXPECT_FALSE(outcome.ambiguous());
  EXPECT_TRUE(server.WaitForConnections(1));  // it was the handshake, not the TCP connect
}

TEST(OAuthHttpTlsTest, ResetAfterTheRequestOverTlsIsAmbiguous) {
  auto rig = MakeTlsRig();
  ASSERT_NE(rig, nullptr);
  TestServer server(Mode::kResetAfterRead, "", rig->server_tls.get());
  auto tls = ClientTls(rig->files.cert);
  ASSERT_NE(tls, nullptr);
  const HttpOutcome outcome =
      SendJsonBlocking(*tls, RefreshCall(server.Url("https", "localhost", "/v1/oauth/token")));
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error, TransportError::kConnectionReset) << outcome.message;
  EXPECT_TRUE(outcome.request_sent);
  ExpectNoSecrets(outcome);
  EXPECT_TRUE(server.WaitForRequest().has_value());
}

TEST(TransportErrorNameTest, NamesFollowNodeCodes) {
  EXPECT_EQ(TransportErrorName(TransportError::kConnectionRefused), "ECONNREFUSED");
  EXPECT_EQ(TransportErrorName(TransportError::kDnsNotFound), "ENOTFOUND");
  EXPECT_EQ(TransportErrorName(TransportError::kDnsTemporary), "EAI_AGAIN");
  EXPECT_EQ(TransportErrorName(TransportError::kTimeout), "ETIMEDOUT");
  EXPECT_EQ(TransportErrorName(TransportError::kConnectionReset), "ECONNRESET");
  EXPECT_EQ(TransportErrorName(TransportError::kNone), "");
}

}  // namespace
}  // namespace maxpool::net
