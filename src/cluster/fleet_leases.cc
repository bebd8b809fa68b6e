#include "cluster/fleet_leases.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "core/absl_view.h"

namespace maxpool::cluster {
namespace asio = boost::asio;
namespace {

// The fields of one replica's load on one account (LoadFields()).
constexpr int kLoadFields = 9;

// Redis's clock in Unix ms, inside a script (Redis 7 replicates scripts by their effects, so
// TIME is allowed before writes).
constexpr char kNowMs[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
)lua";

// KEYS: the account's leases. ARGV: member, ttl ms, cap. Returns {granted 0|1, leases now}.
const redis::RedisScript& ClaimScript() {
  static const redis::RedisScript script(absl::StrCat(kNowMs, R"lua(
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[3]) then return {0, n} end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl * 2)
return {1, n + 1}
)lua"));
  return script;
}

// KEYS: replicas, then each account's leases. ARGV: replica id, ttl ms, then per account the
// number of this replica's leases and the leases. Renews them and the heartbeat, drops what
// expired. Returns {{replicas alive}, whether this replica was known (1|0), leases of account 1,
// …}.
const redis::RedisScript& SyncScript() {
  static const redis::RedisScript script(absl::StrCat(kNowMs, R"lua(
local ttl = tonumber(ARGV[2])
local known = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ttl * 2)
local out = {redis.call('ZRANGE', KEYS[1], 0, -1), known and 1 or 0}
local a = 3
for k = 2, #KEYS do
  local n = tonumber(ARGV[a]); a = a + 1
  for _ = 1, n do
    redis.call('ZADD', KEYS[k], now + ttl, ARGV[a]); a = a + 1
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', now)
  if n > 0 then redis.call('PEXPIRE', KEYS[k], ttl * 2) end
  out[#out + 1] = redis.call('ZCARD', KEYS[k])
end
return out
)lua"));
  return script;
}

// KEYS: the load hash ("<account>\t<replica>" -> "<numbers>:<expiry ms>"). ARGV: replica id,
// ttl ms, then (account, this replica's load on it) pairs, the load being kLoadFields numbers
// joined by commas. Writes this replica's, drops the expired, and returns the other replicas'
// load per account, in order, each summed field by field.
const redis::RedisScript& LoadScript() {
  static const redis::RedisScript script(absl::StrCat(kNowMs, R"lua(
local me = ARGV[1]
local ttl = tonumber(ARGV[2])
local others = {}
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i] .. '\t' .. me, ARGV[i + 1] .. ':' .. (now + ttl))
  others[ARGV[i]] = {}
end
redis.call('PEXPIRE', KEYS[1], ttl * 2)
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local field, value = all[i], all[i + 1]
  local tab = string.find(field, '\t', 1, true)
  local colon = string.find(value, ':', 1, true)
  local expiry = colon and tonumber(string.sub(value, colon + 1))
  if not tab or expiry == nil or expiry <= now then
    redis.call('HDEL', KEYS[1], field)
  else
    local account, replica = string.sub(field, 1, tab - 1), string.sub(field, tab + 1)
    local sums = others[account]
    if replica ~= me and sums ~= nil then
      local k = 1
      for number in string.gmatch(string.sub(value, 1, colon - 1), '[^,]+') do
        sums[k] = (sums[k] or 0) + (tonumber(number) or 0)
        k = k + 1
      end
    end
  end
end
local out = {}
for i = 3, #ARGV, 2 do
  local sums, row = others[ARGV[i]], {}
  for k = 1, )lua",
                                                      kLoadFields,
                                                      R"lua( do row[k] = sums[k] or 0 end
  out[#out + 1] = row
end
return out
)lua"));
  return script;
}

// A replica's load on one account as the load hash keeps it: the spread weight, then requests,
// failed, weight and total duration (ms) in the last 15 minutes, then the same for the hour.
std::string LoadFields(const pool::FleetLoad& load) {
  auto window = [](const core::LoadSummary& s) {
    return absl::StrCat(s.requests, ",", s.failed, ",", s.weight, ",",
                        s.avg_ms.value_or(0) * s.requests);
  };
  return absl::StrCat(load.spread_weight, ",", window(load.last_15m), ",", window(load.last_1h));
}

pool::FleetLoad LoadOf(const redis::RedisReply& row) {
  auto at = [&](size_t k) { return k < row.elements.size() ? row.elements[k].integer : 0; };
  auto window = [&](size_t first) {
    core::LoadSummary s;
    s.requests = static_cast<int>(at(first));
    s.failed = static_cast<int>(at(first + 1));
    s.weight = at(first + 2);
    if (s.requests > 0) s.avg_ms = at(first + 3) / s.requests;
    return s;
  };
  return pool::FleetLoad{at(0), window(1), window(5)};
}

// KEYS: accounts' leases. ARGV: per key, the number of members to remove and the members.
const redis::RedisScript& ReturnScript() {
  static const redis::RedisScript script(R"lua(
local a = 1
for k = 1, #KEYS do
  local n = tonumber(ARGV[a]); a = a + 1
  for _ = 1, n do
    redis.call('ZREM', KEYS[k], ARGV[a]); a = a + 1
  end
end
return 1
)lua");
  return script;
}

absl::Status ReplyError(const redis::RedisReply& reply) {
  return absl::UnavailableError(absl::StrCat("Redis refused the script: ", reply.text));
}

}  // namespace

absl::StatusOr<std::unique_ptr<FleetLeases>> FleetLeases::Create(
    const redis::RedisEndpoint& endpoint, const redis::RedisClientOptions& client_options,
    std::string prefix, pool::Pool& pool, FleetOptions options) {
  std::vector<std::unique_ptr<redis::RedisClient>> claim_clients;
  const int connections = std::max(1, options.claim_connections);
  for (int i = 0; i < connections; ++i) {
    auto client = redis::RedisClient::Create(endpoint, client_options);
    if (!client.ok()) return client.status();
    claim_clients.push_back(*std::move(client));
  }
  auto sync_client = redis::RedisClient::Create(endpoint, client_options);
  if (!sync_client.ok()) return sync_client.status();
  return std::unique_ptr<FleetLeases>(new FleetLeases(std::move(claim_clients),
                                                      *std::move(sync_client), std::move(prefix),
                                                      pool, std::move(options)));
}

FleetLeases::FleetLeases(std::vector<std::unique_ptr<redis::RedisClient>> claim_clients,
                         std::unique_ptr<redis::RedisClient> sync_client, std::string prefix,
                         pool::Pool& pool, FleetOptions options)
    : pool_(pool),
      prefix_(std::move(prefix)),
      options_(std::move(options)),
      claim_clients_(std::move(claim_clients)),
      sync_client_(std::move(sync_client)),
      claim_threads_(claim_clients_.size()) {
  view_.replica_id = options_.replica_id;
  view_.replicas = {options_.replica_id};
}

FleetLeases::~FleetLeases() { Stop(); }

std::string FleetLeases::LeasesKey(std::string_view account) const {
  return absl::StrCat(prefix_, ":leases:", core::AbslView(account));
}

void FleetLeases::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_ || stop_) return;
    started_ = true;
  }
  (void)SyncNow();  // a failure is degraded mode, already logged and shown
  sync_thread_ = std::thread([this] { SyncLoop(); });
}

void FleetLeases::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (sync_thread_.joinable()) sync_thread_.join();
  if (!stopped_.exchange(true)) claim_threads_.join();
}

asio::awaitable<FleetLeases::ClaimReply> FleetLeases::RunClaim(std::string account,
                                                               std::string member) {
  ClaimReply out;
  redis::RedisClient& client =
      *claim_clients_[next_client_.fetch_add(1, std::memory_order_relaxed) % claim_clients_.size()];
  const int64_t ttl_ms = absl::ToInt64Milliseconds(options_.lease_ttl);
  auto reply = client.Eval(
      ClaimScript(), {LeasesKey(account)},
      {std::move(member), absl::StrCat(ttl_ms), absl::StrCat(pool_.MaxActivePerAccount())});
  if (!reply.ok()) {
    out.status = reply.status();
  } else if (reply->is_error() || reply->elements.size() != 2) {
    out.status = ReplyError(*reply);
  } else {
    out.granted = reply->elements[0].integer == 1;
    out.total = static_cast<int>(reply->elements[1].integer);
  }
  co_return out;
}

asio::awaitable<pool::FleetClaim> FleetLeases::Claim(core::Lease lease) {
  std::string member = absl::StrCat(options_.replica_id, "/", lease.id);
  {
    absl::MutexLock lock(&mu_);
    held_[lease.id] = Held{lease.account_name, member, false, false};
  }
  if (!connected_.load() || stopped_.load()) co_return ClaimAlone(lease);
  const ClaimReply reply = co_await asio::co_spawn(
      claim_threads_.get_executor(), RunClaim(lease.account_name, member), asio::use_awaitable);
  if (!reply.status.ok()) {
    Disconnected(reply.status);
    co_return ClaimAlone(lease);
  }
  int others = 0;
  {
    absl::MutexLock lock(&mu_);
    const auto it = held_.find(lease.id);
    if (reply.granted) {
      ++view_.claims;
      if (it != held_.end()) {
        it->second.in_store = true;
      } else {  // returned while the claim ran
        returned_.emplace_back(lease.account_name, std::move(member));
      }
    } else {
      ++view_.refusals;
      if (it != held_.end()) held_.erase(it);
    }
    others = reply.total - OwnInStore(lease.account_name);
    view_.in_flight[lease.account_name] = reply.total;
  }
  pool_.SetFleetInFlightOf(lease.account_name, others);
  co_return pool::FleetClaim{reply.granted, false};
}

pool::FleetClaim FleetLeases::ClaimAlone(const core::Lease& lease) {
  ApplyShares();
  int replicas = 1;
  {
    absl::MutexLock lock(&mu_);
    replicas = std::max(1, view_.replicas_alive);
  }
  const int share = std::max(1, pool_.MaxActivePerAccount() / replicas);
  // The pool's count includes this lease.
  const bool granted = pool_.InFlightOf(lease.account_name) <= share;
  absl::MutexLock lock(&mu_);
  const auto it = held_.find(lease.id);
  if (granted) {
    ++view_.local_claims;
    if (it != held_.end()) it->second.local_only = true;
  } else {
    ++view_.refusals;
    if (it != held_.end()) held_.erase(it);
  }
  return pool::FleetClaim{granted, true};
}

void FleetLeases::Return(const core::Lease& lease) {
  absl::MutexLock lock(&mu_);
  const auto it = held_.find(lease.id);
  if (it == held_.end()) return;
  // A lease in Redis is removed by the sync thread. One still being claimed is removed when its
  // claim comes back (Claim() finds it gone).
  if (it->second.in_store) returned_.emplace_back(it->second.account, std::move(it->second.member));
  held_.erase(it);
}

int FleetLeases::OwnInStore(std::string_view account) const {
  int n = 0;
  for (const auto& [id, held] : held_) {
    if (held.in_store && held.account == account) ++n;
  }
  return n;
}

void FleetLeases::Disconnected(const absl::Status& status) {
  const bool was_connected = connected_.exchange(false);
  {
    absl::MutexLock lock(&mu_);
    view_.connected = false;
    view_.last_error = std::string(status.message());
    if (!view_.degraded_since) view_.degraded_since = absl::Now();
  }
  if (was_connected) {
    LogLine(options_.log,
            absl::StrCat("warning: cluster: Redis is out of reach (", status.message(),
                         "); serving alone, within this replica's share of each account's "
                         "in-flight cap, until it "
                         "answers again"));
  }
  ApplyShares();
}

void FleetLeases::ApplyShares() {
  int replicas = 1;
  {
    absl::MutexLock lock(&mu_);
    replicas = std::max(1, view_.replicas_alive);
  }
  const int cap = pool_.MaxActivePerAccount();
  const int share = std::max(1, cap / replicas);
  absl::flat_hash_map<std::string, int> others;
  for (std::string& name : pool_.AccountNames()) others[std::move(name)] = cap - share;
  pool_.SetFleetInFlight(others);
}

absl::Status FleetLeases::SyncNow() {
  const std::vector<std::string> accounts = pool_.AccountNames();
  std::vector<std::pair<std::string, std::string>> returned;
  absl::flat_hash_map<std::string, std::vector<std::string>> own;
  std::vector<uint64_t> local_ids;
  {
    // The returned leases and the live ones in one look: a lease returned after it is removed
    // after this sync, so the sync never writes a returned lease back.
    absl::MutexLock lock(&mu_);
    returned.swap(returned_);
    for (const auto& [id, held] : held_) {
      if (!held.in_store && !held.local_only) continue;  // its claim is still on its way
      own[held.account].push_back(held.member);
      if (held.local_only) local_ids.push_back(id);
    }
  }
  if (!returned.empty()) RemoveReturned(returned);
  std::vector<std::string> keys{absl::StrCat(prefix_, ":replicas")};
  std::vector<std::string> args{options_.replica_id,
                                absl::StrCat(absl::ToInt64Milliseconds(options_.lease_ttl))};
  for (const std::string& account : accounts) {
    keys.push_back(LeasesKey(account));
    const std::vector<std::string>& members = own[account];
    args.push_back(absl::StrCat(members.size()));
    args.insert(args.end(), members.begin(), members.end());
  }
  auto reply = sync_client_->Eval(SyncScript(), keys, args);
  absl::Status status = reply.ok() ? absl::OkStatus() : reply.status();
  if (status.ok() && (reply->is_error() || reply->elements.size() != accounts.size() + 2)) {
    status = ReplyError(*reply);
  }
  if (!status.ok()) {
    Disconnected(status);
    return status;
  }
  absl::flat_hash_map<std::string, int> others;
  bool resynced = false;
  bool forgotten = false;
  {
    absl::MutexLock lock(&mu_);
    for (uint64_t id : local_ids) {
      if (auto it = held_.find(id); it != held_.end()) {
        it->second.local_only = false;
        it->second.in_store = true;
      }
    }
    view_.replicas.clear();
    for (const redis::RedisReply& replica : reply->elements[0].elements) {
      view_.replicas.push_back(replica.text);
    }
    view_.replicas_alive = std::max<int>(1, static_cast<int>(view_.replicas.size()));
    view_.in_flight.clear();
    for (size_t i = 0; i < accounts.size(); ++i) {
      const int total = static_cast<int>(reply->elements[i + 2].integer);
      view_.in_flight[accounts[i]] = total;
      others[accounts[i]] = total - OwnInStore(accounts[i]);
    }
    forgotten = view_.synced_at.has_value() && reply->elements[1].integer == 0;
    if (forgotten) ++view_.forgotten;
    view_.synced_at = absl::Now();
    resynced = view_.degraded_since.has_value();
    view_.degraded_since.reset();
    view_.connected = true;
    view_.last_error.clear();
  }
  connected_.store(true);
  pool_.SetFleetInFlight(others);
  SyncLoad(accounts);
  if (resynced)
    LogLine(options_.log, "cluster: Redis answers again; the fleet's leases are resynced");
  if (forgotten) {
    LogLine(
        options_.log,
        "warning: cluster: Redis had forgotten this replica (restarted empty, or out of reach for "
        "longer than the lease TTL); writing what it knows again");
    if (options_.on_forgotten) options_.on_forgotten();
  }
  return absl::OkStatus();
}

void FleetLeases::SyncLoad(const std::vector<std::string>& accounts) {
  const absl::flat_hash_map<std::string, pool::FleetLoad> mine = pool_.OwnLoads();
  std::vector<std::string> args{options_.replica_id,
                                absl::StrCat(absl::ToInt64Milliseconds(options_.lease_ttl))};
  for (const std::string& account : accounts) {
    const auto it = mine.find(account);
    args.push_back(account);
    args.push_back(LoadFields(it == mine.end() ? pool::FleetLoad{} : it->second));
  }
  auto reply = sync_client_->Eval(LoadScript(), {absl::StrCat(prefix_, ":load")}, args);
  if (!reply.ok() || reply->is_error() || reply->elements.size() != accounts.size()) {
    return;  // the next sync tries again; the in-flight counts are what matters most
  }
  absl::flat_hash_map<std::string, pool::FleetLoad> others;
  for (size_t i = 0; i < accounts.size(); ++i) others[accounts[i]] = LoadOf(reply->elements[i]);
  pool_.SetFleetLoads(others);
}

void FleetLeases::RemoveReturned(const std::vector<std::pair<std::string, std::string>>& returned) {
  absl::flat_hash_map<std::string, std::vector<std::string>> by_account;
  for (const auto& [account, member] : returned) by_account[account].push_back(member);
  std::vector<std::string> keys;
  std::vector<std::string> args;
  for (const auto& [account, members] : by_account) {
    keys.push_back(LeasesKey(account));
    args.push_back(absl::StrCat(members.size()));
    args.insert(args.end(), members.begin(), members.end());
  }
  // A failure leaves them to expire with the TTL; degraded mode is the sync's to declare.
  auto reply = sync_client_->Eval(ReturnScript(), keys, args);
  if (!reply.ok()) Disconnected(reply.status());
}

void FleetLeases::SyncLoop() {
  absl::Time next_sync = absl::Now() + options_.sync_interval;
  while (true) {
    bool sync_due = false;
    std::vector<std::pair<std::string, std::string>> returned;
    {
      absl::MutexLock lock(&mu_);
      auto woken = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !returned_.empty(); };
      mu_.AwaitWithDeadline(absl::Condition(&woken), next_sync);
      if (stop_) return;
      sync_due = absl::Now() >= next_sync;
      if (!sync_due && connected_.load()) returned.swap(returned_);
    }
    if (sync_due) {
      (void)SyncNow();
      next_sync = absl::Now() + options_.sync_interval;
    } else if (!returned.empty()) {
      RemoveReturned(returned);
    } else {
      // Returns while Redis is out of reach wait for the next sync (or expire meanwhile).
      absl::MutexLock lock(&mu_);
      auto stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
      mu_.AwaitWithDeadline(absl::Condition(&stopped), next_sync);
    }
  }
}

FleetView FleetLeases::View() const {
  absl::MutexLock lock(&mu_);
  return view_;
}

}  // namespace maxpool::cluster
