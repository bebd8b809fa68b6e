#include "redis/redis_client.h"

#include <openssl/sha.h>
#include <openssl/ssl.h>

#include <array>
#include <exception>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/address.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/asio/ssl/host_name_verification.hpp"
#include "boost/asio/ssl/stream.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "net/tls_client_context.h"

namespace maxpool::redis {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string Sha1Hex(const std::string& text) {
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace

RedisScript::RedisScript(std::string text) : source(std::move(text)), sha1(Sha1Hex(source)) {}

// One live connection: its io_context (run only by the calling thread, within a command's
// timeout), the stream and the reply decoder.
struct RedisConnection {
  asio::io_context ioc{1};
  std::unique_ptr<asio::ssl::context> tls;
  asio::ssl::stream<tcp::socket> stream;
  RespDecoder decoder;
  bool ready = false;  // connected, authenticated and on its database

  explicit RedisConnection(std::unique_ptr<asio::ssl::context> context)
      : tls(std::move(context)), stream(ioc, *tls) {}
};

namespace {

// What one exchange on the connection ended with.
using Outcome = absl::StatusOr<RedisReply>;

// Sends one command and reads its reply.
asio::awaitable<Outcome> Exchange(RedisConnection& c, bool tls, std::vector<std::string> command) {
  const std::string request = EncodeCommand(command);
  if (tls) {
    co_await asio::async_write(c.stream, asio::buffer(request), asio::use_awaitable);
  } else {
    co_await asio::async_write(c.stream.next_layer(), asio::buffer(request), asio::use_awaitable);
  }
  std::array<char, 4096> buffer{};
  for (;;) {
    absl::StatusOr<std::optional<RedisReply>> next = c.decoder.Next();
    if (!next.ok()) co_return next.status();
    if (next->has_value()) co_return **next;
    const size_t n =
        tls ? co_await c.stream.async_read_some(asio::buffer(buffer), asio::use_awaitable)
            : co_await c.stream.next_layer().async_read_some(asio::buffer(buffer),
                                                             asio::use_awaitable);
    c.decoder.Feed(std::string_view(buffer.data(), n));
  }
}

// Connects, with TLS, AUTH and SELECT as the endpoint says.
asio::awaitable<absl::Status> Connect(RedisConnection& c, const RedisEndpoint& endpoint) {
  tcp::resolver resolver(c.ioc);
  const auto endpoints = co_await resolver.async_resolve(
      endpoint.host, std::to_string(endpoint.port), asio::use_awaitable);
  co_await asio::async_connect(c.stream.next_layer(), endpoints, asio::use_awaitable);
  c.stream.next_layer().set_option(tcp::no_delay(true));
  if (endpoint.tls) {
    // SNI for names only, never an IP literal (RFC 6066 §3).
    boost::system::error_code not_ip;
    asio::ip::make_address(endpoint.host, not_ip);
    if (not_ip) {
      SSL_ctrl(c.stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(endpoint.host.c_str()));
    }
    c.stream.set_verify_mode(asio::ssl::verify_peer);
    c.stream.set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
    co_await c.stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  }
  if (!endpoint.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!endpoint.username.empty()) auth.push_back(endpoint.username);
    auth.push_back(endpoint.password);
    const Outcome answer = co_await Exchange(c, endpoint.tls, std::move(auth));
    if (!answer.ok()) co_return answer.status();
    if (answer->is_error()) {
      co_return absl::PermissionDeniedError(
          absl::StrCat(endpoint.Describe(), " refused the credentials: ", answer->text));
    }
  }
  if (endpoint.db != 0) {
    std::vector<std::string> select = {"SELECT", std::to_string(endpoint.db)};
    const Outcome answer = co_await Exchange(c, endpoint.tls, std::move(select));
    if (!answer.ok()) co_return answer.status();
    if (answer->is_error()) {
      co_return absl::InvalidArgumentError(absl::StrCat(
          endpoint.Describe(), " cannot select database ", endpoint.db, ": ", answer->text));
    }
  }
  c.ready = true;
  co_return absl::OkStatus();
}

// Connects when needed, then sends `command`.
asio::awaitable<Outcome> ConnectAndSend(RedisConnection& c, const RedisEndpoint& endpoint,
                                        std::vector<std::string> command) {
  if (!c.ready) {
    const absl::Status connected = co_await Connect(c, endpoint);
    if (!connected.ok()) co_return connected;
  }
  co_return co_await Exchange(c, endpoint.tls, std::move(command));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisClient>> RedisClient::Create(RedisEndpoint endpoint,
                                                                 RedisClientOptions options) {
  if (endpoint.tls) {
    // Read the CA file now, so that a bad one fails the start, not the first command.
    absl::StatusOr<std::unique_ptr<asio::ssl::context>> tls =
        net::MakeTlsClientContext(options.ca_file);
    if (!tls.ok()) return tls.status();
  }
  return std::unique_ptr<RedisClient>(new RedisClient(std::move(endpoint), std::move(options)));
}

RedisClient::RedisClient(RedisEndpoint endpoint, RedisClientOptions options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)) {}

RedisClient::~RedisClient() = default;

absl::StatusOr<RedisReply> RedisClient::Command(const std::vector<std::string>& argv) {
  absl::MutexLock lock(&mu_);
  const bool reused = connection_ != nullptr && connection_->ready;
  absl::StatusOr<RedisReply> reply = SendOnce(argv);
  // A connection the server closed while it sat idle fails the first command sent on it; the
  // command goes once more on a new one (callers send only commands that are safe to repeat).
  if (reused && reply.status().code() == absl::StatusCode::kUnavailable) reply = SendOnce(argv);
  return reply;
}

absl::StatusOr<RedisReply> RedisClient::SendOnce(const std::vector<std::string>& argv) {
  const std::string where = endpoint_.Describe();
  if (connection_ == nullptr || !connection_->ready) {
    std::unique_ptr<asio::ssl::context> tls;
    if (endpoint_.tls) {
      absl::StatusOr<std::unique_ptr<asio::ssl::context>> made =
          net::MakeTlsClientContext(options_.ca_file);
      if (!made.ok()) return made.status();
      tls = *std::move(made);
    } else {
      tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    }
    connection_ = std::make_unique<RedisConnection>(std::move(tls));
  }
  RedisConnection& c = *connection_;

  std::optional<Outcome> result;
  c.ioc.restart();
  asio::co_spawn(
      c.ioc, ConnectAndSend(c, endpoint_, argv), [&](std::exception_ptr error, Outcome outcome) {
        if (error) {
          try {
            std::rethrow_exception(error);
          } catch (const boost::system::system_error& e) {
            result = absl::UnavailableError(absl::StrCat(where, ": ", e.code().message()));
          } catch (const std::exception& e) {
            result = absl::UnavailableError(absl::StrCat(where, ": ", e.what()));
          }
          return;
        }
        result = std::move(outcome);
      });
  c.ioc.run_for(options_.timeout);
  if (!result) {
    // No reply in time: close, let the cancelled operations finish, and drop the connection.
    boost::system::error_code ignored;
    c.stream.next_layer().close(ignored);
    c.ioc.run();
    connection_.reset();
    return absl::DeadlineExceededError(absl::StrCat(
        where, ": no reply within ", absl::FormatDuration(absl::FromChrono(options_.timeout))));
  }
  if (!result->ok()) {
    connection_.reset();  // the next command connects again
  }
  return *std::move(result);
}

absl::StatusOr<RedisReply> RedisClient::Eval(const RedisScript& script,
                                             const std::vector<std::string>& keys,
                                             const std::vector<std::string>& args) {
  auto call = [&](const std::string& verb, const std::string& what) {
    std::vector<std::string> argv = {verb, what, std::to_string(keys.size())};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return Command(argv);
  };
  absl::StatusOr<RedisReply> reply = call("EVALSHA", script.sha1);
  if (reply.ok() && reply->is_error() && absl::StartsWith(reply->text, "NOSCRIPT")) {
    reply = call("EVAL", script.source);
  }
  return reply;
}

}  // namespace maxpool::redis
