#include "credentials/callback_server.h"

#include <exception>
#include <list>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/experimental/awaitable_operators.hpp"
#include "boost/asio/experimental/concurrent_channel.hpp"
#include "boost/asio/ip/address.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/empty_body.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"
#include "boost/beast/http/write.hpp"
#include "boost/url/parse.hpp"
#include "credentials/oauth_constants.h"
#include "credentials/same_secret.h"
#include "net/spawn_report.h"

namespace maxpool::credentials {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// A browser may open a connection speculatively and send nothing; it is closed after this.
constexpr std::chrono::seconds kReadTimeout{30};
constexpr std::chrono::seconds kWriteTimeout{10};
constexpr uint32_t kMaxRequestHeaderBytes = 16 * 1024;

// Wakes one waiting coroutine, from any thread.
using Signal = asio::experimental::concurrent_channel<void(error_code)>;

// `text` reduced to printable ASCII and at most 200 characters, for a status message.
std::string Printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (out.size() >= 200) {
      out += "...";
      break;
    }
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Page(const std::string& title, const std::string& text) {
  return absl::StrCat("<!doctype html><html><head><meta charset=\"utf-8\"><title>", title,
                      "</title></head><body><h1>", title, "</h1><p>", text, "</p></body></html>\n");
}

// What to answer one request, and what it decides (if anything).
struct Reply {
  http::status status = http::status::not_found;
  std::string body;
  std::string location;  // for a redirect
  std::optional<absl::StatusOr<std::string>> decision;
};

Reply Handle(http::verb method, std::string_view target, const std::string& expected_state,
             const std::string& success_url) {
  Reply reply;
  auto url = boost::urls::parse_origin_form(boost::core::string_view(target.data(), target.size()));
  if (!url) {
    reply.status = http::status::bad_request;
    reply.body = Page("Bad request", "The request target is not valid.");
    return reply;
  }
  if (url->encoded_path() != "/callback") {
    reply.body = Page("Not found", "Nothing here.");
    return reply;
  }
  if (method != http::verb::get) {
    reply.status = http::status::method_not_allowed;
    reply.body = Page("Method not allowed", "Use GET.");
    return reply;
  }
  std::optional<std::string> code, state, error, description;
  for (const auto& param : url->params()) {
    std::optional<std::string>* slot = param.key == "code"                ? &code
                                       : param.key == "state"             ? &state
                                       : param.key == "error"             ? &error
                                       : param.key == "error_description" ? &description
                                                                          : nullptr;
    if (slot != nullptr && !slot->has_value()) *slot = std::string(param.value);
  }
  reply.status = http::status::bad_request;
  if (error.has_value()) {
    std::string message = absl::StrCat("OAuth authorization failed: ", Printable(*error));
    if (description.has_value() && !description->empty()) {
      absl::StrAppend(&message, " (", Printable(*description), ")");
    }
    reply.body = Page("Authentication failed",
                      absl::StrCat("The sign-in was not completed: ", HtmlEscape(Printable(*error)),
                                   ". You can close this window and try again."));
    reply.decision = absl::PermissionDeniedError(message);
    return reply;
  }
  if (!code.has_value() || code->empty()) {
    reply.body = Page("Authentication failed", "Authorization code not found.");
    reply.decision = absl::InvalidArgumentError("the login callback carried no authorization code");
    return reply;
  }
  if (!state.has_value() || !SameSecret(*state, expected_state)) {
    reply.body = Page("Authentication failed", "Invalid state parameter.");
    reply.decision = absl::PermissionDeniedError(
        "the login callback's state does not match this login (a stale or forged redirect); "
        "log in again");
    return reply;
  }
  reply.status = http::status::found;
  reply.location = success_url;
  reply.body =
      Page("Signed in", absl::StrCat("Continue to <a href=\"", HtmlEscape(success_url),
                                     "\">the confirmation page</a>. You can close this window."));
  reply.decision = std::move(*code);
  return reply;
}

// The result and its waiters: shared with waiting coroutines on any executor, and with the I/O.
struct Decision {
  absl::Mutex mu;
  std::optional<absl::StatusOr<std::string>> result ABSL_GUARDED_BY(mu);
  std::vector<std::shared_ptr<Signal>> waiters ABSL_GUARDED_BY(mu);

  // Keeps `value` unless a result is already there; wakes every waiter.
  void Decide(absl::StatusOr<std::string> value) {
    std::vector<std::shared_ptr<Signal>> wake;
    {
      absl::MutexLock lock(&mu);
      if (result.has_value()) return;
      result = std::move(value);
      wake.swap(waiters);
    }
    // Outside the lock: a waiter may resume inline and take it.
    for (const auto& signal : wake) signal->try_send(error_code{});
  }

  static bool HasResult(Decision* decision) ABSL_EXCLUSIVE_LOCKS_REQUIRED(decision->mu) {
    return decision->result.has_value();
  }
};

}  // namespace

// The listener: touched only on `strand`.
struct CallbackServer::State {
  State(const asio::any_io_executor& executor, Options opts)
      : strand(asio::make_strand(executor)), acceptor(strand), options(std::move(opts)) {}

  // Closes the listener and every open connection.
  void Close() {
    closed = true;
    error_code ignored;
    acceptor.close(ignored);
    for (beast::tcp_stream* connection : connections) connection->socket().close(ignored);
  }

  asio::strand<asio::any_io_executor> strand;
  tcp::acceptor acceptor;
  std::list<beast::tcp_stream*> connections;
  bool closed = false;
  const Options options;
  const std::shared_ptr<Decision> decision = std::make_shared<Decision>();
};

namespace {

// Removes a connection from the open list when its coroutine ends.
class ConnectionEntry {
 public:
  ConnectionEntry(CallbackServer::State& state, beast::tcp_stream* stream)
      : state_(state), it_(state.connections.insert(state.connections.end(), stream)) {}
  ~ConnectionEntry() { state_.connections.erase(it_); }
  ConnectionEntry(const ConnectionEntry&) = delete;
  ConnectionEntry& operator=(const ConnectionEntry&) = delete;

 private:
  CallbackServer::State& state_;
  std::list<beast::tcp_stream*>::iterator it_;
};

// One connection, one request (Connection: close).
asio::awaitable<void> Serve(std::shared_ptr<CallbackServer::State> state, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  if (state->closed) co_return;
  ConnectionEntry entry(*state, &stream);

  beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(kMaxRequestHeaderBytes);
  stream.expires_after(kReadTimeout);
  auto [rec, read] = co_await http::async_read(stream, buffer, parser, kTuple);
  Reply reply;
  if (rec) {
    // Timeouts, resets and a client that went away get no answer; garbage gets a 400.
    if (rec.category() != http::make_error_code(http::error::bad_target).category()) co_return;
    reply.status = http::status::bad_request;
    reply.body = Page("Bad request", "The request could not be parsed.");
  } else {
    const auto& request = parser.get();
    const std::string_view target(request.target().data(), request.target().size());
    reply =
        Handle(request.method(), target, state->options.expected_state, state->options.success_url);
  }

  http::response<http::string_body> response(reply.status, 11);
  response.set(http::field::content_type, "text/html; charset=utf-8");
  response.set(http::field::cache_control, "no-store");
  response.set(http::field::connection, "close");
  if (!reply.location.empty()) response.set(http::field::location, reply.location);
  if (reply.status == http::status::method_not_allowed) response.set(http::field::allow, "GET");
  response.body() = std::move(reply.body);
  response.prepare_payload();
  stream.expires_after(kWriteTimeout);
  auto [wec, written] = co_await http::async_write(stream, response, kTuple);
  // Decided after the answer is on its way: a caller that stops the server as soon as it has
  // the code does not cut the browser's redirect.
  if (reply.decision.has_value()) state->decision->Decide(*std::move(reply.decision));
  if (!wec) {
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
}

asio::awaitable<void> AcceptLoop(std::shared_ptr<CallbackServer::State> state) {
  asio::steady_timer backoff(state->strand);
  for (;;) {
    auto [ec, socket] = co_await state->acceptor.async_accept(kTuple);
    if (ec == asio::error::operation_aborted || state->closed || !state->acceptor.is_open()) {
      co_return;
    }
    if (ec) {  // e.g. EMFILE: back off instead of spinning
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kTuple);
      continue;
    }
    asio::co_spawn(state->strand, Serve(state, std::move(socket)),
                   net::ReportFailure("a login callback connection"));
  }
}

// Waits for `decision` on the awaiting coroutine's executor.
asio::awaitable<absl::StatusOr<std::string>> AwaitDecision(
    std::shared_ptr<Decision> decision, std::chrono::steady_clock::time_point deadline) {
  const auto executor = co_await asio::this_coro::executor;
  auto signal = std::make_shared<Signal>(executor, 1);
  std::optional<absl::StatusOr<std::string>> early;
  {
    absl::MutexLock lock(&decision->mu);
    if (decision->result.has_value()) {
      early = *decision->result;
    } else {
      decision->waiters.push_back(signal);
    }
  }
  if (early.has_value()) co_return *std::move(early);

  asio::steady_timer timer(executor, deadline);
  auto receive = signal->async_receive(kTuple);
  auto wait = timer.async_wait(kTuple);
  auto race = std::move(receive) || std::move(wait);
  auto raced = co_await std::move(race);

  std::optional<absl::StatusOr<std::string>> result;
  {
    absl::MutexLock lock(&decision->mu);
    std::erase(decision->waiters, signal);
    result = decision->result;
  }
  if (result.has_value()) co_return *std::move(result);
  if (raced.index() == 1 && !std::get<0>(std::get<1>(raced))) {
    co_return absl::DeadlineExceededError("no login callback arrived before the deadline");
  }
  co_return absl::CancelledError("the wait for the login callback was cancelled");
}

}  // namespace

CallbackServer::CallbackServer(std::shared_ptr<State> state, uint16_t port)
    : state_(std::move(state)), port_(port) {}

absl::StatusOr<std::unique_ptr<CallbackServer>> CallbackServer::Listen(
    asio::any_io_executor executor, Options options) {
  if (options.expected_state.empty()) {
    return absl::InvalidArgumentError("the login callback server needs the expected state");
  }
  if (options.success_url.empty()) options.success_url = std::string(kOAuthSuccessPageUrl);
  if (options.success_url.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
    return absl::InvalidArgumentError("the success URL contains a line break");
  }
  const uint16_t wanted = options.port;
  auto state = std::make_shared<State>(executor, std::move(options));
  const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), wanted);
  error_code ec;
  state->acceptor.open(endpoint.protocol(), ec);
  if (!ec) state->acceptor.bind(endpoint, ec);
  if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen on 127.0.0.1:", wanted,
                                               " for the login callback: ", ec.message()));
  }
  const uint16_t port = state->acceptor.local_endpoint(ec).port();
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot read the login callback port: ", ec.message()));
  }
  asio::co_spawn(state->strand, AcceptLoop(state),
                 net::ReportFailure("the login callback listener"));
  return std::unique_ptr<CallbackServer>(new CallbackServer(std::move(state), port));
}

absl::StatusOr<std::unique_ptr<CallbackServer>> CallbackServer::Start(
    asio::any_io_executor executor, Options options) {
  return Listen(std::move(executor), std::move(options));
}

absl::StatusOr<std::unique_ptr<CallbackServer>> CallbackServer::StartOnOwnThread(Options options) {
  auto io = std::make_unique<asio::io_context>(1);
  absl::StatusOr<std::unique_ptr<CallbackServer>> server =
      Listen(io->get_executor(), std::move(options));
  if (!server.ok()) return server.status();
  asio::io_context* raw = io.get();
  (*server)->own_io_ = std::move(io);
  // Runs until Stop() has closed the listener and every connection has ended.
  (*server)->own_thread_ = std::thread([raw] { raw->run(); });
  return server;
}

CallbackServer::~CallbackServer() { Stop(); }

std::string CallbackServer::redirect_uri() const {
  return absl::StrCat("http://localhost:", port_, "/callback");
}

asio::awaitable<absl::StatusOr<std::string>> CallbackServer::WaitForCode(
    std::chrono::steady_clock::time_point deadline) {
  return AwaitDecision(state_->decision, deadline);
}

absl::StatusOr<std::string> CallbackServer::WaitForCodeBlocking(
    std::chrono::steady_clock::duration timeout) {
  Decision& decision = *state_->decision;
  absl::MutexLock lock(&decision.mu);
  if (!decision.mu.AwaitWithTimeout(absl::Condition(&Decision::HasResult, &decision),
                                    absl::FromChrono(timeout))) {
    return absl::DeadlineExceededError("no login callback arrived before the deadline");
  }
  return *decision.result;
}

void CallbackServer::Cancel() {
  state_->decision->Decide(absl::CancelledError("the wait for the login callback was cancelled"));
}

void CallbackServer::Stop() {
  std::call_once(stop_once_, [this] {
    state_->decision->Decide(absl::CancelledError("the login callback server was stopped"));
    asio::post(state_->strand, [state = state_] { state->Close(); });
    if (own_thread_.joinable()) own_thread_.join();
  });
}

}  // namespace maxpool::credentials
