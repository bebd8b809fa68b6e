#include "cluster/redis_state_store.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/quota_freshness.h"

namespace maxpool::cluster {
namespace {

// KEYS: accounts, accounts:at, sessions, sessions:used, breaker, breaker:at.
// ARGV: the number of accounts, then (field, learned at, memory) for each; the same for the
// sessions (key, used at, home), then for the breaker (0 or 1 entry); then the time before which
// a session is idle. A field is written only when it is at least as new as the one stored.
const redis::RedisScript& MergeScript() {
  static const redis::RedisScript script(R"lua(
local i = 1
local function merge(values, stamp_of, set_stamp)
  local n = tonumber(ARGV[i]); i = i + 1
  for _ = 1, n do
    local field, at, value = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
    if at >= tonumber(stamp_of(field) or '-1') then
      redis.call('HSET', values, field, value)
      set_stamp(field, at)
    end
    i = i + 3
  end
end
local function hash_stamps(key)
  return function(field) return redis.call('HGET', key, field) end,
         function(field, at) redis.call('HSET', key, field, at) end
end
local get, set = hash_stamps(KEYS[2])
merge(KEYS[1], get, set)
merge(KEYS[3], function(field) return redis.call('ZSCORE', KEYS[4], field) end,
      function(field, at) redis.call('ZADD', KEYS[4], at, field) end)
get, set = hash_stamps(KEYS[6])
merge(KEYS[5], get, set)
local idle = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[i], 'LIMIT', 0, 1000)
if #idle > 0 then
  redis.call('HDEL', KEYS[3], unpack(idle))
  redis.call('ZREM', KEYS[4], unpack(idle))
end
return 1
)lua");
  return script;
}

// KEYS: accounts, sessions, sessions:used, breaker. ARGV: the time after which a session counts,
// the most sessions to return. Returns {accounts (HGETALL), session homes (latest used first),
// the breaker or nil}.
const redis::RedisScript& ReadScript() {
  static const redis::RedisScript script(R"lua(
local accounts = redis.call('HGETALL', KEYS[1])
local keys = redis.call('ZREVRANGEBYSCORE', KEYS[3], '+inf', '(' .. ARGV[1], 'LIMIT', 0,
                        tonumber(ARGV[2]))
local sessions = {}
for first = 1, #keys, 1000 do
  local homes = redis.call('HMGET', KEYS[2], unpack(keys, first, math.min(first + 999, #keys)))
  for _, home in ipairs(homes) do sessions[#sessions + 1] = home end
end
return {accounts, sessions, redis.call('HGET', KEYS[4], 'open')}
)lua");
  return script;
}

// Adds one encoded memory's parts to `into`; counts it when it cannot be decoded.
void Take(const std::string& value, pool::PoolMemory& into, int* unreadable) {
  absl::StatusOr<pool::PoolMemory> one = pool::Decode(value);
  if (!one.ok()) {
    ++*unreadable;
    return;
  }
  into.saved_at = std::max(into.saved_at, one->saved_at);
  for (pool::AccountMemory& a : one->accounts) into.accounts.push_back(std::move(a));
  for (pool::SessionMemory& s : one->sessions) into.sessions.push_back(std::move(s));
  if (one->breaker) into.breaker = std::move(one->breaker);
}

std::string AccountField(const pool::AccountMemory& account) {
  return account.uuid.empty() ? absl::StrCat("name:", account.name) : account.uuid;
}

int64_t LearnedAtMs(const pool::AccountMemory& account) {
  absl::Time at = absl::UnixEpoch();
  if (std::optional<absl::Time> read = core::QuotaReadAt(account.quota)) at = std::max(at, *read);
  if (account.last_error_at) at = std::max(at, *account.last_error_at);
  return absl::ToUnixMillis(at);
}

}  // namespace

RedisStateStore::RedisStateStore(redis::RedisClient& client, std::string pool,
                                 absl::Duration session_idle)
    : client_(client), prefix_(absl::StrCat("{maxpool:", pool, "}")), session_idle_(session_idle) {}

absl::Status RedisStateStore::Save(const pool::PoolMemory& memory) {
  std::vector<std::string> args;
  auto add = [&](const std::string& field, absl::Time at, const pool::PoolMemory& one) {
    args.push_back(field);
    args.push_back(std::to_string(absl::ToUnixMillis(at)));
    args.push_back(pool::Encode(one));
  };
  args.push_back(std::to_string(memory.accounts.size()));
  for (const pool::AccountMemory& account : memory.accounts) {
    pool::PoolMemory one;
    one.saved_at = memory.saved_at;
    one.accounts.push_back(account);
    add(AccountField(account), absl::FromUnixMillis(LearnedAtMs(account)), one);
  }
  args.push_back(std::to_string(memory.sessions.size()));
  for (const pool::SessionMemory& session : memory.sessions) {
    pool::PoolMemory one;
    one.saved_at = memory.saved_at;
    one.sessions.push_back(session);
    add(session.key, session.last_used, one);
  }
  args.push_back(memory.breaker ? "1" : "0");
  if (memory.breaker) {
    pool::PoolMemory one;
    one.saved_at = memory.saved_at;
    one.breaker = memory.breaker;
    add("open", memory.breaker->opened_at, one);
  }
  args.push_back(std::to_string(absl::ToUnixMillis(memory.saved_at - session_idle_)));
  const absl::StatusOr<redis::RedisReply> reply =
      client_.Eval(MergeScript(),
                   {absl::StrCat(prefix_, ":accounts"), absl::StrCat(prefix_, ":accounts:at"),
                    absl::StrCat(prefix_, ":sessions"), absl::StrCat(prefix_, ":sessions:used"),
                    absl::StrCat(prefix_, ":breaker"), absl::StrCat(prefix_, ":breaker:at")},
                   args);
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) {
    return absl::InternalError(absl::StrCat("saving the pool's memory in ",
                                            client_.endpoint().Describe(), ": ", reply->text));
  }
  return absl::OkStatus();
}

absl::StatusOr<pool::PoolMemory> RedisStateStore::Read(absl::Time sessions_since, int* unreadable) {
  const absl::StatusOr<redis::RedisReply> reply = client_.Eval(
      ReadScript(),
      {absl::StrCat(prefix_, ":accounts"), absl::StrCat(prefix_, ":sessions"),
       absl::StrCat(prefix_, ":sessions:used"), absl::StrCat(prefix_, ":breaker")},
      {std::to_string(absl::ToUnixMillis(sessions_since)), std::to_string(kMaxSessionsRead)});
  if (!reply.ok()) return reply.status();
  if (reply->is_error() || reply->elements.size() != 3) {
    return absl::UnavailableError(
        absl::StrCat("reading ", prefix_, ": ", reply->is_error() ? reply->text : "no answer"));
  }
  pool::PoolMemory memory;
  for (const auto& [field, value] : redis::HashPairs(reply->elements[0])) {
    Take(value, memory, unreadable);
  }
  for (const redis::RedisReply& home : reply->elements[1].elements) {
    if (!home.is_nil()) Take(home.text, memory, unreadable);
  }
  if (!reply->elements[2].is_nil()) {
    pool::PoolMemory breaker;
    Take(reply->elements[2].text, breaker, unreadable);
    memory.breaker = std::move(breaker.breaker);
  }
  return memory;
}

absl::StatusOr<std::optional<pool::PoolMemory>> RedisStateStore::Load(std::string* warning) {
  int unreadable = 0;
  absl::StatusOr<pool::PoolMemory> memory = Read(absl::UnixEpoch(), &unreadable);
  if (!memory.ok()) {
    if (warning != nullptr) {
      *warning =
          absl::StrCat("the shared memory of the pool could not be read (",
                       memory.status().message(), "); starting from what this replica knows");
    }
    return std::nullopt;
  }
  if (unreadable > 0 && warning != nullptr) {
    *warning = absl::StrCat(unreadable, " entr", unreadable == 1 ? "y" : "ies", " of ", prefix_,
                            " could not be read and were left out");
  }
  if (memory->accounts.empty() && memory->sessions.empty() && !memory->breaker) {
    return std::nullopt;
  }
  return std::move(*memory);
}

absl::StatusOr<pool::PoolMemory> RedisStateStore::LoadFleet(absl::Time sessions_since) {
  int unreadable = 0;  // left out, as at start
  return Read(sessions_since, &unreadable);
}

}  // namespace maxpool::cluster
