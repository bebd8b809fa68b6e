#include "cluster/redis_refresh_lock.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/json/parse.hpp"
#include "boost/json/serialize.hpp"
#include "boost/json/value.hpp"
#include "core/absl_view.h"

namespace maxpool::cluster {
namespace asio = boost::asio;
namespace {

// KEYS: turn, fences, tokens. ARGV: account, replica id, ttl ms.
// Returns {taken 0|1, stored pair or nil, fence}.
const redis::RedisScript& TakeScript() {
  static const redis::RedisScript script(R"lua(
local stored = redis.call('HGET', KEYS[3], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, stored, 0} end
local fence = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('SET', KEYS[1], ARGV[2] .. '/' .. fence, 'PX', ARGV[3])
return {1, stored, fence}
)lua");
  return script;
}

// KEYS: turn, tokens. ARGV: account, owner ("<replica>/<fence>"), fence, pair JSON or "".
// The pair is written unless a newer fence's is stored; the turn is freed only by its owner.
const redis::RedisScript& PublishScript() {
  static const redis::RedisScript script(R"lua(
local written = 0
if ARGV[4] ~= '' then
  local stored = redis.call('HGET', KEYS[2], ARGV[1])
  local newer = false
  if stored then
    local ok, pair = pcall(cjson.decode, stored)
    if ok and type(pair) == 'table' and tonumber(pair.fence or 0) > tonumber(ARGV[3]) then
      newer = true
    end
  end
  if not newer then
    redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
    written = 1
  end
end
if redis.call('GET', KEYS[1]) == ARGV[2] then redis.call('DEL', KEYS[1]) end
return written
)lua");
  return script;
}

std::string PairJson(const credentials::TokenSet& tokens, uint64_t fence) {
  boost::json::object o;
  o["access_token"] = tokens.access_token;
  o["refresh_token"] = tokens.refresh_token;
  o["expires_at_ms"] = tokens.expires_at_ms;
  o["fence"] = fence;
  return boost::json::serialize(o);
}

// A stored pair; nullopt for anything that is not one (never an error: it is replaced by the
// next publish).
std::optional<credentials::TokenSet> ParsePair(const redis::RedisReply& reply) {
  if (reply.kind != redis::RedisReply::Kind::kString) return std::nullopt;
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(reply.text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const boost::json::object& o = v.as_object();
  const auto* access = o.if_contains("access_token");
  const auto* refresh = o.if_contains("refresh_token");
  const auto* expires = o.if_contains("expires_at_ms");
  if (access == nullptr || !access->is_string() || refresh == nullptr || !refresh->is_string() ||
      expires == nullptr || !expires->is_number()) {
    return std::nullopt;
  }
  credentials::TokenSet tokens;
  tokens.access_token = std::string(access->as_string());
  tokens.refresh_token = std::string(refresh->as_string());
  tokens.expires_at_ms = expires->to_number<int64_t>(ec);
  if (ec || tokens.access_token.empty() || tokens.refresh_token.empty()) return std::nullopt;
  return tokens;
}

credentials::RefreshTurn Unavailable(std::string reason) {
  credentials::RefreshTurn turn;
  turn.kind = credentials::RefreshTurn::Kind::kUnavailable;
  turn.reason = std::move(reason);
  return turn;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisRefreshLock>> RedisRefreshLock::Create(
    const redis::RedisEndpoint& endpoint, const redis::RedisClientOptions& client_options,
    std::string prefix, RefreshLockOptions options) {
  auto client = redis::RedisClient::Create(endpoint, client_options);
  if (!client.ok()) return client.status();
  return std::unique_ptr<RedisRefreshLock>(
      new RedisRefreshLock(*std::move(client), std::move(prefix), std::move(options)));
}

RedisRefreshLock::RedisRefreshLock(std::unique_ptr<redis::RedisClient> client, std::string prefix,
                                   RefreshLockOptions options)
    : client_(std::move(client)), prefix_(std::move(prefix)), options_(std::move(options)) {}

RedisRefreshLock::~RedisRefreshLock() { thread_.join(); }

std::string RedisRefreshLock::Owner(uint64_t fence) const {
  return absl::StrCat(options_.replica_id, "/", fence);
}

asio::awaitable<RedisRefreshLock::Attempt> RedisRefreshLock::TryTake(std::string account) {
  Attempt out;
  auto reply = client_->Eval(
      TakeScript(),
      {absl::StrCat(prefix_, ":refresh:", account), absl::StrCat(prefix_, ":fences"),
       absl::StrCat(prefix_, ":tokens")},
      {account, options_.replica_id, absl::StrCat(absl::ToInt64Milliseconds(options_.turn_ttl))});
  if (!reply.ok()) {
    out.status = reply.status();
  } else if (reply->is_error() || reply->elements.size() != 3) {
    out.status = absl::UnavailableError(absl::StrCat("Redis refused the script: ", reply->text));
  } else {
    out.taken = reply->elements[0].integer == 1;
    out.stored = ParsePair(reply->elements[1]);
    out.fence = static_cast<uint64_t>(reply->elements[2].integer);
  }
  co_return out;
}

asio::awaitable<absl::Status> RedisRefreshLock::Publish(
    std::string account, uint64_t fence, std::optional<credentials::TokenSet> rotated) {
  auto reply = client_->Eval(
      PublishScript(),
      {absl::StrCat(prefix_, ":refresh:", account), absl::StrCat(prefix_, ":tokens")},
      {account, Owner(fence), absl::StrCat(fence), rotated ? PairJson(*rotated, fence) : ""});
  if (!reply.ok()) co_return reply.status();
  if (reply->is_error()) {
    co_return absl::UnavailableError(absl::StrCat("Redis refused the script: ", reply->text));
  }
  co_return absl::OkStatus();
}

asio::awaitable<credentials::RefreshTurn> RedisRefreshLock::TakeTurn(std::string account,
                                                                     credentials::TokenSet held,
                                                                     absl::Time usable_until) {
  const absl::Time give_up = absl::Now() + options_.max_wait;
  asio::steady_timer pause(co_await asio::this_coro::executor);
  while (true) {
    const Attempt attempt =
        co_await asio::co_spawn(thread_.get_executor(), TryTake(account), asio::use_awaitable);
    if (!attempt.status.ok()) {
      LogLine(options_.log,
              absl::StrCat("warning: cluster: the refresh of account \"", account,
                           "\" waits: Redis is out of reach (", attempt.status.message(),
                           "), and no replica refreshes a token it cannot take the turn for"));
      co_return Unavailable(absl::StrCat("Redis is out of reach (", attempt.status.message(),
                                         "): no refresh without the fleet's turn"));
    }
    const std::optional<credentials::TokenSet>& stored = attempt.stored;
    const bool newer = stored && stored->refresh_token != held.refresh_token &&
                       stored->expires_at_ms > held.expires_at_ms;
    const bool usable = newer && (stored->expires_at_ms == 0 ||
                                  absl::FromUnixMillis(stored->expires_at_ms) > usable_until);
    if (attempt.taken) {
      if (usable) {  // rotated by another replica since this one last looked
        (void)co_await asio::co_spawn(thread_.get_executor(),
                                      Publish(account, attempt.fence, std::nullopt),
                                      asio::use_awaitable);
        credentials::RefreshTurn turn;
        turn.kind = credentials::RefreshTurn::Kind::kRotatedElsewhere;
        turn.tokens = stored;
        co_return turn;
      }
      credentials::RefreshTurn turn;
      turn.kind = credentials::RefreshTurn::Kind::kMine;
      turn.fence = attempt.fence;
      if (newer) turn.send_refresh_token = stored->refresh_token;
      co_return turn;
    }
    if (usable) {
      credentials::RefreshTurn turn;
      turn.kind = credentials::RefreshTurn::Kind::kRotatedElsewhere;
      turn.tokens = stored;
      co_return turn;
    }
    if (absl::Now() >= give_up) {
      co_return Unavailable(absl::StrCat(
          "another replica has held the refresh of account \"", account, "\" for over ",
          absl::FormatDuration(options_.max_wait), " without publishing a new pair"));
    }
    pause.expires_after(absl::ToChronoMilliseconds(options_.poll));
    co_await pause.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<absl::Status> RedisRefreshLock::FinishTurn(
    std::string account, uint64_t fence, std::optional<credentials::TokenSet> rotated) {
  absl::Status status = co_await asio::co_spawn(
      thread_.get_executor(), Publish(account, fence, std::move(rotated)), asio::use_awaitable);
  if (!status.ok()) {
    LogLine(options_.log,
            absl::StrCat("warning: cluster: the new tokens of account \"", account,
                         "\" could not be published to Redis (", status.message(), ")"));
  }
  co_return status;
}

absl::StatusOr<std::optional<credentials::TokenSet>> RedisRefreshLock::Published(
    const std::string& account) {
  auto reply = client_->Command({"HGET", absl::StrCat(prefix_, ":tokens"), account});
  if (!reply.ok()) return reply.status();
  return ParsePair(*reply);
}

}  // namespace maxpool::cluster
