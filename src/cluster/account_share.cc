#include "cluster/account_share.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "config/account_names.h"

namespace maxpool::cluster {
namespace {

// KEYS: account-configs, account-configs:at. ARGV: name, entry ("" = removed), at (ms).
// Written only when at least as new as what is stored. Returns 1 when written.
const redis::RedisScript& PublishScript() {
  static const redis::RedisScript script(R"lua(
local stored = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '-1')
if tonumber(ARGV[3]) < stored then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
)lua");
  return script;
}

// name -> serialised entry, with each entry's name set (an unnamed entry is known by its place).
absl::flat_hash_map<std::string, std::string> EntriesOf(const v1::Config& config) {
  absl::flat_hash_map<std::string, std::string> out;
  for (int i = 0; i < config.accounts_size(); ++i) {
    v1::AccountConfig entry = config.accounts(i);
    const std::string name = config::AccountNameOf(entry, i);
    entry.set_name(name);
    out[name] = entry.SerializeAsString();
  }
  return out;
}

}  // namespace

AccountShare::AccountShare(redis::RedisClient& client, std::string prefix,
                           config::ConfigStore& store, Log log)
    : client_(client), prefix_(std::move(prefix)), store_(store), log_(std::move(log)) {}

AccountShare::~AccountShare() { Stop(); }

absl::Status AccountShare::Publish(const std::string& name, const std::string& entry, int64_t at) {
  auto reply = client_.Eval(
      PublishScript(),
      {absl::StrCat(prefix_, ":account-configs"), absl::StrCat(prefix_, ":account-configs:at")},
      {name, entry, absl::StrCat(at)});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) {
    return absl::UnavailableError(absl::StrCat("Redis refused the script: ", reply->text));
  }
  return absl::OkStatus();
}

absl::Status AccountShare::Apply(const std::string& name, const std::string& entry) {
  v1::AccountConfig parsed;
  if (!entry.empty() && !parsed.ParseFromString(entry)) {
    return absl::DataLossError("the shared entry is not an account");
  }
  absl::StatusOr<config::LoadedConfig> written = store_.Update(
      [&](v1::Config& config) {
        for (int i = 0; i < config.accounts_size(); ++i) {
          if (config::AccountNameOf(config.accounts(i), i) != name) continue;
          if (entry.empty()) {
            config.mutable_accounts()->DeleteSubrange(i, 1);
          } else {
            *config.mutable_accounts(i) = parsed;
          }
          return absl::OkStatus();
        }
        if (!entry.empty()) *config.add_accounts() = parsed;
        return absl::OkStatus();
      },
      std::nullopt);
  return written.ok() ? absl::OkStatus() : written.status();
}

absl::Status AccountShare::SyncOnce() {
  std::lock_guard<std::mutex> pass(pass_mu_);
  absl::StatusOr<config::LoadedConfig> loaded = store_.Load();
  if (!loaded.ok()) return loaded.status();
  const absl::flat_hash_map<std::string, std::string> local = EntriesOf(loaded->config);

  auto entries = client_.Command({"HGETALL", absl::StrCat(prefix_, ":account-configs")});
  if (!entries.ok()) return entries.status();
  auto stamps = client_.Command({"HGETALL", absl::StrCat(prefix_, ":account-configs:at")});
  if (!stamps.ok()) return stamps.status();
  absl::flat_hash_map<std::string, Remote> remote;
  for (auto& [name, entry] : redis::HashPairs(*entries)) remote[name].entry = std::move(entry);
  for (const auto& [name, at] : redis::HashPairs(*stamps)) {
    auto it = remote.find(name);
    if (it != remote.end()) it->second.at = std::atoll(at.c_str());
  }

  const int64_t now = absl::ToUnixMillis(absl::Now());
  std::vector<std::pair<std::string, std::string>> changes;  // (name, entry; "" = remove)
  // This replica's accounts: changed here since the last pass -> published; changed by the fleet
  // since this replica last knew it -> taken. At the first pass an account both sides hold
  // differently stays as this replica's config says.
  for (const auto& [name, entry] : local) {
    const auto was = seen_.find(name);
    const bool changed_here = !first_pass_ && (was == seen_.end() || was->second != entry);
    const auto there = remote.find(name);
    int64_t& known = known_at_[name];
    if (there == remote.end() || changed_here) {
      if (absl::Status s = Publish(name, entry, now); !s.ok()) return s;
      known = now;
    } else if (there->second.at > known) {
      if (!first_pass_ && there->second.entry != entry) {
        changes.emplace_back(name, there->second.entry);
      }
      known = there->second.at;
    }
  }
  // The fleet's accounts this replica lacks: removed here since the last pass -> the removal is
  // published; else added here.
  for (const auto& [name, there] : remote) {
    if (local.contains(name)) continue;
    int64_t& known = known_at_[name];
    if (!first_pass_ && seen_.contains(name)) {
      if (!there.entry.empty()) {
        if (absl::Status s = Publish(name, "", now); !s.ok()) return s;
      }
      known = now;
    } else if (there.at > known) {
      if (!there.entry.empty()) changes.emplace_back(name, there.entry);
      known = there.at;
    }
  }
  first_pass_ = false;
  seen_ = local;
  if (changes.empty()) return absl::OkStatus();
  for (const auto& [name, entry] : changes) {
    // One write each: an account this replica cannot change (from a read-only source) does not
    // hold up the others.
    const absl::Status applied = Apply(name, entry);
    if (!applied.ok()) {
      log_(absl::StrCat("cluster: account \"", name, "\" ",
                        entry.empty() ? "was removed" : "changed",
                        " by another replica, but this replica's config cannot follow (",
                        applied.message(), ")"));
      continue;
    }
    log_(absl::StrCat("cluster: account \"", name, "\" ",
                      entry.empty() ? "removed" : (local.contains(name) ? "changed" : "added"),
                      " by another replica"));
  }
  // What the config holds now is this pass's baseline: the next one publishes only what changes
  // here after it.
  absl::StatusOr<config::LoadedConfig> reloaded = store_.Load();
  if (reloaded.ok()) seen_ = EntriesOf(reloaded->config);
  return absl::OkStatus();
}

void AccountShare::Start(absl::Duration interval) {
  std::lock_guard<std::mutex> guard(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this, interval] {
    bool failing = false;
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      const absl::Status status = SyncOnce();
      if (!status.ok() && !failing) {
        log_(absl::StrCat("cluster: sharing accounts failed (", status.message(),
                          "); retrying every ", absl::FormatDuration(interval)));
      }
      failing = !status.ok();
      lock.lock();
      wake_.wait_for(lock, absl::ToChronoMilliseconds(interval), [this] { return stop_; });
    }
  });
}

void AccountShare::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace maxpool::cluster
