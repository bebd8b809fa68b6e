// The client side of the data plane as an attacker and an overload see it (RFC 9112 §6, §7.1):
// hostile request heads are refused with 400 and the connection closed before anything reaches
// the upstream; an HTTP/1.0 client never gets chunked encoding; a remote client's key is checked
// on the head, before its body is read or `100 Continue` is sent; client connections and buffered
// body bytes are capped, with the refusals counted; and when file descriptors run out, the
// accept loop backs off instead of spinning.

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/eventually.h"
#include "support/proxy_harness.h"
#include "support/raw_socket.h"

namespace maxpool {
namespace {

using ::maxpool::testing::Eventually;
using ::maxpool::testing::ProxyHarness;
using ::maxpool::testing::RawSocket;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using namespace std::chrono_literals;

std::string Post(const std::string& version, const std::string& extra_headers,
                 const std::string& body) {
  return absl::StrCat("POST /v1/messages ", version,
                      "\r\nhost: x\r\ncontent-type: application/json\r\n"
                      "anthropic-version: 2023-06-01\r\n",
                      extra_headers, "content-length: ", body.size(), "\r\n\r\n", body);
}

std::string StreamBody() { return ProxyHarness::MessageBody(/*stream=*/true); }

// --- Hostile heads ------------------------------------------------------------------------------

struct HostileHead {
  std::string name;
  std::string bytes;  // the whole request, body included
};

// A second request hidden in the body: it must never reach the upstream.
const char kSmuggled[] = "GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n";

std::vector<HostileHead> HostileHeads() {
  const std::string chunked_body = absl::StrCat("0\r\n\r\n", kSmuggled);
  return {
      {"te_chunked_gzip",
       absl::StrCat(
           "POST /v1/messages HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked, gzip\r\n\r\n",
           chunked_body)},
      {"te_xchunked", absl::StrCat("POST /v1/messages HTTP/1.1\r\nhost: x\r\n"
                                   "transfer-encoding: xchunked\r\n\r\n",
                                   chunked_body)},
      {"te_and_length",
       absl::StrCat("POST /v1/messages HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n"
                    "content-length: ",
                    chunked_body.size(), "\r\n\r\n", chunked_body)},
      {"te_gzip_with_length",
       absl::StrCat("POST /v1/messages HTTP/1.1\r\nhost: x\r\ntransfer-encoding: gzip\r\n"
                    "content-length: 5\r\n\r\nhello",
                    kSmuggled)},
      {"two_te_lines",
       absl::StrCat("POST /v1/messages HTTP/1.1\r\nhost: x\r\n"
                    "transfer-encoding: chunked\r\ntransfer-encoding: chunked\r\n\r\n",
                    chunked_body)},
      {"absolute_form", absl::StrCat("POST http://evil.example/v1/messages HTTP/1.1\r\nhost: x\r\n"
                                     "content-length: 2\r\n\r\n{}")},
      {"asterisk", "OPTIONS * HTTP/1.1\r\nhost: x\r\n\r\n"},
      {"authority_form", "CONNECT evil.example:443 HTTP/1.1\r\nhost: evil.example:443\r\n\r\n"},
      {"at_host",
       "POST @evil.example/v1/messages HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}"},
      {"double_slash",
       "POST //evil.example/v1/messages HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}"},
      {"unknown_method", "BREW /v1/messages HTTP/1.1\r\nhost: x\r\n\r\n"},
      {"trace", "TRACE /v1/messages HTTP/1.1\r\nhost: x\r\n\r\n"},
  };
}

class HostileRequestHead : public ::testing::TestWithParam<HostileHead> {};

TEST_P(HostileRequestHead, Gets400TheConnectionClosesAndNothingGoesUpstream) {
  ProxyHarness h;
  h.AddAccount("a");
  h.Start();
  auto raw = RawSocket::Connect(h.port());
  ASSERT_NE(raw, nullptr);
  ASSERT_TRUE(raw->Write(GetParam().bytes));
  const std::string& answer = raw->ReadUntil("\r\n\r\n", 5s);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 400")) << answer;
  EXPECT_TRUE(raw->WaitForClose(5s)) << "the connection stayed open: " << raw->received();
  EXPECT_EQ(raw->received().find("HTTP/1.1", 5), std::string::npos)
      << "a second response: " << raw->received();
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(h.upstream().Requests().empty()) << "a request reached the upstream";
}

INSTANTIATE_TEST_SUITE_P(ClientFraming, HostileRequestHead, ::testing::ValuesIn(HostileHeads()),
                         [](const ::testing::TestParamInfo<HostileHead>& p) {
                           return p.param.name;
                         });

TEST(ClientFraming, ExactlyChunkedInAnyCaseIsServed) {
  ProxyHarness h;
  h.AddAccount("a");
  h.Start();
  const std::string body = ProxyHarness::MessageBody(false);
  char size[32];
  std::snprintf(size, sizeof(size), "%zx", body.size());
  auto raw = RawSocket::Connect(h.port());
  ASSERT_TRUE(
      raw->Write(absl::StrCat("POST /v1/messages HTTP/1.1\r\nhost: x\r\n"
                              "content-type: application/json\r\nanthropic-version: 2023-06-01\r\n"
                              "Transfer-Encoding: Chunked"
                              "\r\nconnection: close\r\n\r\n",
                              size, "\r\n", body, "\r\n0\r\n\r\n")));
  raw->WaitForClose(10s);
  EXPECT_THAT(raw->received(), StartsWith("HTTP/1.1 200")) << raw->received();
}

// --- HTTP/1.0 ----------------------------------------------------------------------------------

TEST(ClientFraming, Http10StreamIsDelimitedByTheConnectionNeverChunked) {
  ProxyHarness h;
  h.AddAccount("a");
  h.Start();
  auto raw = RawSocket::Connect(h.port());
  ASSERT_TRUE(raw->Write(Post("HTTP/1.0", "", StreamBody())));
  ASSERT_TRUE(raw->WaitForClose(10s));
  const std::string& r = raw->received();
  ASSERT_THAT(r, StartsWith("HTTP/1.0 200")) << r;
  const std::string head = r.substr(0, r.find("\r\n\r\n"));
  EXPECT_THAT(absl::AsciiStrToLower(head), Not(HasSubstr("transfer-encoding")));
  const std::string body = r.substr(r.find("\r\n\r\n") + 4);
  EXPECT_THAT(body, StartsWith("event: message_start")) << "chunk sizes in the body";
  EXPECT_THAT(body, HasSubstr("event: message_stop"));
}

TEST(ClientFraming, Http10JsonAnswerHasItsLength) {
  ProxyHarness h;
  h.AddAccount("a");
  h.Start();
  auto raw = RawSocket::Connect(h.port());
  ASSERT_TRUE(raw->Write(Post("HTTP/1.0", "", ProxyHarness::MessageBody(false))));
  ASSERT_TRUE(raw->WaitForClose(10s));
  const std::string& r = raw->received();
  EXPECT_THAT(r, StartsWith("HTTP/1.0 200")) << r;
  EXPECT_THAT(absl::AsciiStrToLower(r), HasSubstr("content-length:"));
  EXPECT_THAT(absl::AsciiStrToLower(r), Not(HasSubstr("transfer-encoding")));
}

// --- The key before the body -------------------------------------------------------------------

ProxyHarness::Options KeyedOptions() {
  ProxyHarness::Options o = ProxyHarness::DefaultOptions();
  o.proxy.api_key = "mp-test-key";
  o.proxy.key_required_on_loopback = true;
  return o;
}

TEST(ClientAuth, KeylessUploadIsRefusedOnItsHeadBeforeContinueOrBody) {
  ProxyHarness h(KeyedOptions());
  h.AddAccount("a");
  h.Start();
  auto raw = RawSocket::Connect(h.port());
  // 30 MiB announced, nothing sent after the head.
  ASSERT_TRUE(
      raw->Write("POST /v1/messages HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\n"
                 "content-type: application/json\r\ncontent-length: 31457280\r\n\r\n"));
  const std::string& answer = raw->ReadUntil("\r\n\r\n", 5s);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 401")) << answer;
  EXPECT_THAT(answer, Not(HasSubstr("100 Continue")));
  EXPECT_TRUE(raw->WaitForClose(5s)) << "the server waited for the body";
  EXPECT_EQ(h.proxy().admission().refused[static_cast<int>(proxy::ClientRefusal::kUnauthenticated)],
            1u);
  EXPECT_EQ(h.proxy().admission().buffered_bytes, 0);
}

TEST(ClientAuth, KeyedUploadGetsContinueThenItsAnswer) {
  ProxyHarness h(KeyedOptions());
  h.AddAccount("a");
  h.Start();
  const std::string body = ProxyHarness::MessageBody(false);
  auto raw = RawSocket::Connect(h.port());
  ASSERT_TRUE(
      raw->Write(absl::StrCat("POST /v1/messages HTTP/1.1\r\nhost: x\r\n"
                              "x-api-key: mp-test-key\r\nexpect: 100-continue\r\n"
                              "anthropic-version: 2023-06-01\r\n"
                              "content-type: application/json\r\ncontent-length: ",
                              body.size(), "\r\n\r\n")));
  EXPECT_THAT(raw->ReadUntil("\r\n\r\n", 5s), StartsWith("HTTP/1.1 100 Continue"));
  ASSERT_TRUE(raw->Write(body));
  EXPECT_THAT(raw->ReadUntil("\"usage\"", 5s), HasSubstr("HTTP/1.1 200"));
}

// --- Caps ----------------------------------------------------------------------------------------

TEST(ClientCaps, ConnectionsBeyondTheCapGet503AndAreCounted) {
  ProxyHarness::Options o = ProxyHarness::DefaultOptions();
  o.proxy.max_client_connections = 2;
  ProxyHarness h(o);
  h.AddAccount("a");
  h.Start();
  auto first = RawSocket::Connect(h.port());
  auto second = RawSocket::Connect(h.port());
  ASSERT_TRUE(Eventually([&] { return h.proxy().admission().connections == 2; }));
  auto third = RawSocket::Connect(h.port());
  ASSERT_NE(third, nullptr);
  EXPECT_THAT(third->ReadUntil("\r\n\r\n", 5s), StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(absl::AsciiStrToLower(third->received()), HasSubstr("retry-after: 1"));
  EXPECT_TRUE(third->WaitForClose(5s));
  EXPECT_EQ(h.proxy().admission().refused[static_cast<int>(proxy::ClientRefusal::kConnections)],
            1u);

  first->Close();
  ASSERT_TRUE(Eventually([&] { return h.proxy().admission().connections == 1; }));
  EXPECT_EQ(h.Post(false).status, 200);
}

TEST(ClientCaps, BodiesBeyondTheBufferedBytesCapGet503AndTheBytesAreReturned) {
  ProxyHarness::Options o = ProxyHarness::DefaultOptions();
  o.proxy.max_buffered_request_bytes = 100000;
  ProxyHarness h(o);
  h.AddAccount("a");
  h.Start();
  {  // A declared length over the cap: refused on the head.
    auto raw = RawSocket::Connect(h.port());
    ASSERT_TRUE(
        raw->Write("POST /v1/messages HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\n"
                   "content-length: 200000\r\n\r\n"));
    EXPECT_THAT(raw->ReadUntil("\r\n\r\n", 5s), StartsWith("HTTP/1.1 503"));
  }
  {  // A chunked body that grows over it: refused on the way.
    auto raw = RawSocket::Connect(h.port());
    ASSERT_TRUE(
        raw->Write("POST /v1/messages HTTP/1.1\r\nhost: x\r\n"
                   "transfer-encoding: chunked\r\n\r\n"));
    const std::string chunk = absl::StrCat("4000\r\n", std::string(0x4000, 'x'), "\r\n");
    for (int i = 0; i < 7; ++i) ASSERT_TRUE(raw->Write(chunk));  // 112 KiB: past the cap
    EXPECT_THAT(raw->ReadUntil("\r\n\r\n", 5s), StartsWith("HTTP/1.1 503"));
  }
  const proxy::ClientAdmissionStats stats = h.proxy().admission();
  EXPECT_EQ(stats.refused[static_cast<int>(proxy::ClientRefusal::kBufferedBytes)], 2u);
  EXPECT_TRUE(Eventually([&] { return h.proxy().admission().buffered_bytes == 0; }));
  EXPECT_EQ(h.Post(false).status, 200);
}

// --- Out of file descriptors -------------------------------------------------------------------

TEST(ClientCaps, AcceptBacksOffWhenDescriptorsRunOutAndRecovers) {
  ProxyHarness h;
  h.AddAccount("a");
  h.Start();
  // Client sockets made first, so that connecting them needs no new descriptor here; the
  // server's accept() for each does.
  std::vector<int> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(::socket(AF_INET, SOCK_STREAM, 0));
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  // The lowest free descriptor number is where the next one would go: the limit allows none.
  const int probe = ::dup(0);
  ASSERT_GE(probe, 0);
  ::close(probe);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(probe);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(h.port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int fd : clients) {
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  }
  std::this_thread::sleep_for(1s);
  const uint64_t errors = h.proxy().admission().accept_errors;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_GE(errors, 1u) << "accept() never failed: the test did not exhaust descriptors";
  EXPECT_LE(errors, 20u) << "the accept loop spun";

  // Descriptors are back: the waiting connections are accepted and served.
  const std::string request =
      Post("HTTP/1.1", "connection: close\r\n", ProxyHarness::MessageBody(false));
  ASSERT_EQ(::write(clients[0], request.data(), request.size()),
            static_cast<ssize_t>(request.size()));
  std::string answer;
  char buffer[4096];
  timeval tv{10, 0};
  ::setsockopt(clients[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  for (ssize_t n; (n = ::read(clients[0], buffer, sizeof(buffer))) > 0;) answer.append(buffer, n);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
  for (int fd : clients) ::close(fd);
}

}  // namespace
}  // namespace maxpool
