#include "credentials/callback_server.h"

// The login callback listener (spec §7.2 steps 2 and 4), driven by real HTTP requests over
// loopback sockets.

#include <chrono>
#include <exception>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/raw_socket.h"
#include "support/status_matchers.h"

namespace maxpool::credentials {
namespace {

namespace asio = boost::asio;
using ::maxpool::testing::IsOk;
using ::maxpool::testing::RawSocket;
using ::maxpool::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kState[] = "St4te-0f_th1s-l0gin";
constexpr char kSuccessUrl[] = "https://platform.claude.com/oauth/code/success?app=claude-code";
constexpr std::chrono::seconds kLimit{20};  // generous: only a failing test waits this long

struct HttpReply {
  int status = 0;
  std::string text;  // the whole response
  std::optional<std::string> Header(const std::string& name) const {
    const std::string key = "\r\n" + name + ": ";
    const size_t at = text.find(key);
    if (at == std::string::npos) return std::nullopt;
    const size_t start = at + key.size();
    return text.substr(start, text.find("\r\n", start) - start);
  }
};

// Sends one request to 127.0.0.1:port and reads the reply until the server closes.
HttpReply Request(uint16_t port, const std::string& target, const std::string& method = "GET") {
  auto socket = RawSocket::Connect(port);
  if (socket == nullptr) {
    ADD_FAILURE() << "cannot connect to the callback server";
    return {};
  }
  EXPECT_TRUE(socket->Write(method + " " + target +
                            " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n"));
  EXPECT_TRUE(socket->WaitForClose(kLimit)) << "the server did not close the connection";
  HttpReply reply;
  reply.text = socket->received();
  if (reply.text.rfind("HTTP/1.1 ", 0) == 0) reply.status = std::stoi(reply.text.substr(9, 3));
  return reply;
}

CallbackServer::Options Opts() {
  CallbackServer::Options options;
  options.expected_state = kState;
  options.success_url = kSuccessUrl;
  return options;
}

std::unique_ptr<CallbackServer> StartOwn(CallbackServer::Options options = Opts()) {
  auto server = CallbackServer::StartOnOwnThread(std::move(options));
  EXPECT_THAT(server, IsOk());
  return server.ok() ? *std::move(server) : nullptr;
}

std::string CallbackTarget(const std::string& query) { return "/callback?" + query; }

TEST(CallbackServerTest, RedirectUriNamesLocalhostAndTheEphemeralPort) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  EXPECT_NE(server->port(), 0);
  EXPECT_EQ(server->redirect_uri(),
            "http://localhost:" + std::to_string(server->port()) + "/callback");
}

TEST(CallbackServerTest, GoodCodeRedirectsToTheSuccessPageAndEndsTheWait) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  const HttpReply reply =
      Request(server->port(), CallbackTarget(std::string("code=the-c0de&state=") + kState));
  EXPECT_EQ(reply.status, 302) << reply.text;
  EXPECT_EQ(reply.Header("Location"), kSuccessUrl);
  EXPECT_THAT(reply.text, Not(HasSubstr("the-c0de")));  // never echoed
  absl::StatusOr<std::string> code = server->WaitForCodeBlocking(kLimit);
  ASSERT_THAT(code, IsOk());
  EXPECT_EQ(*code, "the-c0de");
}

TEST(CallbackServerTest, PercentEncodedParametersAreDecoded) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  const HttpReply reply = Request(
      server->port(), CallbackTarget(std::string("state=") + kState + "&code=a%2Fb%23c&x=1"));
  EXPECT_EQ(reply.status, 302) << reply.text;
  EXPECT_EQ(server->WaitForCodeBlocking(kLimit).value_or("?"), "a/b#c");
}

TEST(CallbackServerTest, DefaultSuccessUrlIsClaudesConfirmationPage) {
  CallbackServer::Options options;
  options.expected_state = kState;
  auto server = StartOwn(options);
  ASSERT_NE(server, nullptr);
  const HttpReply reply =
      Request(server->port(), CallbackTarget(std::string("code=c&state=") + kState));
  EXPECT_EQ(reply.Header("Location"), kSuccessUrl);
}

TEST(CallbackServerTest, OAuthErrorShowsAuthenticationFailedAndFailsTheWait) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  const HttpReply reply = Request(
      server->port(),
      CallbackTarget(std::string("error=access_denied&error_description=The%20user%20said%20no"
                                 "&state=") +
                     kState));
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.text, HasSubstr("Authentication failed"));
  EXPECT_THAT(reply.text, HasSubstr("access_denied"));
  EXPECT_THAT(server->WaitForCodeBlocking(kLimit),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       ::testing::AllOf(HasSubstr("access_denied"), HasSubstr("said no"))));
}

TEST(CallbackServerTest, ErrorValueIsEscapedInThePage) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  const HttpReply reply =
      Request(server->port(), CallbackTarget("error=%3Cscript%3Ealert(1)%3C%2Fscript%3E"));
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.text, Not(HasSubstr("<script>")));
  EXPECT_THAT(reply.text, HasSubstr("&lt;script&gt;"));
}

TEST(CallbackServerTest, StateMismatchIsRejected) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  const HttpReply reply = Request(server->port(), CallbackTarget("code=c0de&state=forged"));
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.text, HasSubstr("Invalid state"));
  EXPECT_THAT(server->WaitForCodeBlocking(kLimit),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("state")));
}

TEST(CallbackServerTest, MissingStateIsRejected) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Request(server->port(), CallbackTarget("code=c0de")).status, 400);
  EXPECT_THAT(server->WaitForCodeBlocking(kLimit), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(CallbackServerTest, MissingCodeIsRejected) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Request(server->port(), CallbackTarget(std::string("state=") + kState)).status, 400);
  EXPECT_THAT(server->WaitForCodeBlocking(kLimit),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("code")));
}

TEST(CallbackServerTest, OtherPathsAndMethodsAreAnsweredAndTheWaitGoesOn) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Request(server->port(), "/favicon.ico").status, 404);
  EXPECT_EQ(Request(server->port(), "/").status, 404);
  EXPECT_EQ(Request(server->port(), std::string("/callbackx?code=c&state=") + kState).status, 404);
  EXPECT_EQ(
      Request(server->port(), CallbackTarget(std::string("code=c&state=") + kState), "POST").status,
      405);
  // Nothing decided yet.
  EXPECT_THAT(server->WaitForCodeBlocking(std::chrono::milliseconds(1)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(
      Request(server->port(), CallbackTarget(std::string("code=late&state=") + kState)).status,
      302);
  EXPECT_EQ(server->WaitForCodeBlocking(kLimit).value_or("?"), "late");
}

TEST(CallbackServerTest, GarbageRequestGets400AndDecidesNothing) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  auto socket = RawSocket::Connect(server->port());
  ASSERT_NE(socket, nullptr);
  ASSERT_TRUE(socket->Write("NOT HTTP AT ALL\r\n\r\n"));
  EXPECT_TRUE(socket->WaitForClose(kLimit));
  EXPECT_THAT(socket->received(), StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(server->WaitForCodeBlocking(std::chrono::milliseconds(1)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST(CallbackServerTest, TheFirstDecisionStays) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(
      Request(server->port(), CallbackTarget(std::string("code=first&state=") + kState)).status,
      302);
  EXPECT_EQ(Request(server->port(), CallbackTarget("code=second&state=forged")).status, 400);
  server->Cancel();
  EXPECT_EQ(server->WaitForCodeBlocking(kLimit).value_or("?"), "first");
  EXPECT_EQ(server->WaitForCodeBlocking(kLimit).value_or("?"), "first");
}

TEST(CallbackServerTest, CancelEndsABlockedWait) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  auto wait =
      std::async(std::launch::async, [&server] { return server->WaitForCodeBlocking(kLimit); });
  server->Cancel();  // from another thread, before or during the wait: either way it ends it
  ASSERT_EQ(wait.wait_for(kLimit), std::future_status::ready);
  EXPECT_THAT(wait.get(), StatusIs(absl::StatusCode::kCancelled));
  // A callback after the cancel changes nothing.
  Request(server->port(), CallbackTarget(std::string("code=c&state=") + kState));
  EXPECT_THAT(server->WaitForCodeBlocking(kLimit), StatusIs(absl::StatusCode::kCancelled));
}

TEST(CallbackServerTest, ADeadlineEndsOneWaitButNotTheLogin) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  EXPECT_THAT(server->WaitForCodeBlocking(std::chrono::milliseconds(20)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  Request(server->port(), CallbackTarget(std::string("code=c&state=") + kState));
  EXPECT_EQ(server->WaitForCodeBlocking(kLimit).value_or("?"), "c");
}

TEST(CallbackServerTest, StopClosesIdleConnectionsPromptly) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  // A browser's speculative connection that never sends a request.
  auto idle = RawSocket::Connect(server->port());
  ASSERT_NE(idle, nullptr);
  const auto start = std::chrono::steady_clock::now();
  server->Stop();
  // Without closing it, Stop() would wait for the 30 s read timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  EXPECT_TRUE(idle->WaitForClose(kLimit));
  EXPECT_THAT(server->WaitForCodeBlocking(kLimit), StatusIs(absl::StatusCode::kCancelled));
  server->Stop();  // idempotent
}

TEST(CallbackServerTest, RejectsAnEmptyExpectedState) {
  CallbackServer::Options options;
  EXPECT_THAT(CallbackServer::StartOnOwnThread(options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// --- The awaitable form ------------------------------------------------------------------------

// Runs `io` on a thread of its own until destroyed.
class IoThread {
 public:
  IoThread() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~IoThread() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  asio::io_context& io() { return io_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

using CodePromise = std::promise<absl::StatusOr<std::string>>;

void SpawnWait(asio::io_context& io, CallbackServer& server,
               std::chrono::steady_clock::time_point deadline, CodePromise& promise) {
  asio::co_spawn(io, server.WaitForCode(deadline),
                 [&promise](std::exception_ptr e, absl::StatusOr<std::string> result) {
                   if (e) {
                     promise.set_exception(e);
                   } else {
                     promise.set_value(std::move(result));
                   }
                 });
}

TEST(CallbackServerAwaitTest, ServesOnTheCallersExecutorAndWaitGetsTheCode) {
  IoThread io_thread;
  auto server = CallbackServer::Start(io_thread.io().get_executor(), Opts());
  ASSERT_THAT(server, IsOk());
  CodePromise promise;
  auto result = promise.get_future();
  SpawnWait(io_thread.io(), **server, std::chrono::steady_clock::now() + kLimit, promise);
  EXPECT_EQ(
      Request((*server)->port(), CallbackTarget(std::string("code=xyz&state=") + kState)).status,
      302);
  ASSERT_EQ(result.wait_for(kLimit), std::future_status::ready);
  EXPECT_EQ(result.get().value_or("?"), "xyz");
}

TEST(CallbackServerAwaitTest, WaitOnAnotherExecutorIsWokenByCancel) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  IoThread io_thread;
  CodePromise promise;
  auto result = promise.get_future();
  SpawnWait(io_thread.io(), *server, std::chrono::steady_clock::now() + kLimit, promise);
  // Queued behind the wait's start on the same single thread, so the wait is registered first.
  std::promise<void> cancelled;
  asio::post(io_thread.io(), [&server, &cancelled] {
    server->Cancel();
    cancelled.set_value();
  });
  ASSERT_EQ(result.wait_for(kLimit), std::future_status::ready);
  EXPECT_THAT(result.get(), StatusIs(absl::StatusCode::kCancelled));
  cancelled.get_future().wait();
}

TEST(CallbackServerAwaitTest, WaitEndsAtItsDeadline) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  IoThread io_thread;
  CodePromise promise;
  auto result = promise.get_future();
  SpawnWait(io_thread.io(), *server,
            std::chrono::steady_clock::now() + std::chrono::milliseconds(20), promise);
  ASSERT_EQ(result.wait_for(kLimit), std::future_status::ready);
  EXPECT_THAT(result.get(), StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST(CallbackServerAwaitTest, WaitAfterTheDecisionReturnsAtOnce) {
  auto server = StartOwn();
  ASSERT_NE(server, nullptr);
  Request(server->port(), CallbackTarget(std::string("code=early&state=") + kState));
  IoThread io_thread;
  CodePromise promise;
  auto result = promise.get_future();
  SpawnWait(io_thread.io(), *server, std::chrono::steady_clock::now() + kLimit, promise);
  ASSERT_EQ(result.wait_for(kLimit), std::future_status::ready);
  EXPECT_EQ(result.get().value_or("?"), "early");
}

}  // namespace
}  // namespace maxpool::credentials
