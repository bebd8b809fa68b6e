#include "cluster/redis_state_store.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/quota_freshness.h"

namespace maxpool::cluster {
namespace {

// KEYS: accounts, accounts:at, sessions, sessions:at.
// ARGV: the number of accounts, then (field, learned at, memory) for each; the number of sessions,
// then (key, used at, home) for each. A field is written only when it is at least as new as the
// one stored.
const redis::RedisScript& MergeScript() {
  static const redis::RedisScript script(R"lua(
local i = 1
local function merge(values, stamps)
  local n = tonumber(ARGV[i]); i = i + 1
  for _ = 1, n do
    local field, at, value = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
    local stored = tonumber(redis.call('HGET', stamps, field) or '-1')
    if at >= stored then
      redis.call('HSET', values, field, value)
      redis.call('HSET', stamps, field, at)
    end
    i = i + 3
  end
end
merge(KEYS[1], KEYS[2])
merge(KEYS[3], KEYS[4])
return 1
)lua");
  return script;
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

RedisStateStore::RedisStateStore(redis::RedisClient& client, std::string pool)
    : client_(client), prefix_(absl::StrCat("{maxpool:", pool, "}")) {}

absl::Status RedisStateStore::Save(const pool::PoolMemory& memory) {
  std::vector<std::string> args;
  args.push_back(std::to_string(memory.accounts.size()));
  for (const pool::AccountMemory& account : memory.accounts) {
    pool::PoolMemory one;
    one.saved_at = memory.saved_at;
    one.accounts.push_back(account);
    args.push_back(AccountField(account));
    args.push_back(std::to_string(LearnedAtMs(account)));
    args.push_back(pool::Encode(one));
  }
  args.push_back(std::to_string(memory.sessions.size()));
  for (const pool::SessionMemory& session : memory.sessions) {
    pool::PoolMemory one;
    one.saved_at = memory.saved_at;
    one.sessions.push_back(session);
    args.push_back(session.key);
    args.push_back(std::to_string(absl::ToUnixMillis(session.last_used)));
    args.push_back(pool::Encode(one));
  }
  const absl::StatusOr<redis::RedisReply> reply =
      client_.Eval(MergeScript(),
                   {absl::StrCat(prefix_, ":accounts"), absl::StrCat(prefix_, ":accounts:at"),
                    absl::StrCat(prefix_, ":sessions"), absl::StrCat(prefix_, ":sessions:at")},
                   args);
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) {
    return absl::InternalError(absl::StrCat("saving the pool's memory in ",
                                            client_.endpoint().Describe(), ": ", reply->text));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<pool::PoolMemory>> RedisStateStore::Load(std::string* warning) {
  pool::PoolMemory memory;
  int unreadable = 0;
  for (const bool accounts : {true, false}) {
    const absl::StatusOr<redis::RedisReply> reply =
        client_.Command({"HGETALL", absl::StrCat(prefix_, accounts ? ":accounts" : ":sessions")});
    if (!reply.ok() || reply->is_error()) {
      if (warning != nullptr) {
        *warning = absl::StrCat("the shared memory of the pool could not be read (",
                                reply.ok() ? reply->text : reply.status().message(),
                                "); starting from what this replica knows");
      }
      return std::nullopt;
    }
    for (const auto& [field, value] : redis::HashPairs(*reply)) {
      absl::StatusOr<pool::PoolMemory> one = pool::Decode(value);
      if (!one.ok()) {
        ++unreadable;
        continue;
      }
      memory.saved_at = std::max(memory.saved_at, one->saved_at);
      for (pool::AccountMemory& a : one->accounts) memory.accounts.push_back(std::move(a));
      for (pool::SessionMemory& s : one->sessions) memory.sessions.push_back(std::move(s));
    }
  }
  if (unreadable > 0 && warning != nullptr) {
    *warning = absl::StrCat(unreadable, " entr", unreadable == 1 ? "y" : "ies", " of ", prefix_,
                            " could not be read and were left out");
  }
  if (memory.accounts.empty() && memory.sessions.empty()) return std::nullopt;
  return memory;
}

absl::StatusOr<std::vector<pool::AccountMemory>> RedisStateStore::LoadAccounts() {
  const absl::StatusOr<redis::RedisReply> reply =
      client_.Command({"HGETALL", absl::StrCat(prefix_, ":accounts")});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) {
    return absl::UnavailableError(absl::StrCat("reading ", prefix_, ":accounts: ", reply->text));
  }
  std::vector<pool::AccountMemory> accounts;
  for (const auto& [field, value] : redis::HashPairs(*reply)) {
    absl::StatusOr<pool::PoolMemory> one = pool::Decode(value);
    if (!one.ok()) continue;  // unreadable: left out, as at start
    for (pool::AccountMemory& a : one->accounts) accounts.push_back(std::move(a));
  }
  return accounts;
}

}  // namespace maxpool::cluster
