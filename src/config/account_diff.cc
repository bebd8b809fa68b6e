#include "config/account_diff.h"

#include <map>
#include <utility>

#include "config/config_validation.h"

namespace maxpool::config {
namespace {

std::optional<double> ValidCap(const v1::AccountConfig& account) {
  if (account.has_cap_utilization() && account.cap_utilization() > 0 &&
      account.cap_utilization() < 1) {
    return account.cap_utilization();
  }
  return std::nullopt;
}

// Marks the older duplicates of `disk` (walking from last to first, the last entry wins).
std::vector<bool> FindDuplicates(const v1::Config& disk,
                                 std::vector<DuplicateDiskAccount>& duplicates) {
  const int count = disk.accounts_size();
  std::vector<bool> dropped(static_cast<size_t>(count), false);
  std::map<std::string, int> kept_by_uuid;
  std::map<std::string, int> kept_by_name;
  std::vector<DuplicateDiskAccount> found;
  for (int i = count - 1; i >= 0; --i) {
    const v1::AccountConfig& account = disk.accounts(i);
    auto by_uuid = account.account_uuid().empty() ? kept_by_uuid.end()
                                                  : kept_by_uuid.find(account.account_uuid());
    auto by_name = account.name().empty() ? kept_by_name.end() : kept_by_name.find(account.name());
    if (by_uuid != kept_by_uuid.end()) {
      found.push_back({i, by_uuid->second, true});
    } else if (by_name != kept_by_name.end()) {
      found.push_back({i, by_name->second, false});
    } else {
      if (!account.account_uuid().empty()) kept_by_uuid.emplace(account.account_uuid(), i);
      if (!account.name().empty()) kept_by_name.emplace(account.name(), i);
      continue;
    }
    dropped[static_cast<size_t>(i)] = true;
  }
  duplicates.insert(duplicates.end(), found.rbegin(), found.rend());  // in file order
  return dropped;
}

void PlanCredentials(const RunningAccount& running, const v1::AccountConfig& disk,
                     AccountUpdate& update) {
  if (disk.type() == "oauth") {
    if (disk.access_token() == running.access_token &&
        disk.refresh_token() == running.refresh_token) {
      return;
    }
    const int64_t disk_expiry = NormalizeExpiryMs(disk.expires_at());
    if (disk_expiry < running.expires_at_ms) {
      update.stale_disk_tokens_ignored = true;
      return;
    }
    AdoptedCredentials adopted;
    adopted.access_token = disk.access_token();
    adopted.refresh_token = disk.refresh_token();
    adopted.expires_at_ms = disk_expiry;
    update.credentials = std::move(adopted);
  } else if (disk.api_key() != running.api_key || disk.auth_token() != running.auth_token) {
    AdoptedCredentials adopted;
    adopted.api_key = disk.api_key();
    adopted.auth_token = disk.auth_token();
    update.credentials = std::move(adopted);
  }
}

AccountUpdate PlanUpdate(const RunningAccount& running, size_t running_index,
                         const v1::AccountConfig& disk, int disk_index, bool matched_by_uuid) {
  AccountUpdate update;
  update.running_index = running_index;
  update.disk_index = disk_index;
  if (matched_by_uuid && !disk.name().empty() && disk.name() != running.name) {
    update.name = disk.name();
  }
  if (!disk.account_uuid().empty() && disk.account_uuid() != running.uuid) {
    update.uuid = disk.account_uuid();
  }
  const bool enabled = disk.has_enabled() ? disk.enabled() : true;
  if (enabled != running.enabled) update.enabled = enabled;
  const double priority = disk.has_priority() ? disk.priority() : 0;
  if (priority != running.priority) update.priority = priority;
  const std::optional<double> cap = ValidCap(disk);
  if (cap != running.cap) {
    update.cap_changed = true;
    update.cap = cap;
  }
  if (disk.upstream() != running.upstream) update.upstream = disk.upstream();
  if (HasCredential(disk)) PlanCredentials(running, disk, update);
  return update;
}

}  // namespace

int64_t NormalizeExpiryMs(int64_t expires_at) {
  constexpr int64_t kSecondsBelow = 100'000'000'000;  // 1e11
  if (expires_at > 0 && expires_at < kSecondsBelow) return expires_at * 1000;
  return expires_at;
}

AccountSyncPlan PlanAccountSync(std::span<const RunningAccount> running, const v1::Config& disk) {
  AccountSyncPlan plan;
  const std::vector<bool> dropped = FindDuplicates(disk, plan.duplicates);
  const int count = disk.accounts_size();

  // disk index -> (running index, matched by UUID)
  std::map<int, std::pair<size_t, bool>> matches;
  std::vector<bool> claimed(running.size(), false);
  auto match_pass = [&](bool by_uuid) {
    for (int i = 0; i < count; ++i) {
      if (dropped[static_cast<size_t>(i)] || matches.count(i) > 0) continue;
      const v1::AccountConfig& account = disk.accounts(i);
      const std::string& key = by_uuid ? account.account_uuid() : account.name();
      if (key.empty()) continue;
      for (size_t r = 0; r < running.size(); ++r) {
        if (claimed[r] || (by_uuid ? running[r].uuid : running[r].name) != key) continue;
        if (running[r].type != account.type()) break;  // a different account now: remove + add
        claimed[r] = true;
        matches.emplace(i, std::make_pair(r, by_uuid));
        break;
      }
    }
  };
  match_pass(/*by_uuid=*/true);
  match_pass(/*by_uuid=*/false);

  for (int i = 0; i < count; ++i) {
    if (dropped[static_cast<size_t>(i)]) continue;
    const v1::AccountConfig& account = disk.accounts(i);
    const bool has_credential = HasCredential(account);
    if (!has_credential) plan.skipped_without_credential.push_back(i);
    auto match = matches.find(i);
    if (match == matches.end()) {
      if (has_credential) plan.added.push_back(i);
      continue;
    }
    const auto [r, by_uuid] = match->second;
    AccountUpdate update = PlanUpdate(running[r], r, account, i, by_uuid);
    if (update.HasChanges() || update.stale_disk_tokens_ignored) {
      plan.updated.push_back(std::move(update));
    }
  }
  for (size_t r = 0; r < running.size(); ++r) {
    if (!claimed[r]) plan.removed.push_back(r);
  }
  return plan;
}

}  // namespace maxpool::config
